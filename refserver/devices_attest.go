package refserver

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
)

func challenge(ch gpu.Challenge) api.Challenge {
	return api.Challenge{Device: ch.Device, Nonce: ch.Nonce.String(), Expires: ch.Expires}
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
	// The verifier keeps, and the store binds, UUIDs in canonical form.
	uuids := make([]string, 0, len(report.Inventory.GPUs))
	for _, g := range report.Inventory.GPUs {
		uuids = append(uuids, gpu.CanonicalUUID(g.GPU.Vendor, g.GPU.UUID))
	}
	holders, err := c.tx.DevicesHolding(uuids, d.ID)
	if err != nil {
		return nil, err
	}
	v, err := s.verifier(append(holders, d)...)
	if err != nil {
		return nil, err
	}
	before := d.Verifier.GPUs
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
		if reason := s.reportBlock(d.Bandwidth, before, accepted); reason != "" && d.State == string(api.DeviceActive) {
			d.State, d.BlockedReason, d.BlockedAt = string(api.DeviceBlocked), reason, c.now
			c.audit("device.block", string(d.ID), reason)
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
	return s.writtenDevice(c, d)
}

// reportBlock returns why a device whose last accepted report listed the
// GPUs before, and that now reports accepted, must be blocked, or "": its
// GPUs changed (io.net's rule: a device whose hardware changes is
// blocked; the verifier refuses added or other GPUs, this catches one
// gone), or it is below the worker minimums, with its registered
// bandwidth (its latency is not measured by the server).
func (s *Server) reportBlock(bw iog.Bandwidth, before []gpu.GPUReading, accepted gpu.Report) string {
	if len(before) > 0 {
		now := map[string]bool{}
		for _, g := range accepted.Inventory.GPUs {
			now[g.GPU.UUID] = true
		}
		for _, g := range before {
			if !now[g.GPU.UUID] {
				return fmt.Sprintf("hardware changed: GPU %s (%s) is no longer reported; remove the device and register it again", g.GPU.UUID, g.GPU.Model)
			}
		}
	}
	if r := s.cfg.Minimums.Check(accepted.Inventory, gpu.SpeedResult{Bandwidth: bw}); !r.Met() {
		return "below the worker minimums: " + strings.Join(r.Unmet, "; ")
	}
	return ""
}

// heartbeat folds a heartbeat into the device's health and answers the
// proof-of-compute tasks it owes: when its GPUs' last proofs are due, a
// task for each GPU at once. A heartbeat that finds no task open and
// none due, most of them, reads and writes the device's health alone.
func (s *Server) heartbeat(c *call) (any, error) {
	id, err := iog.ParseDeviceID(c.param("id"))
	if err != nil {
		return nil, err
	}
	b, err := c.tx.DeviceBeat(id)
	if err != nil {
		return nil, err
	}
	if err := c.own(id, b.Owner, b.State); err != nil {
		return nil, err
	}
	var hb api.Heartbeat
	if err := c.decode(&hb); err != nil {
		return nil, err
	}
	if err := s.checkIdleUse(c, b, hb); err != nil {
		return nil, err
	}
	if err := s.sampleTelemetry(c, b, hb); err != nil {
		return nil, err
	}
	resp := api.HeartbeatResponse{Tasks: []api.ProofTask{}}
	if b.OpenTasks == 0 && (b.State != string(api.DeviceActive) || !b.ProofDue(c.now, s.cfg.ProofInterval)) {
		d := b.Device(c.now)
		if d.Health, err = s.beat(c.tx, d.Health, c.now); err != nil {
			return nil, err
		}
		if err := c.tx.UpdateDeviceHealth(d); err != nil {
			return nil, err
		}
		return resp, nil
	}
	d, err := c.tx.Device(id)
	if err != nil {
		return nil, err
	}
	if d.Health, err = s.beat(c.tx, d.Health, c.now); err != nil {
		return nil, err
	}
	tasks, issued, err := s.dueProofs(&d, c.now)
	if err != nil {
		return nil, err
	}
	d.Updated = c.now
	if issued {
		err = c.tx.UpdateDevice(d)
	} else {
		// The record is as read: the heartbeat changed the device's
		// health alone.
		err = c.tx.UpdateDeviceHealth(d)
	}
	if err != nil {
		return nil, err
	}
	for _, t := range tasks {
		resp.Tasks = append(resp.Tasks, proofTask(t))
	}
	return resp, nil
}

// checkIdleUse blocks an active device whose heartbeat reports more use
// of its CPU or GPUs than the idle caps allow while it is not hired. The
// caps are checked on what the heartbeat read already (its GPUs' class
// from the device's model); only a heartbeat above them asks whether the
// device is hired. A reading above 100% is refused, and changes nothing.
func (s *Server) checkIdleUse(c *call, b store.DeviceBeat, hb api.Heartbeat) error {
	if hb.CPUPercent > 100 {
		return fmt.Errorf("cpu_percent %d: want 0 to 100: %w", hb.CPUPercent, iog.ErrInvalid)
	}
	use := gpu.IdleUse{CPUPercent: hb.CPUPercent, GPUs: make([]gpu.GPUUse, len(hb.GPUs))}
	model, _ := iog.LookupGPUModel(b.Model)
	for i, g := range hb.GPUs {
		if g.UtilizationPercent > 100 {
			return fmt.Errorf("GPU %d: utilization_percent %d: want 0 to 100: %w", i, g.UtilizationPercent, iog.ErrInvalid)
		}
		use.GPUs[i] = gpu.GPUUse{Model: b.Model, Class: model.Class, UtilizationPercent: g.UtilizationPercent}
	}
	if b.State != string(api.DeviceActive) || s.cfg.IdleCaps.Check(use, false, c.now) == "" {
		return nil
	}
	hired, err := c.tx.DeviceHired(b.ID)
	if err != nil {
		return err
	}
	reason := s.cfg.IdleCaps.Check(use, hired, c.now)
	if reason == "" {
		return nil
	}
	if err := c.tx.BlockDevice(b.ID, reason, c.now); err != nil {
		return err
	}
	c.audit("device.block", string(b.ID), reason)
	return nil
}

// beat is a device's health h, as read in tx, with a heartbeat at now
// folded in: after the window the last settled epoch started
// (currentHealth), and after the silence before the heartbeat, if it was
// overdue.
func (s *Server) beat(tx *store.Tx, h iog.Health, now time.Time) (iog.Health, error) {
	h, err := s.currentHealth(tx, h)
	if err != nil {
		return h, err
	}
	at := healthTime(h, now)
	if h, err = s.noteSilence(h, at); err != nil {
		return h, err
	}
	return h.Heartbeat(at)
}

// dueProofs issues a proof task for every GPU of an active device whose
// tasks are all answered and one of whose GPUs' last proof is older than
// the proof interval at now, and returns the device's open tasks, and
// whether it issued them (and so changed the device's verifier record).
// Most heartbeats find nothing due, and restore no verifier.
func (s *Server) dueProofs(d *store.Device, now time.Time) ([]gpu.ProofTask, bool, error) {
	rec := d.Verifier
	if d.State != string(api.DeviceActive) || len(rec.OpenTasks) > 0 {
		return rec.OpenTasks, false, nil
	}
	due := false
	for _, k := range rec.Known {
		if k.Proven.IsZero() || now.Sub(k.Proven) >= s.cfg.ProofInterval {
			due = true
		}
	}
	if !due {
		return nil, false, nil
	}
	v, err := s.verifier(*d)
	if err != nil {
		return nil, false, err
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
			return nil, false, err
		}
		tasks = append(tasks, t)
	}
	if len(tasks) == 0 {
		return nil, false, nil
	}
	d.Verifier, _ = v.Record(d.ID)
	return tasks, true, nil
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
	if d.Health, err = s.currentHealth(c.tx, d.Health); err != nil {
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
