package refserver

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
)

// maxDevicePage bounds a page of a device listing.
const maxDevicePage = 500

func (s *Server) deviceRoutes() []route {
	worker := func(method, pattern string, h func(*call) (any, error), summary string) route {
		return route{method: method, pattern: pattern, access: private, scope: api.ScopeWorker, mutates: true, handle: h, summary: summary}
	}
	// A proof's answer is the n² product of its matrices, 4 bytes an
	// entry (a third more in base64), and a device answers for up to
	// every GPU at once.
	proofs := worker("POST", "/v1/devices/{id}/proofs", s.submitProofs, "Answer the device's proof-of-compute tasks")
	n := int64(gpu.DefaultProofN)
	proofs.maxBody = gpu.MaxGPUsPerReport*(n*n*4*4/3+1024) + s.cfg.Limits.MaxBody
	return []route{
		worker("POST", "/v1/devices", s.registerDevice, "Register a device of the caller's wallet"),
		worker("POST", "/v1/devices/{id}/challenge", s.deviceChallenge, "A nonce for the device's next signed report"),
		worker("POST", "/v1/devices/{id}/reports", s.submitReport, "Submit a device report signed by its owner"),
		worker("POST", "/v1/devices/{id}/heartbeats", s.heartbeat, "Say the device is alive; answers the proofs it owes"),
		proofs,
		{method: "PATCH", pattern: "/v1/devices/{id}", access: signedOnly, mutates: true, handle: s.renameDevice, summary: "Rename one of the signing wallet's devices"},
		{method: "DELETE", pattern: "/v1/devices/{id}", access: signedOnly, mutates: true, handle: s.removeDevice, summary: "Remove one of the signing wallet's devices"},
		{method: "GET", pattern: "/v1/devices/{id}", access: public, handle: s.getDevice, summary: "A device's public details"},
		{method: "GET", pattern: "/v1/devices", access: public, handle: s.listDevices, summary: "Devices by state, model and owner, a page at a time"},
	}
}

// registerDevice registers a device of the caller's wallet, pending until
// its first report is accepted, and answers the challenge that report
// must sign.
func (s *Server) registerDevice(c *call) (any, error) {
	var req api.RegisterDeviceRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := checkName(req.Name); err != nil {
		return nil, err
	}
	if len(req.TunnelKey) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("tunnel_key: want a %d-byte ed25519 public key, base64: %w", ed25519.PublicKeySize, iog.ErrInvalid)
	}
	loc, err := iog.ParseLocation(req.Location)
	if err != nil {
		return nil, err
	}
	id, err := iog.NewDeviceID(s.cfg.Random)
	if err != nil {
		return nil, err
	}
	v, err := s.verifier()
	if err != nil {
		return nil, err
	}
	if err := v.Register(id, c.who.wallet); err != nil {
		return nil, err
	}
	ch, err := v.Challenge(id)
	if err != nil {
		return nil, err
	}
	rec, _ := v.Record(id)
	d := store.Device{
		ID: id, Owner: c.who.wallet, Name: req.Name, State: string(api.DevicePending),
		TunnelKey: ed25519.PublicKey(req.TunnelKey), Location: loc,
		Bandwidth:  iog.Bandwidth{DownBytesPerSec: req.Bandwidth.DownBytesPerSec, UpBytesPerSec: req.Bandwidth.UpBytesPerSec},
		Registered: c.now, Updated: c.now, Verifier: rec, Health: iog.NewHealth(c.now),
	}
	if err := c.tx.InsertDevice(d); err != nil {
		return nil, err
	}
	if err := s.registerStake(c.tx, d); err != nil {
		return nil, err
	}
	c.status = http.StatusCreated
	c.audit("device.register", string(id), req.Name)
	return api.RegisterDeviceResponse{Device: publicDevice(d, v), Challenge: challenge(ch)}, nil
}

func checkName(name string) error {
	if name == "" || len(name) > 64 || !utf8.ValidString(name) {
		return fmt.Errorf("name %q: 1 to 64 bytes of text: %w", clip(name), iog.ErrInvalid)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("name %q has a control character: %w", clip(name), iog.ErrInvalid)
		}
	}
	return nil
}

func challenge(ch gpu.Challenge) api.Challenge {
	return api.Challenge{Device: ch.Device, Nonce: ch.Nonce.String(), Expires: ch.Expires}
}

