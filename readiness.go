package iog

import (
	"fmt"
	"time"
)

// ReadinessState is where a device stands for the network's work, as its
// supplier reads it: waiting for its tests, ready for a cluster, running
// one, blocked by a rule, or down. It is a different thing from a
// device's place in its registration lifecycle: an attested device may be
// any of them.
type ReadinessState uint8

// The readiness states. When several hold, the first of Blocked, Down,
// Hired, Pending, Ready is the device's (EvaluateReadiness).
const (
	// ReadinessPending is a new device whose hardware test or proof of
	// work has not passed yet.
	ReadinessPending ReadinessState = iota
	// ReadinessReady has passed them, is up and runs no cluster.
	ReadinessReady
	// ReadinessHired runs a cluster.
	ReadinessHired
	// ReadinessBlocked is kept out by a rule (the idle use caps, a changed
	// hardware) or was removed by its owner.
	ReadinessBlocked
	// ReadinessDown has stopped sending heartbeats.
	ReadinessDown
)

var readinessStateNames = [...]string{"pending", "ready", "hired", "blocked", "down"}

// Valid reports whether s is one of the declared states.
func (s ReadinessState) Valid() bool { return int(s) < len(readinessStateNames) }

// String returns the state's name, such as "pending".
func (s ReadinessState) String() string {
	if !s.Valid() {
		return fmt.Sprintf("ReadinessState(%d)", uint8(s))
	}
	return readinessStateNames[s]
}

// ParseReadinessState parses a state's name as String writes it.
func ParseReadinessState(s string) (ReadinessState, error) {
	return parseEnum[ReadinessState]("readiness state", s, readinessStateNames[:])
}

// MarshalText implements encoding.TextMarshaler with the state's name.
func (s ReadinessState) MarshalText() ([]byte, error) {
	return marshalEnum("readiness state", s, readinessStateNames[:])
}

// UnmarshalText implements encoding.TextUnmarshaler with
// ParseReadinessState. On error s is left unchanged.
func (s *ReadinessState) UnmarshalText(text []byte) error {
	return unmarshalWith(s, text, ParseReadinessState)
}

// DefaultPendingLimit is how long a new device may stay Pending while its
// test clusters and proof of work run: 12 hours, from io.net's
// documentation. A device still pending past it has a problem its
// supplier must look at, and its reason says so.
const DefaultPendingLimit = 12 * time.Hour

// ReadinessRules are the figures EvaluateReadiness judges by. A zero
// field takes its default.
type ReadinessRules struct {
	// PendingLimit is how long a new device may stay Pending before its
	// reason calls the wait overdue; DefaultPendingLimit when zero or
	// less.
	PendingLimit time.Duration
}

// DefaultReadinessRules returns the rules with the published figures.
func DefaultReadinessRules() ReadinessRules {
	return ReadinessRules{PendingLimit: DefaultPendingLimit}
}

// withDefaults fills the zero fields with their defaults.
func (r ReadinessRules) withDefaults() ReadinessRules {
	if r.PendingLimit <= 0 {
		r.PendingLimit = DefaultPendingLimit
	}
	return r
}

// ReadinessInput is what readiness is judged from: the facts a server
// holds of a device.
type ReadinessInput struct {
	// Registered is when the device was registered; its Pending time
	// counts from it.
	Registered time.Time
	// Attested says its hardware report was accepted: the network's test
	// of what hardware it is.
	Attested bool
	// Proven says every GPU of that report has passed a proof of work; a
	// report without GPUs has none to prove.
	Proven bool
	// Up says its heartbeat is live. LastSeen is its last heartbeat's
	// time, zero if none came: a device never heard from has not gone
	// down, it has not started.
	Up       bool
	LastSeen time.Time
	// Hired says a cluster runs on it.
	Hired bool
	// Blocked, when not empty, is the rule that blocks it, in the words
	// its reason gives (the rule and its numbers).
	Blocked string
	// Removed says its owner removed it.
	Removed bool
	// GPUs is how many GPUs its accepted report lists: clusters are
	// placed on GPUs, so a device with none is never scheduled.
	GPUs int
}

