package gpu

import (
	"time"
)

// TrustScore is how far the network trusts a device, from 0 (not at all)
// to 1000 (fully), computed from the device's recent check history.
type TrustScore uint16

// Outcome is the result of one check of a device: an accepted or rejected
// report, a passed or failed proof of compute.
type Outcome struct {
	At     time.Time `json:"at"`
	Check  Check     `json:"check"` // the failed check; for a pass, the kind of check passed
	Passed bool      `json:"passed"`
}

// TrustHistory keeps a device's last outcomes and scores them. The zero
// value is an empty history. It is not safe for concurrent use; the
// Verifier guards its own.
type TrustHistory struct {
	ring  [trustDepth]Outcome
	next  int
	count int
}

// trustDepth is how many outcomes a history keeps: two days of hourly
// proofs and reports.
const trustDepth = 96

// TrustWindow is how long an outcome counts toward the score.
const TrustWindow = 7 * 24 * time.Hour

// failureWeight is how many passes one failure outweighs: a device that
// lied once has to be right five times to earn back the same trust.
const failureWeight = 5

// Record adds an outcome, forgetting the oldest past trustDepth.
func (h *TrustHistory) Record(o Outcome) {
	h.ring[h.next] = o
	h.next = (h.next + 1) % trustDepth
	h.count = min(h.count+1, trustDepth)
}

// Outcomes returns the kept outcomes, oldest first: Recording them in
// order into an empty history rebuilds this one.
func (h *TrustHistory) Outcomes() []Outcome {
	out := make([]Outcome, 0, h.count)
	start := 0
	if h.count == trustDepth {
		start = h.next
	}
	for i := range h.count {
		out = append(out, h.ring[(start+i)%trustDepth])
	}
	return out
}

// Score is 1000 × (passes + 1) / (passes + 5 × failures + 2) over the
// outcomes of the last TrustWindow before now: 500 with no history, rising
// toward 1000 with every pass and falling fast with every failure.
func (h *TrustHistory) Score(now time.Time) TrustScore {
	return score(h.ring[:h.count], now)
}

// ScoreUntil is Score at now, and the instant from which it may differ
// without a new outcome: the first after now at which a counted outcome
// leaves the window or one dated after now enters it; the zero time when
// no such instant comes. The score holds at every instant from now until
// then, so a copy of it kept with that interval answers for any time in
// it.
func (h *TrustHistory) ScoreUntil(now time.Time) (TrustScore, time.Time) {
	return scoreUntil(h.ring[:h.count], now)
}

// score is Score over outcomes, in any order.
func score(outcomes []Outcome, now time.Time) TrustScore {
	s, _ := scoreUntil(outcomes, now)
	return s
}

// scoreUntil is ScoreUntil over outcomes, in any order.
func scoreUntil(outcomes []Outcome, now time.Time) (TrustScore, time.Time) {
	var pass, fail uint64
	var until time.Time
	changesAt := func(t time.Time) {
		if until.IsZero() || t.Before(until) {
			until = t
		}
	}
	for _, o := range outcomes {
		switch {
		case o.At.After(now):
			changesAt(o.At)
			continue
		case now.Sub(o.At) > TrustWindow:
			continue
		}
		changesAt(o.At.Add(TrustWindow + time.Nanosecond))
		if o.Passed {
			pass++
		} else {
			fail++
		}
	}
	return TrustScore(1000 * (pass + 1) / (pass + failureWeight*fail + 2)), until
}

// LastPassed returns when check last passed, and false when it has not
// passed in the kept history.
func (h *TrustHistory) LastPassed(check Check) (time.Time, bool) {
	var last time.Time
	found := false
	for i := range h.count {
		if o := h.ring[i]; o.Passed && o.Check == check && (!found || o.At.After(last)) {
			last, found = o.At, true
		}
	}
	return last, found
}
