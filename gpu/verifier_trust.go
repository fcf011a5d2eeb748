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
	since, ok := provenSince(d.gpus, func(uuid string) (time.Time, bool) {
		at, ok := d.proven[uuid]
		return at, ok
	})
	return v.eligible(now, d.history.Score(now), since, ok)
}

// eligible is Eligible's rule, for a device of trust score whose GPUs of
// its last accepted report all passed a proof since since (ok false: it
// lists none, or one never passed).
func (v *Verifier) eligible(now time.Time, score TrustScore, since time.Time, ok bool) bool {
	return ok && score >= v.cfg.MinTrust && now.Sub(since) <= v.cfg.ProofInterval+v.cfg.ProofInterval/4
}

// provenSince returns the oldest of the last passed proofs of gpus, the
// GPU of each UUID having last passed at proven's time (false: never),
// and false when gpus is empty or one never passed.
func provenSince(gpus []GPUReading, proven func(uuid string) (time.Time, bool)) (time.Time, bool) {
	var since time.Time
	for i, g := range gpus {
		at, ok := proven(g.GPU.UUID)
		if !ok {
			return time.Time{}, false
		}
		if i == 0 || at.Before(since) {
			since = at
		}
	}
	return since, len(gpus) > 0
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