// Readiness is a device's readiness state and what stops it.
type Readiness struct {
	State ReadinessState
	// Schedulable says a cluster may be placed on it now.
	Schedulable bool
	// Reasons are, for a device not schedulable, each rule that stops it,
	// with its numbers and what its supplier can do, the state's own
	// first; none for a schedulable device.
	Reasons []string
}

// EvaluateReadiness judges a device's readiness at now by rules. A
// blocked device (Blocked, or Removed: "removed by its owner") is blocked
// whatever else holds, and its reasons are the blocks alone: nothing else
// matters until they lift. A device whose heartbeat stopped is down, and
// its reasons add the tests it still has to pass. A device whose hardware
// report was not accepted is pending; so is one whose GPUs have not all
// passed a proof of work, unless it runs a cluster, which is hired: a
// hired device skips the proof of work (io.net's documentation). Pending
// is overdue from rules.PendingLimit after registration. Any other device
// is ready, and schedulable when it has a GPU.
func EvaluateReadiness(in ReadinessInput, now time.Time, rules ReadinessRules) Readiness {
	rules = rules.withDefaults()
	if in.Removed || in.Blocked != "" {
		var reasons []string
		if in.Removed {
			reasons = append(reasons, "removed by its owner; its GPUs may register again as a new device")
		}
		if in.Blocked != "" {
			reasons = append(reasons, "blocked: "+in.Blocked)
		}
		return Readiness{State: ReadinessBlocked, Reasons: reasons}
	}
	pending := !in.Attested || (in.GPUs > 0 && !in.Proven && !in.Hired)
	var tests []string
	if pending {
		tests = append(tests, pendingReason(in, now, rules))
	}
	switch {
	case !in.Up && (!in.LastSeen.IsZero() || !pending):
		return Readiness{State: ReadinessDown, Reasons: append([]string{downReason(in, now)}, tests...)}
	case pending:
		if !in.Up {
			tests = append(tests, "no heartbeat yet: start the worker agent, whose heartbeats bring the proof of work")
		}
		return Readiness{State: ReadinessPending, Reasons: tests}
	case in.Hired:
		return Readiness{State: ReadinessHired, Reasons: []string{"hired: a cluster runs on it, and it takes no other until that one ends"}}
	case in.GPUs < 1:
		return Readiness{State: ReadinessReady, Reasons: []string{"no GPU in its accepted hardware report: clusters are placed on GPUs"}}
	}
	return Readiness{State: ReadinessReady, Schedulable: true}
}

// pendingReason says which test a pending device waits for, for how long
// of the limit, and what to check once the wait is overdue.
func pendingReason(in ReadinessInput, now time.Time, rules ReadinessRules) string {
	waited := now.Sub(in.Registered)
	limit := FormatDuration(rules.PendingLimit)
	test, within, overdue := "the proof of work has not passed", "yet; keep the worker agent running to answer its proof tasks",
		"check that the worker agent runs and answers its proof tasks"
	if !in.Attested {
		test, within, overdue = "its hardware report has not been accepted", "yet; the worker agent sends it when it starts",
			"check the worker agent's log for a refused report"
	}
	if waited >= rules.PendingLimit {
		return fmt.Sprintf("pending %s: %s within %s; %s", FormatDuration(waited), test, limit, overdue)
	}
	return fmt.Sprintf("pending %s of up to %s: %s %s", FormatDuration(waited), limit, test, within)
}

// downReason says how long a down device has been silent.
func downReason(in ReadinessInput, now time.Time) string {
	if in.LastSeen.IsZero() {
		return fmt.Sprintf("down: no heartbeat in the %s since it registered; start the worker agent", FormatDuration(now.Sub(in.Registered)))
	}
	return fmt.Sprintf("down: no heartbeat for %s; check that the worker agent runs and reaches the server", FormatDuration(now.Sub(in.LastSeen)))
}
