package gpu

import (
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
)

// Trust returns device's trust score now. An unknown device is
// ErrNotFound.
func (v *Verifier) Trust(device iog.DeviceID) (TrustScore, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	d, ok := v.devices[device]
	if !ok {
		return 0, fmt.Errorf("trust of device %s: %w", device, iog.ErrNotFound)
	}
	return d.history.Score(v.cfg.Clock.Now()), nil
}

// Eligible reports whether device may share this epoch's block reward: its
// trust is at least MinTrust, its last accepted report lists a GPU, and
// every GPU it lists passed a proof of compute within the last
// ProofInterval (plus a quarter of it, for the task's own run time), so
// that no GPU earns on another's proof.
func (v *Verifier) Eligible(device iog.DeviceID) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	d, ok := v.devices[device]
	if !ok {
		return false
	}
	now := v.cfg.Clock.Now()
	return v.eligible(now, d.history.Score(now), d.gpus, func(uuid string) (time.Time, bool) {
		at, ok := d.proven[uuid]
		return at, ok
	})
}

// eligible is Eligible's rule, for a device of trust score whose last
// accepted report listed gpus, and whose GPU of each UUID last passed a
// proof at proven's time (false: never).
func (v *Verifier) eligible(now time.Time, score TrustScore, gpus []GPUReading, proven func(uuid string) (time.Time, bool)) bool {
	if len(gpus) == 0 || score < v.cfg.MinTrust {
		return false
	}
	for _, g := range gpus {
		at, ok := proven(g.GPU.UUID)
		if !ok || now.Sub(at) > v.cfg.ProofInterval+v.cfg.ProofInterval/4 {
			return false
		}
	}
	return true
}

// creditInterval is how often an accepted report, and each GPU's passed
// proof, counts toward trust; failures always count. A report costs its
// device only a signature, and a proof of the package's smallest size its
// GPU milliseconds: were each one a pass, a burst of them would push the
// device's failures out of its TrustHistory. An honest device reports
// every few minutes and proves each GPU once a ProofInterval, and loses
// no credit; a worker that retries a failed round of proofs sooner has
// its retries count a quarter hour apart.
const creditInterval = 15 * time.Minute

// credit records a pass of check in h if the last pass of its kind that
// counted, at last, is at least every before now, and returns when the
// last one that counted is then.
func credit(h *TrustHistory, last, now time.Time, every time.Duration, check Check) time.Time {
	if !last.IsZero() && now.Sub(last) < every {
		return last
	}
	h.Record(Outcome{At: now, Check: check, Passed: true})
	return now
}
