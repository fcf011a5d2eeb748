package iog

import (
	"math/bits"
	"time"
)

// Health is what the network has seen of one device's availability: its
// heartbeats, the up time they add up to, and the checks it passed and
// failed. The server keeps one per device, and it is the one source of
// uptime for both scheduling (Reliability) and rewards (Uptime).
//
// Health is a plain value: its methods fold one event, at a time the
// caller gives, into a new Health, and read no clock, so the same events
// always give the same record. An event dated before the last one folded
// (Updated) is ErrInvalid and changes nothing. The zero value is a record
// of nothing; start one with NewHealth.
//
// A device is up from a heartbeat until it is marked missed (Miss). Up
// time is counted from one heartbeat to the next, so the time between the
// last heartbeat and a Miss is not up time; but a heartbeat counts all the
// time since the previous one, so the server marks a device missed once
// Overdue says so, in its timeout loop and, after a silence of its own,
// before folding the next heartbeat.
type Health struct {
	// Tracked is when the record was started.
	Tracked time.Time `json:"tracked"`
	// Updated is the time of the last event folded in.
	Updated time.Time `json:"updated"`
	// Up reports that the device has sent a heartbeat and has not been
	// marked missed since.
	Up bool `json:"up"`
	// UpSince is when the device came up: the first heartbeat of its
	// current unbroken stretch. It is zero while the device is down.
	UpSince time.Time `json:"up_since,omitzero"`
	// LastSeen is the time of the last heartbeat.
	LastSeen time.Time `json:"last_seen,omitzero"`
	// UpTotal is the up time counted since Tracked.
	UpTotal time.Duration `json:"up_total"`
	// WindowStart is when the current window (a reward epoch) began, and
	// UpInWindow the up time counted in it.
	WindowStart time.Time     `json:"window_start"`
	UpInWindow  time.Duration `json:"up_in_window"`
	// ChecksPassed and ChecksFailed count the health and proof-of-compute
	// checks since Tracked. CheckDebt is the failures not yet made up for:
	// a failure adds one, a pass pays one off, so an old failure stops
	// weighing once the device has proved itself again.
	ChecksPassed uint64 `json:"checks_passed"`
	ChecksFailed uint64 `json:"checks_failed"`
	CheckDebt    uint64 `json:"check_debt"`
}

// Uptime is a device's uptime as rewards read it, from Health.Uptime.
type Uptime struct {
	// Continuous is how long the device has been up without a break.
	Continuous time.Duration `json:"continuous"`
	// Fraction is the part of the window the device was up, from 0 to 1.
	Fraction Rate `json:"fraction"`
}

// NewHealth returns the record of a device first seen at, down until its
// first heartbeat, with its first window starting at at.
func NewHealth(at time.Time) Health {
	return Health{Tracked: at, Updated: at, WindowStart: at}
}

// order refuses an event dated before the last one folded in.
func (h Health) order(what string, at time.Time) error {
	if at.Before(h.Updated) {
		return invalidf("health: %s at %v, before the last event at %v", what, at.UTC().Format(time.RFC3339Nano), h.Updated.UTC().Format(time.RFC3339Nano))
	}
	return nil
}

// Heartbeat folds a heartbeat received at at. A device that was up has
// been up since its last heartbeat; a device that was down comes up.
func (h Health) Heartbeat(at time.Time) (Health, error) {
	if err := h.order("heartbeat", at); err != nil {
		return h, err
	}
	if h.Up {
		h.UpTotal += at.Sub(h.LastSeen)
		h.UpInWindow += at.Sub(h.counted())
	} else {
		h.Up, h.UpSince = true, at
	}
	h.LastSeen, h.Updated = at, at
	return h, nil
}

// counted is how far the current window's up time is counted: the last
// heartbeat, or the window's start when that is later.
func (h Health) counted() time.Time {
	if h.LastSeen.After(h.WindowStart) {
		return h.LastSeen
	}
	return h.WindowStart
}

// Overdue reports whether a device that is up has sent no heartbeat for
// longer than timeout before at: it is to be marked missed.
func (h Health) Overdue(at time.Time, timeout time.Duration) bool {
	return h.Up && at.Sub(h.LastSeen) > timeout
}

// Miss marks the device down at at, when its heartbeats stopped: nothing
// since its last heartbeat is up time, and its next heartbeat starts a new
// stretch. A device already down stays down.
func (h Health) Miss(at time.Time) (Health, error) {
	if err := h.order("missed heartbeat", at); err != nil {
		return h, err
	}
	h.Up, h.UpSince, h.Updated = false, time.Time{}, at
	return h, nil
}

// Check folds the outcome of a health or proof-of-compute check made at
// at.
func (h Health) Check(at time.Time, passed bool) (Health, error) {
	if err := h.order("check", at); err != nil {
		return h, err
	}
	if passed {
		h.ChecksPassed++
		h.CheckDebt -= min(h.CheckDebt, 1)
	} else {
		h.ChecksFailed++
		h.CheckDebt++
	}
	h.Updated = at
	return h, nil
}