// ownDevice returns one of the caller's devices, locked for the
// transaction. Another wallet's device is iog.ErrForbidden: its
// existence is public, acting on it is not.
func (c *call) ownDevice() (store.Device, error) {
	id, err := iog.ParseDeviceID(c.param("id"))
	if err != nil {
		return store.Device{}, err
	}
	d, err := c.tx.Device(id)
	if err != nil {
		return d, err
	}
	if d.Owner != c.who.wallet {
		return d, fmt.Errorf("device %s belongs to another wallet: %w", id, iog.ErrForbidden)
	}
	if d.State == string(api.DeviceRemoved) {
		return d, fmt.Errorf("device %s was removed: %w", id, iog.ErrNotFound)
	}
	return d, nil
}

// deviceChallenge issues a nonce for the device's next report.
func (s *Server) deviceChallenge(c *call) (any, error) {
	d, err := c.ownDevice()
	if err != nil {
		return nil, err
	}
	v, err := s.verifier(d)
	if err != nil {
		return nil, err
	}
	ch, err := v.Challenge(d.ID)
	if err != nil {
		return nil, err
	}
	return challenge(ch), nil
}

// submitReport verifies a signed report of the device. An accepted first
// report makes the device active. A refused one is answered with its
// reason, and still enters the device's trust history.
func (s *Server) submitReport(c *call) (any, error) {
	d, err := c.ownDevice()
	if err != nil {
		return nil, err
	}
	var req api.ReportRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	signed := gpu.SignedReport(req.Report)
	report, err := signed.Open(d.Owner)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	uuids := make([]string, 0, len(report.Inventory.GPUs))
	for _, g := range report.Inventory.GPUs {
		uuids = append(uuids, g.GPU.UUID)
	}
	holders, err := c.tx.DevicesHolding(uuids, d.ID)
	if err != nil {
		return nil, err
	}
	v, err := s.verifier(append(holders, d)...)
	if err != nil {
		return nil, err
	}
	accepted, verr := v.Verify(signed)
	rec, ok := v.Record(d.ID)
	if !ok {
		return nil, fmt.Errorf("device %s left the verifier: %w", d.ID, iog.ErrConflict)
	}
	d.Verifier, d.Updated = rec, c.now
	if verr == nil {
		d.GPUCount = len(accepted.Inventory.GPUs)
		d.Model = ""
		if d.GPUCount > 0 {
			d.Model = accepted.Inventory.GPUs[0].GPU.Model
		}
		if d.State == string(api.DevicePending) {
			d.State = string(api.DeviceActive)
		}
		if err := s.requireStake(c.tx, d); err != nil {
			return nil, err
		}
	}
	if err := c.tx.UpdateDevice(d); err != nil {
		return nil, err
	}
	if verr != nil {
		var rej *gpu.Rejection
		if errors.As(verr, &rej) {
			return nil, keep(verr)
		}
		return nil, verr
	}
	c.audit("device.report", string(d.ID), fmt.Sprintf("%d GPUs", d.GPUCount))
	return publicDevice(d, v), nil
}

// heartbeat folds a heartbeat into the device's health and answers the
// proof-of-compute tasks it owes: when its GPUs' last proofs are due, a
// task for each GPU at once.
func (s *Server) heartbeat(c *call) (any, error) {
	d, err := c.ownDevice()
	if err != nil {
		return nil, err
	}
	var hb api.Heartbeat
	if err := c.decode(&hb); err != nil {
		return nil, err
	}
	at := healthTime(d.Health, c.now)
	if d.Health, err = s.noteSilence(d.Health, at); err != nil {
		return nil, err
	}
	if d.Health, err = d.Health.Heartbeat(at); err != nil {
		return nil, err
	}
	v, err := s.verifier(d)
	if err != nil {
		return nil, err
	}
	tasks, err := s.dueProofs(v, d)
	if err != nil {
		return nil, err
	}
	d.Verifier, _ = v.Record(d.ID)
	d.Updated = c.now
	if err := c.tx.UpdateDevice(d); err != nil {
		return nil, err
	}
	c.audit("device.heartbeat", string(d.ID), "")
	resp := api.HeartbeatResponse{Tasks: []api.ProofTask{}}
	for _, t := range tasks {
		resp.Tasks = append(resp.Tasks, proofTask(t))
	}
	return resp, nil
}

