package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// prove sends device d one heartbeat, as its worker does, and answers the
// proof tasks the server returns, on the CPU (a small task order keeps
// that cheap: -proof-n). It returns how many tasks it answered; an answer
// the server refuses is an error.
func prove(ctx context.Context, c *iogsdk.Client, d iog.DeviceID) (int, error) {
	resp, err := c.Heartbeat(ctx, d, api.Heartbeat{})
	if err != nil || len(resp.Tasks) == 0 {
		return 0, err
	}
	answers := make([]gpu.ProofAnswer, 0, len(resp.Tasks))
	for _, t := range resp.Tasks {
		id, err := gpu.ParseNonce(t.ID)
		if err != nil {
			return 0, fmt.Errorf("proof task of device %s: %w", d, err)
		}
		a, err := gpu.Solve(ctx, gpu.ProofTask{ID: id, Device: d, GPU: t.GPU, Model: t.Model, N: t.N, Steps: t.Steps, Issued: t.Issued, Deadline: t.Deadline})
		if err != nil {
			return 0, fmt.Errorf("solve proof task of device %s: %w", d, err)
		}
		answers = append(answers, a)
	}
	res, err := c.SubmitProofs(ctx, d, answers)
	if err != nil {
		return 0, err
	}
	for _, r := range res.Results {
		if !r.Accepted {
			return 0, fmt.Errorf("device %s: proof %s refused: %s", d, r.Task, r.Reason)
		}
	}
	return len(answers), nil
}

// proveFleet has every device of the fleet heartbeat once and answer the
// proof tasks it owes, concurrency devices at once: a fleet registered
// by an older iogload, or proven longer than the proof interval ago,
// owes them, and a device that owes a proof takes the heartbeat's slow
// path (its whole verifier record read) until it answers. It returns
// how many tasks the fleet answered and how long the pass took.
func (p *populator) proveFleet(ctx context.Context, concurrency int) (int, time.Duration, error) {
	start := time.Now()
	var answered atomic.Int64
	err := parallel(ctx, len(p.fleet), concurrency, func(ctx context.Context, i int) error {
		d := p.fleet[i]
		c, err := p.client(d.Wallet)
		if err != nil {
			return err
		}
		n, err := prove(ctx, c, d.ID)
		answered.Add(int64(n))
		return err
	})
	return int(answered.Load()), time.Since(start), err
}
