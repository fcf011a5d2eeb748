package demo

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// rigs are the simulated suppliers' machines, in turn: a data center's
// H100s, a lab's A100s, a cloud's L40S, gamers' RTX cards.
var rigs = []struct {
	model    string
	gpus     int
	location string
}{
	{"H100-SXM", 8, "US/Virginia"},
	{"A100-80GB", 4, "DE/Hesse"},
	{"L40S", 2, "SG"},
	{"RTX-4090", 1, "BR/Sao Paulo"},
	{"H200", 8, "US/Oregon"},
	{"RTX-3090", 1, "IN/Karnataka"},
}

// supplier runs one simulated supplier: a Worker for its rig, the stake
// its hardware requires once the device is attested, and a claim of its
// block rewards every few epochs.
func (d *demo) supplier(ctx context.Context, i int) {
	rig := rigs[i%len(rigs)]
	k := key("supplier", i)
	c, err := d.client(k)
	if err == nil {
		err = fund(ctx, c)
	}
	if err != nil {
		d.say("supplier %d: %v", i+1, err)
		return
	}
	probe, err := gpu.NewSimulatedProbe(rig.model, rig.gpus, uint64(i)+1)
	if err != nil {
		d.say("supplier %d: %v", i+1, err)
		return
	}
	w, err := iogsdk.NewWorker(iogsdk.WorkerConfig{
		Client: c, Key: k, Probe: probe, Name: fmt.Sprintf("%s rig %d", rig.model, i+1), Location: rig.location,
		Bandwidth: api.Bandwidth{DownBytesPerSec: 500 << 20, UpBytesPerSec: 300 << 20},
		// The simulated rigs share this machine: its CPU is not theirs,
		// which are idle.
		CPUUse:    func() (uint32, error) { return 0, nil },
		StateFile: filepath.Join(d.cfg.DataDir, "workers", fmt.Sprintf("supplier-%d.json", i+1)),
		// On the demonstration's fast clock, a heartbeat every few
		// minutes of its time is a few a real second across the rigs.
		HeartbeatInterval: 2 * time.Minute, RentalPoll: 2 * time.Minute,
		Clock: d.cfg.Clock, Logger: d.cfg.Logger,
	})
	if err != nil {
		d.say("supplier %d: %v", i+1, err)
		return
	}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	if dev, ok := d.attested(ctx, c, w); ok {
		d.say("supplier %d: device %s (%d× %s, %s) attested, trust %d", i+1, dev.ID, dev.GPUCount, rig.model, rig.location, dev.Trust)
		d.stake(ctx, c, i, dev.ID)
		d.claim(ctx, c, i)
	}
	if err := <-done; err != nil && ctx.Err() == nil {
		d.say("supplier %d: its worker stopped: %v", i+1, err)
	}
}

// attested waits until the worker's device is registered and active.
func (d *demo) attested(ctx context.Context, c *iogsdk.Client, w *iogsdk.Worker) (api.Device, bool) {
	for d.pause(ctx, time.Minute) {
		id := w.Device()
		if id == "" {
			continue
		}
		dev, err := c.Device(ctx, id)
		if err == nil && dev.State == api.DeviceActive {
			return dev, true
		}
	}
	return api.Device{}, false
}

// stake stakes what the device's hardware requires, beyond what is staked.
func (d *demo) stake(ctx context.Context, c *iogsdk.Client, i int, id iog.DeviceID) {
	st, err := c.DeviceStake(ctx, id)
	if err != nil {
		d.say("supplier %d: stake of %s: %v", i+1, id, err)
		return
	}
	need, err := st.Required.Sub(st.Active)
	if err != nil || need.Sign() <= 0 {
		return
	}
	if _, err := c.Stake(ctx, id, need); err != nil {
		d.say("supplier %d: staking %v on %s: %v", i+1, need, id, err)
		return
	}
	d.say("supplier %d: staked %v on %s, what its hardware requires", i+1, need, id)
}

// claimEvery is how often, in the network's time, a simulated supplier
// claims its block rewards: every few epochs, as a person would.
const claimEvery = 3 * time.Hour

// claim claims the supplier's block rewards every claimEvery until ctx
// ends; nothing to claim yet is no news.
func (d *demo) claim(ctx context.Context, c *iogsdk.Client, i int) {
	for d.pause(ctx, claimEvery) {
		r, err := c.ClaimRewards(ctx)
		switch {
		case errors.Is(err, iog.ErrNotFound):
		case err != nil:
			if ctx.Err() == nil {
				d.say("supplier %d: claiming its rewards: %v", i+1, err)
			}
		default:
			epochs := fmt.Sprintf("epochs %d to %d", r.FirstEpoch, r.LastEpoch)
			if r.FirstEpoch == r.LastEpoch {
				epochs = fmt.Sprintf("epoch %d", r.FirstEpoch)
			}
			d.say("supplier %d: claimed %v of block rewards, earned in %s", i+1, r.Amount, epochs)
		}
	}
}
