package iogsdk

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// heartbeats says the device is alive every HeartbeatInterval, with its
// GPUs' telemetry, and answers the proof tasks the server returns.
func (w *Worker) heartbeats(ctx context.Context) error {
	return w.every(ctx, "heartbeat", w.cfg.HeartbeatInterval, w.heartbeat)
}

func (w *Worker) heartbeat(ctx context.Context) error {
	inv, err := w.cfg.Probe.Probe(ctx)
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	w.mu.Lock()
	changed := fingerprint(inv) != w.hardware
	w.mu.Unlock()
	if changed {
		select {
		case w.reportNow <- struct{}{}:
		default:
		}
	}
	hb := api.Heartbeat{}
	for _, g := range inv.GPUs {
		hb.GPUs = append(hb.GPUs, api.GPUTelemetry{UUID: g.GPU.UUID, TemperatureC: g.Telemetry.TemperatureC,
			UtilizationPercent: g.Telemetry.UtilizationPercent, PowerMilliwatts: g.Telemetry.PowerMilliwatts})
	}
	cpu, err := w.cfg.CPUUse()
	switch {
	case err == nil:
		hb.CPUPercent = cpu
	case !errors.Is(err, gpu.ErrNotPresent):
		w.log.Warn("CPU use not measured", "device", w.Device(), "err", err)
	}
	resp, err := w.cfg.Client.Heartbeat(ctx, w.Device(), hb)
	if err != nil {
		return err
	}
	w.prove(ctx, resp.Tasks)
	return nil
}

// prove answers the tasks not being answered already, each GPU's in
// parallel, and submits the answers together, in the background: the
// heartbeats go on meanwhile.
func (w *Worker) prove(ctx context.Context, tasks []api.ProofTask) {
	var fresh []api.ProofTask
	w.mu.Lock()
	for _, t := range tasks {
		if !w.proving[t.ID] {
			w.proving[t.ID] = true
			fresh = append(fresh, t)
		}
	}
	w.mu.Unlock()
	if len(fresh) == 0 {
		return
	}
	w.tasks.Go(func() {
		defer func() {
			w.mu.Lock()
			for _, t := range fresh {
				delete(w.proving, t.ID)
			}
			w.mu.Unlock()
		}()
		if err := w.answer(ctx, fresh); err != nil && ctx.Err() == nil {
			w.log.Warn("proof of compute failed", "device", w.Device(), "err", err)
		}
	})
}

// answer solves tasks in parallel, each within its deadline, and submits
// the answers, retrying until the last deadline passes.
func (w *Worker) answer(ctx context.Context, tasks []api.ProofTask) error {
	last := tasks[0].Deadline
	for _, t := range tasks {
		if t.Deadline.After(last) {
			last = t.Deadline
		}
	}
	ctx, cancel := context.WithTimeout(ctx, last.Sub(w.cfg.Clock.Now()))
	defer cancel()
	answers := make([]gpu.ProofAnswer, len(tasks))
	errs := make([]error, len(tasks))
	var wg sync.WaitGroup
	for i, t := range tasks {
		wg.Go(func() { answers[i], errs[i] = w.solve(ctx, t) })
	}
	wg.Wait()
	var solved []gpu.ProofAnswer
	for i, err := range errs {
		if err != nil {
			w.log.Warn("a proof task was not solved", "task", tasks[i].ID, "err", err)
			continue
		}
		solved = append(solved, answers[i])
	}
	if len(solved) == 0 {
		return fmt.Errorf("no proof task solved: %w", errors.Join(errs...))
	}
	return w.retry(ctx, "submit proofs", func() error {
		res, err := w.cfg.Client.SubmitProofs(ctx, w.Device(), solved)
		if err != nil {
			return err
		}
		for _, r := range res.Results {
			if !r.Accepted {
				w.log.Warn("a proof was refused", "task", r.Task, "reason", r.Reason)
			}
		}
		return nil
	})
}

// solve computes one task's answer by its deadline.
func (w *Worker) solve(ctx context.Context, t api.ProofTask) (gpu.ProofAnswer, error) {
	id, err := gpu.ParseNonce(t.ID)
	if err != nil {
		return gpu.ProofAnswer{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, t.Deadline.Sub(w.cfg.Clock.Now()))
	defer cancel()
	return gpu.Solve(ctx, gpu.ProofTask{ID: id, Device: w.Device(), GPU: t.GPU, Model: t.Model, N: t.N, Steps: t.Steps, Issued: t.Issued, Deadline: t.Deadline})
}
