package gpu

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
)

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
	since, ok := r.ProvenSince()
	return Standing{Trust: trust, Eligible: v.eligible(now, trust, since, ok)}
}

// StandingAt returns the Standing StandingOf gives now a record whose
// trust score now is trust (DeviceRecord.Trust) and whose
// DeviceRecord.ProvenSince is since, ok: for a server that keeps copies
// of both beside each record, and judges a fleet from the copies.
func (v *Verifier) StandingAt(trust TrustScore, since time.Time, ok bool) Standing {
	return Standing{Trust: trust, Eligible: v.eligible(v.cfg.Clock.Now(), trust, since, ok)}
}

// ProvenSince returns the oldest of the last passed proofs of the GPUs of
// r's last accepted report, and false when it lists none or one of them
// never passed: the device is eligible while that is within the proof
// interval (Verifier.Eligible). It changes only with the record, so a
// copy kept beside the record never goes stale.
func (r DeviceRecord) ProvenSince() (time.Time, bool) {
	return provenSince(r.GPUs, func(uuid string) (time.Time, bool) {
		for _, k := range r.Known {
			if k.UUID == uuid && !k.Proven.IsZero() {
				return k.Proven, true
			}
		}
		return time.Time{}, false
	})
}

// standingJSON is the part of a DeviceRecord's JSON that StandingOf reads.
type standingJSON struct {
	Device iog.DeviceID `json:"device"`
	GPUs   []struct {
		GPU struct{ UUID string }
	} `json:"gpus"`
	Known   []KnownGPU `json:"known"`
	History []Outcome  `json:"history"`
}

// StandingRecord decodes, from a DeviceRecord as encoding/json encodes
// it, the part StandingOf reads: the device, the GPUs of its last
// accepted report by UUID alone, its known GPUs and its trust history.
// It skips the rest (telemetry, open tasks, used nonces), which is most
// of a record, rather than decode it: for a server that judges a whole
// fleet from its stored records. Malformed JSON is iog.ErrInvalid.
func StandingRecord(data []byte) (DeviceRecord, error) {
	var s standingJSON
	if err := json.Unmarshal(data, &s); err != nil {
		return DeviceRecord{}, fmt.Errorf("decode a device record: %v: %w", err, iog.ErrInvalid)
	}
	r := DeviceRecord{Device: s.Device, Known: s.Known, History: s.History}
	if len(s.GPUs) > 0 {
		r.GPUs = make([]GPUReading, len(s.GPUs))
		for i, g := range s.GPUs {
			r.GPUs[i].GPU.UUID = g.GPU.UUID
		}
	}
	return r, nil
}
