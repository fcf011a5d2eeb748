package refserver

import (
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
)

// healthWindows are the windows a device's uptime is answered for.
var healthWindows = []time.Duration{24 * time.Hour, 7 * 24 * time.Hour}

// getHealth answers one of the caller's devices' health. Another
// wallet's device, like an unknown one, is iog.ErrNotFound: its health is
// its owner's alone, and the answer does not say it exists.
func (s *Server) getHealth(c *call) (any, error) {
	id, err := iog.ParseDeviceID(c.param("id"))
	if err != nil {
		return nil, err
	}
	out := api.DeviceHealth{Device: id, Uptime: []api.UptimeWindow{}}
	err = c.read(func(tx *store.Tx) error {
		d, err := tx.DeviceView(id, c.now)
		if err == nil && d.Owner != c.who.wallet {
			err = fmt.Errorf("device %s is not one of the wallet's: %w", id, iog.ErrNotFound)
		}
		if err != nil {
			return err
		}
		out.Up, out.Trust, out.BlockedReason = d.Up, uint16(d.Trust), d.BlockedReason
		out.LastSeen, out.BlockedAt = timePtr(d.LastSeen), timePtr(d.BlockedAt)
		for _, w := range healthWindows {
			up, err := tx.UpTime(id, c.now.Add(-w), c.now)
			if err != nil {
				return err
			}
			f, err := iog.NewRate(uint64(min(up, w)), uint64(w))
			if err != nil {
				return err
			}
			out.Uptime = append(out.Uptime, api.UptimeWindow{Hours: int(w / time.Hour), Up: up, Fraction: f})
		}
		records, err := tx.StandingRecords([]iog.DeviceID{id})
		if err != nil {
			return err
		}
		out.Proofs = proofCounts(records[id].History)
		return nil
	})
	return out, err
}

// proofCounts counts the proofs of compute among a device's outcomes.
func proofCounts(history []gpu.Outcome) api.ProofCounts {
	var out api.ProofCounts
	for _, o := range history {
		if o.Check != gpu.CheckProof {
			continue
		}
		at := o.At.UTC()
		if o.Passed {
			out.Passed++
			if out.LastPassed == nil || at.After(*out.LastPassed) {
				out.LastPassed = &at
			}
		} else {
			out.Failed++
			if out.LastFailed == nil || at.After(*out.LastFailed) {
				out.LastFailed = &at
			}
		}
	}
	return out
}
