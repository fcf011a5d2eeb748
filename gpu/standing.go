package gpu

import "time"

// Standing is what a Verifier holding a device says of it now: its trust
// score (Trust) and whether it may share this epoch's block reward
// (Eligible).
type Standing struct {
	Trust    TrustScore
	Eligible bool
}

// StandingOf returns the Standing that v's Trust and Eligible would give
// the device of r were r restored into v, without restoring it: a server
// that keeps each device's record in its database judges a whole fleet
// (an epoch's) from the records, without building a Verifier of every
// device, by the same rule. It does not check r as Restore does; of a
// record Restore refuses, it reads the GPUs, proofs and outcomes as they
// are, an outcome history longer than a Verifier keeps by its latest
// outcomes.
func (v *Verifier) StandingOf(r DeviceRecord) Standing {
	now := v.cfg.Clock.Now()
	trust := score(r.History[max(0, len(r.History)-trustDepth):], now)
	eligible := v.eligible(now, trust, r.GPUs, func(uuid string) (time.Time, bool) {
		for _, k := range r.Known {
			if k.UUID == uuid && !k.Proven.IsZero() {
				return k.Proven, true
			}
		}
		return time.Time{}, false
	})
	return Standing{Trust: trust, Eligible: eligible}
}