// dueProofs issues a proof task for every GPU of an active device whose
// tasks are all answered and one of whose GPUs' last proof is older than
// the proof interval, and returns the device's open tasks.
func (s *Server) dueProofs(v *gpu.Verifier, d store.Device) ([]gpu.ProofTask, error) {
	rec := d.Verifier
	if d.State != string(api.DeviceActive) || len(rec.OpenTasks) > 0 {
		return rec.OpenTasks, nil
	}
	due := false
	for _, k := range rec.Known {
		if k.Proven.IsZero() || s.cfg.Clock.Now().Sub(k.Proven) >= s.proofInterval() {
			due = true
		}
	}
	if !due {
		return nil, nil
	}
	var tasks []gpu.ProofTask
	for _, g := range rec.GPUs {
		t, err := v.ProofTask(d.ID, g.GPU.UUID)
		if errors.Is(err, iog.ErrConflict) {
			// This hour's proof work for the GPU is spent; it is asked
			// again next time.
			continue
		}
		if err != nil {
			return nil, err
		}
		tasks = append(tasks, t)
	}
	return tasks, nil
}

func proofTask(t gpu.ProofTask) api.ProofTask {
	return api.ProofTask{ID: t.ID.String(), GPU: t.GPU, Model: t.Model, N: t.N, Steps: t.Steps, Issued: t.Issued, Deadline: t.Deadline}
}

// submitProofs checks the device's answers to its tasks. Each outcome
// enters its trust history and its health's checks.
func (s *Server) submitProofs(c *call) (any, error) {
	d, err := c.ownDevice()
	if err != nil {
		return nil, err
	}
	var req api.ProofAnswers
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if len(req.Answers) == 0 || len(req.Answers) > gpu.MaxGPUsPerReport {
		return nil, fmt.Errorf("answers: 1 to %d: %w", gpu.MaxGPUsPerReport, iog.ErrInvalid)
	}
	answers := make([]gpu.ProofAnswer, len(req.Answers))
	for i, b := range req.Answers {
		if err := answers[i].UnmarshalBinary(b); err != nil {
			return nil, fmt.Errorf("answer %d: %w", i+1, err)
		}
	}
	v, err := s.verifier(d)
	if err != nil {
		return nil, err
	}
	var out api.ProofResults
	for _, a := range answers {
		res := api.ProofResult{Task: a.ID.String(), Accepted: true}
		if err := v.SubmitProof(a); errors.Is(err, iog.ErrNotFound) {
			// Answered already, withdrawn, or closed at its deadline: the
			// answer says nothing of the device, and is only told so.
			out.Results = append(out.Results, api.ProofResult{Task: a.ID.String(), Reason: err.Error()})
			continue
		} else if err != nil {
			var rej *gpu.Rejection
			if !errors.As(err, &rej) {
				return nil, err
			}
			res.Accepted, res.Reason = false, err.Error()
		}
		if d.Health, err = d.Health.Check(healthTime(d.Health, c.now), res.Accepted); err != nil {
			return nil, err
		}
		out.Results = append(out.Results, res)
	}
	d.Verifier, _ = v.Record(d.ID)
	d.Updated = c.now
	if err := c.tx.UpdateDevice(d); err != nil {
		return nil, err
	}
	c.audit("device.proofs", string(d.ID), fmt.Sprintf("%d answers", len(answers)))
	return out, nil
}

// renameDevice renames one of the signing wallet's devices.
func (s *Server) renameDevice(c *call) (any, error) {
	d, err := c.ownDevice()
	if err != nil {
		return nil, err
	}
	var req api.RenameDeviceRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := checkName(req.Name); err != nil {
		return nil, err
	}
	c.audit("device.rename", string(d.ID), clip(d.Name)+" → "+clip(req.Name))
	d.Name, d.Updated = req.Name, c.now
	if err := c.tx.UpdateDevice(d); err != nil {
		return nil, err
	}
	return s.describe(d)
}

// removeDevice removes one of the signing wallet's devices: it forgets its
// attestation and releases its GPUs.
func (s *Server) removeDevice(c *call) (any, error) {
	d, err := c.ownDevice()
	if err != nil {
		return nil, err
	}
	if err := s.deregisterStake(c.tx, d.ID); err != nil {
		return nil, err
	}
	d.State, d.Verifier, d.Updated = string(api.DeviceRemoved), gpu.DeviceRecord{}, c.now
	if d.Health.Up {
		if d.Health, err = d.Health.Miss(healthTime(d.Health, c.now)); err != nil {
			return nil, err
		}
	}
	if err := c.tx.UpdateDevice(d); err != nil {
		return nil, err
	}
	c.audit("device.remove", string(d.ID), "")
	return s.describe(d)
}