// StartWindow begins a new window at at, the start of a reward epoch.
// Read the closing window's Uptime at at first.
func (h Health) StartWindow(at time.Time) (Health, error) {
	if err := h.order("new window", at); err != nil {
		return h, err
	}
	h.WindowStart, h.UpInWindow, h.Updated = at, 0, at
	return h, nil
}

// Uptime returns the device's uptime at at, the end of the current
// window, for rewards. A device still up is counted up from its last
// heartbeat to at: it has not been marked missed, so it is up as far as
// the network knows. An at before Updated is read as Updated.
func (h Health) Uptime(at time.Time) Uptime {
	at = h.notBefore(at)
	up := h.UpInWindow
	var continuous time.Duration
	if h.Up {
		up += at.Sub(h.counted())
		continuous = at.Sub(h.UpSince)
	}
	return Uptime{Continuous: continuous, Fraction: fraction(up, at.Sub(h.WindowStart))}
}

func (h Health) notBefore(at time.Time) time.Time {
	if at.Before(h.Updated) {
		return h.Updated
	}
	return at
}

// fraction returns part/whole as a rate from 0 to 1, and 0 for an empty
// whole.
func fraction(part, whole time.Duration) Rate {
	if whole <= 0 {
		return reduced(0, 1)
	}
	return reduced(uint64(min(max(part, 0), whole)), uint64(whole))
}

// reliabilityScale: Reliability is computed to a millionth.
const reliabilityScale = 1_000_000

// checkGrace is how many unpaid failures halve Reliability: each one
// multiplies it by checkGrace / (checkGrace + debt), so the first costs a
// fifth and a long run of them sinks it.
const checkGrace = 4

// Reliability is how far the scheduler can count on the device, from 0 to
// 1 to a millionth, at at:
//
//	up share × checkGrace / (checkGrace + CheckDebt), halved while down
//
// where the up share is the part of the time since Tracked that was up
// (1 before any time has passed), a device still up counted up to at. It
// is a fold of what Health saw; users' ratings of a device are the
// scheduler's to add. An at before Updated is read as Updated.
func (h Health) Reliability(at time.Time) Rate {
	at = h.notBefore(at)
	up := h.UpTotal
	if h.Up {
		up += at.Sub(h.LastSeen)
	}
	share := uint64(reliabilityScale)
	if total := at.Sub(h.Tracked); total > 0 {
		hi, lo := bits.Mul64(uint64(min(max(up, 0), total)), reliabilityScale)
		share, _ = bits.Div64(hi, lo, uint64(total))
	}
	debt := min(h.CheckDebt, 1<<32) // far past where the score is 0 to a millionth
	den := (checkGrace + debt) * reliabilityScale
	if !h.Up {
		den *= 2
	}
	return reduced(share*checkGrace, den)
}

// Validate reports a record that no sequence of events could have made,
// as a server restoring it from storage must check: times out of order,
// more up time than time, more unpaid failures than failures. It is
// ErrInvalid.
func (h Health) Validate() error {
	switch {
	case h.Tracked.IsZero() || h.Updated.Before(h.Tracked) || h.WindowStart.Before(h.Tracked) || h.Updated.Before(h.WindowStart):
		return invalidf("health: tracked %v, window from %v, updated %v: out of order", h.Tracked, h.WindowStart, h.Updated)
	case h.Up && (h.UpSince.Before(h.Tracked) || h.LastSeen.Before(h.UpSince) || h.Updated.Before(h.LastSeen)):
		return invalidf("health: up since %v, last seen %v: out of order", h.UpSince, h.LastSeen)
	case !h.Up && !h.UpSince.IsZero():
		return invalidf("health: down but up since %v", h.UpSince)
	case !h.LastSeen.IsZero() && (h.LastSeen.Before(h.Tracked) || h.Updated.Before(h.LastSeen)):
		return invalidf("health: last seen %v outside %v to %v", h.LastSeen, h.Tracked, h.Updated)
	case h.UpTotal < 0 || h.UpTotal > h.Updated.Sub(h.Tracked):
		return invalidf("health: up %v in the %v tracked", h.UpTotal, h.Updated.Sub(h.Tracked))
	case h.UpInWindow < 0 || h.UpInWindow > h.Updated.Sub(h.WindowStart) || h.UpInWindow > h.UpTotal:
		return invalidf("health: up %v in a window of %v", h.UpInWindow, h.Updated.Sub(h.WindowStart))
	case h.CheckDebt > h.ChecksFailed:
		return invalidf("health: %d failures unpaid of %d", h.CheckDebt, h.ChecksFailed)
	}
	return nil
}
