package iogsdk

import (
	"context"
	"net/url"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// RegisterDevice registers a device of the client's wallet; the answer
// holds the challenge its first report must sign.
func (c *Client) RegisterDevice(ctx context.Context, req api.RegisterDeviceRequest) (api.RegisterDeviceResponse, error) {
	var out api.RegisterDeviceResponse
	err := c.do(ctx, "POST", "/v1/devices", req, &out)
	return out, err
}

// DeviceChallenge asks for a nonce for the device's next report.
func (c *Client) DeviceChallenge(ctx context.Context, device iog.DeviceID) (api.Challenge, error) {
	var out api.Challenge
	err := c.do(ctx, "POST", devicePath(device, "challenge"), nil, &out)
	return out, err
}

// SubmitReport submits a report signed by the device's owner.
func (c *Client) SubmitReport(ctx context.Context, device iog.DeviceID, report gpu.SignedReport) (api.Device, error) {
	var out api.Device
	err := c.do(ctx, "POST", devicePath(device, "reports"), api.ReportRequest{Report: report}, &out)
	return out, err
}

// Heartbeat says the device is alive; the answer lists the
// proof-of-compute tasks it owes.
func (c *Client) Heartbeat(ctx context.Context, device iog.DeviceID, hb api.Heartbeat) (api.HeartbeatResponse, error) {
	var out api.HeartbeatResponse
	err := c.do(ctx, "POST", devicePath(device, "heartbeats"), hb, &out)
	return out, err
}

// SubmitProofs answers proof-of-compute tasks of the device.
func (c *Client) SubmitProofs(ctx context.Context, device iog.DeviceID, answers []gpu.ProofAnswer) (api.ProofResults, error) {
	req := api.ProofAnswers{}
	for _, a := range answers {
		b, err := a.MarshalBinary()
		if err != nil {
			return api.ProofResults{}, err
		}
		req.Answers = append(req.Answers, b)
	}
	var out api.ProofResults
	err := c.do(ctx, "POST", devicePath(device, "proofs"), req, &out)
	return out, err
}

// RenameDevice renames one of the wallet's devices (a signed client only).
func (c *Client) RenameDevice(ctx context.Context, device iog.DeviceID, name string) (api.Device, error) {
	var out api.Device
	err := c.do(ctx, "PATCH", devicePath(device, ""), api.RenameDeviceRequest{Name: name}, &out)
	return out, err
}

// RemoveDevice removes one of the wallet's devices (a signed client only).
func (c *Client) RemoveDevice(ctx context.Context, device iog.DeviceID) (api.Device, error) {
	var out api.Device
	err := c.do(ctx, "DELETE", devicePath(device, ""), nil, &out)
	return out, err
}

// Device returns a device's public details.
func (c *Client) Device(ctx context.Context, device iog.DeviceID) (api.Device, error) {
	var out api.Device
	err := c.do(ctx, "GET", devicePath(device, ""), nil, &out)
	return out, err
}

// DeviceQuery selects devices to list; zero fields select all.
type DeviceQuery struct {
	State api.DeviceState
	Model string
	Owner iog.WalletAddress
	// After continues a listing from a page's Next.
	After string
}

// Devices returns a page of devices' public details.
func (c *Client) Devices(ctx context.Context, q DeviceQuery) (api.DeviceList, error) {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("state", string(q.State))
	set("model", q.Model)
	set("after", q.After)
	if !q.Owner.IsZero() {
		v.Set("owner", q.Owner.String())
	}
	path := "/v1/devices"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	var out api.DeviceList
	err := c.do(ctx, "GET", path, nil, &out)
	return out, err
}

func devicePath(device iog.DeviceID, sub string) string {
	p := "/v1/devices/" + url.PathEscape(string(device))
	if sub != "" {
		p += "/" + sub
	}
	return p
}

// Telemetry returns a device's telemetry samples from since on (zero for
// as far back as the server keeps them), the oldest first; a series with
// Next continues from it.
func (c *Client) Telemetry(ctx context.Context, device iog.DeviceID, since time.Time) (api.TelemetrySeries, error) {
	v := url.Values{}
	if !since.IsZero() {
		v.Set("since", since.UTC().Format(time.RFC3339Nano))
	}
	var out api.TelemetrySeries
	err := c.do(ctx, "GET", withQuery(devicePath(device, "telemetry"), v), nil, &out)
	return out, err
}

// DeviceHealth returns one of the wallet's devices' health: its uptime of
// the last day and week, proofs of compute, trust, and why it is blocked.
func (c *Client) DeviceHealth(ctx context.Context, device iog.DeviceID) (api.DeviceHealth, error) {
	var out api.DeviceHealth
	err := c.do(ctx, "GET", devicePath(device, "health"), nil, &out)
	return out, err
}
