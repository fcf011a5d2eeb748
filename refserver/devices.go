package refserver

import (
	"crypto/ed25519"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
)

func (s *Server) deviceRoutes() []route {
	worker := func(method, pattern string, h func(*call) (any, error), summary string) route {
		return route{method: method, pattern: pattern, access: private, scope: api.ScopeWorker, mutates: true, handle: h, summary: summary}
	}
	// A proof's answer is the n² product of its matrices, 4 bytes an
	// entry (a third more in base64), and a device answers for up to
	// every GPU at once.
	heartbeats := worker("POST", "/v1/devices/{id}/heartbeats", s.heartbeat, "Say the device is alive; answers the proofs it owes")
	heartbeats.liveness = true
	proofs := worker("POST", "/v1/devices/{id}/proofs", s.submitProofs, "Answer the device's proof-of-compute tasks")
	n := int64(gpu.DefaultProofN)
	proofs.maxBody = gpu.MaxGPUsPerReport*(n*n*4*4/3+1024) + s.cfg.Limits.MaxBody
	return []route{
		worker("POST", "/v1/devices", s.registerDevice, "Register a device of the caller's wallet"),
		worker("POST", "/v1/devices/{id}/challenge", s.deviceChallenge, "A nonce for the device's next signed report"),
		worker("POST", "/v1/devices/{id}/reports", s.submitReport, "Submit a device report signed by its owner"),
		heartbeats,
		proofs,
		{method: "PATCH", pattern: "/v1/devices/{id}", access: signedOnly, mutates: true, handle: s.renameDevice, summary: "Rename one of the signing wallet's devices"},
		{method: "DELETE", pattern: "/v1/devices/{id}", access: signedOnly, mutates: true, handle: s.removeDevice, summary: "Remove one of the signing wallet's devices"},
		{method: "GET", pattern: "/v1/devices/{id}", access: public, handle: s.getDevice, summary: "A device's public details"},
		{method: "GET", pattern: "/v1/devices/{id}/health", access: private, scope: api.ScopeRead, handle: s.getHealth, summary: "One of the caller's devices' health: uptime of the last day and week, proofs of compute, trust, why it is blocked"},
		{method: "GET", pattern: "/v1/devices/{id}/telemetry", access: public, handle: s.getTelemetry, summary: "A device's telemetry over time: its GPUs' utilization, temperature and power, sampled from its heartbeats"},
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
	return api.RegisterDeviceResponse{Device: s.publicDevice(d.View(c.now), c.now), Challenge: challenge(ch)}, nil
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
	return d, c.own(id, d.Owner, d.State)
}

// own says whether the caller may act on device id, of owner in state:
// another wallet's device is iog.ErrForbidden, a removed one
// iog.ErrNotFound.
func (c *call) own(id iog.DeviceID, owner iog.WalletAddress, state string) error {
	if owner != c.who.wallet {
		return fmt.Errorf("device %s belongs to another wallet: %w", id, iog.ErrForbidden)
	}
	if state == string(api.DeviceRemoved) {
		return fmt.Errorf("device %s was removed: %w", id, iog.ErrNotFound)
	}
	return nil
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
	return s.writtenDevice(c, d)
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
	if d.Health, err = s.currentHealth(c.tx, d.Health); err != nil {
		return nil, err
	}
	if d.Health.Up {
		if d.Health, err = d.Health.Miss(healthTime(d.Health, c.now)); err != nil {
			return nil, err
		}
	}
	if err := c.tx.UpdateDevice(d); err != nil {
		return nil, err
	}
	c.audit("device.remove", string(d.ID), "")
	return s.publicDevice(d.View(c.now), c.now), nil
}