// getDevice answers a device's public view.
func (s *Server) getDevice(c *call) (any, error) {
	id, err := iog.ParseDeviceID(c.param("id"))
	if err != nil {
		return nil, err
	}
	var d store.Device
	err = s.store.Tx(c.r.Context(), func(tx *store.Tx) error {
		d, err = tx.Device(id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.describe(d)
}

// listDevices answers a page of devices' public views, by ID, filtered by
// state, model and owner.
func (s *Server) listDevices(c *call) (any, error) {
	q := c.r.URL.Query()
	f := store.DeviceFilter{State: q.Get("state"), Model: q.Get("model"), After: iog.DeviceID(q.Get("after")), Limit: maxDevicePage}
	if o := q.Get("owner"); o != "" {
		w, err := iog.ParseWalletAddress(o)
		if err != nil {
			return nil, err
		}
		f.Owner = w
	}
	var devices []store.Device
	err := s.store.Tx(c.r.Context(), func(tx *store.Tx) error {
		var err error
		devices, err = tx.Devices(f)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := api.DeviceList{Devices: []api.Device{}}
	for _, d := range devices {
		pd, err := s.describe(d)
		if err != nil {
			return nil, err
		}
		out.Devices = append(out.Devices, pd)
	}
	if len(devices) == maxDevicePage {
		out.Next = string(devices[len(devices)-1].ID)
	}
	return out, nil
}

// describe returns a device's public view.
func (s *Server) describe(d store.Device) (api.Device, error) {
	v, err := s.verifier(d)
	if err != nil {
		return api.Device{}, err
	}
	return publicDevice(d, v), nil
}

func publicDevice(d store.Device, v *gpu.Verifier) api.Device {
	pd := api.Device{
		ID: d.ID, Owner: d.Owner, Name: d.Name, State: api.DeviceState(d.State), Model: d.Model, GPUCount: d.GPUCount,
		Location: d.Location.String(), Registered: d.Registered, Up: d.Health.Up,
		Bandwidth: api.Bandwidth{DownBytesPerSec: d.Bandwidth.DownBytesPerSec, UpBytesPerSec: d.Bandwidth.UpBytesPerSec},
	}
	if trust, err := v.Trust(d.ID); err == nil {
		pd.Trust = uint16(trust)
	}
	if !d.Health.LastSeen.IsZero() {
		seen := d.Health.LastSeen
		pd.LastSeen = &seen
	}
	return pd
}

func (s *Server) deviceLoops() []loop {
	return []loop{{name: "heartbeat timeouts", every: s.cfg.HeartbeatTimeout / 4, step: s.markSilentDevices}}
}

// markSilentDevices marks down every device whose heartbeats stopped for
// longer than the heartbeat timeout: down from its last heartbeat plus the
// timeout, so that a restart of the server counts no silence as up time.
func (s *Server) markSilentDevices(ctx context.Context) error {
	now := s.cfg.Clock.Now().UTC()
	return s.store.Tx(ctx, func(tx *store.Tx) error {
		silent, err := tx.SilentDevices(now.Add(-s.cfg.HeartbeatTimeout))
		if err != nil {
			return err
		}
		for _, d := range silent {
			if d.Health, err = s.noteSilence(d.Health, now); err != nil {
				return err
			}
			d.Updated = now
			if err := tx.UpdateDevice(d); err != nil {
				return err
			}
		}
		return nil
	})
}

// noteSilence marks a device whose heartbeats stopped for longer than the
// timeout before now down, from its last heartbeat plus the timeout (the
// silence is not up time), and leaves any other health as it is.
func (s *Server) noteSilence(h iog.Health, now time.Time) (iog.Health, error) {
	if !h.Overdue(now, s.cfg.HeartbeatTimeout) {
		return h, nil
	}
	return h.Miss(h.LastSeen.Add(s.cfg.HeartbeatTimeout))
}

// healthTime is when an event at now enters a device's health: now, or
// the time of the last event folded when that is later. Requests are
// stamped as they arrive, and one stamped a little later may reach the
// device's row first; a health record takes its events in order.
func healthTime(h iog.Health, now time.Time) time.Time {
	if h.Updated.After(now) {
		return h.Updated
	}
	return now
}
