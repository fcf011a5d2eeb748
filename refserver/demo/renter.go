package demo

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/pricing"
	"github.com/internetofgpus/iog/tunnel"
)

// asks are what the simulated renters rent, in turn.
var asks = []struct {
	model string
	gpus  int
	hours int
}{
	{"L40S", 1, 2},
	{"A100-80GB", 2, 3},
	{"RTX-4090", 1, 1},
	{"H100-SXM", 4, 2},
}

// renter runs one simulated renter: again and again it quotes a cluster,
// deploys it, waits for it to run, reaches its workload through the
// relay, lets it run, and ends it.
func (d *demo) renter(ctx context.Context, i int) {
	k := key("renter", i)
	c, err := d.client(k)
	if err == nil {
		err = fund(ctx, c)
	}
	if err != nil {
		d.say("renter %d: %v", i+1, err)
		return
	}
	// Let the suppliers come up first.
	if !d.pause(ctx, 3*time.Hour) {
		return
	}
	for n := 0; ctx.Err() == nil; n++ {
		ask := asks[(i+n)%len(asks)]
		port := uint16(20000 + 100*i + n%100)
		req := api.DeployRequest{
			Request: pricing.Request{Requirements: iog.Requirements{GPUModel: ask.model, GPUCount: ask.gpus}, Hours: ask.hours, Currency: iog.USDC},
			Name:    fmt.Sprintf("renter %d job %d", i+1, n+1),
			Workload: api.Workload{
				Entrypoint: d.cfg.Workload(),
				Ports:      []uint16{port},
			},
		}
		d.rent(ctx, c, k, i, req)
		if !d.pause(ctx, 2*time.Hour) {
			return
		}
	}
}

// rent takes one cluster through its life.
func (d *demo) rent(ctx context.Context, c *iogsdk.Client, k ed25519.PrivateKey, i int, req api.DeployRequest) {
	q, err := c.Quote(ctx, req)
	if err != nil {
		d.say("renter %d: quote for %d× %s: %v", i+1, req.Request.GPUCount, req.Request.GPUModel, err)
		return
	}
	cl, err := c.Deploy(ctx, req)
	if err != nil {
		d.say("renter %d: deploy: %v", i+1, err)
		return
	}
	d.say("renter %d: deployed %s, %d× %s for %d h, %v held in escrow", i+1, cl.ID, req.Request.GPUCount, req.Request.GPUModel, req.Request.Hours, q.RenterPays)
	cl, ok := d.until(ctx, c, cl.ID, func(cl api.Cluster) bool { return cl.Status == api.ClusterRunning || cl.Status == api.ClusterEnded })
	if !ok {
		return
	}
	if cl.Status != api.ClusterRunning {
		d.say("renter %d: %s ended before it ran: %s", i+1, cl.ID, cl.Reason)
		return
	}
	var devices []string
	for _, dev := range cl.Devices {
		devices = append(devices, string(dev.Device))
	}
	d.say("renter %d: %s runs on %s", i+1, cl.ID, strings.Join(devices, ", "))
	if len(cl.Devices) > 0 {
		if answer, err := d.reach(ctx, c, k, cl.Devices[0].Device, req.Workload.Ports[0]); err != nil {
			d.say("renter %d: reaching %s through the relay: %v", i+1, cl.ID, err)
		} else {
			d.say("renter %d: %s answered through the relay: %q", i+1, cl.ID, answer)
		}
	}
	if !d.pause(ctx, time.Duration(req.Request.Hours)*time.Hour/2) {
		return
	}
	cl, err = c.TerminateCluster(ctx, cl.ID)
	if err != nil {
		d.say("renter %d: terminate %s: %v", i+1, cl.ID, err)
		return
	}
	d.say("renter %d: ended %s after %d h: paid %v, refunded %v", i+1, cl.ID, cl.HoursSettled, cl.Cost, cl.Refunded)
}

// until polls a cluster until done says so.
func (d *demo) until(ctx context.Context, c *iogsdk.Client, id iog.ClusterID, done func(api.Cluster) bool) (api.Cluster, bool) {
	for d.pause(ctx, 5*time.Minute) {
		cl, err := c.Cluster(ctx, id)
		if err == nil && done(cl) {
			return cl, true
		}
	}
	return api.Cluster{}, false
}

// reach asks the workload on a device for its greeting, through the relay.
func (d *demo) reach(ctx context.Context, c *iogsdk.Client, k ed25519.PrivateKey, device iog.DeviceID, port uint16) (string, error) {
	relay, err := c.Relay(ctx)
	if err != nil {
		return "", err
	}
	pin, err := tunnel.ParsePin(relay.Pin)
	if err != nil {
		return "", err
	}
	tc, err := tunnel.NewClient(tunnel.ClientConfig{RelayAddr: relay.Addr, RelayPin: pin, Key: k, ConnConfig: tunnel.ConnConfig{Logger: d.cfg.Logger}})
	if err != nil {
		return "", err
	}
	defer tc.Close()
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return tc.Dial(ctx, device, port) },
	}}
	// The workload may still be starting: a few tries.
	var last error
	for range 5 {
		resp, err := hc.Get(fmt.Sprintf("http://%s:%d/", device, port))
		if err == nil {
			body, err := io.ReadAll(io.LimitReader(resp.Body, 200))
			resp.Body.Close()
			return strings.TrimSpace(string(body)), err
		}
		last = err
		if !d.pause(ctx, time.Minute) {
			break
		}
	}
	return "", last
}
