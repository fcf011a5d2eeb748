package api

import (
	"time"

	"github.com/internetofgpus/iog"
)

// DeviceHealth is what a device's owner sees of its health: how long it
// was up of the last day and week, its proofs of compute, its
// attestation trust, and why it is blocked, if it is.
type DeviceHealth struct {
	Device   iog.DeviceID `json:"device"`
	Up       bool         `json:"up"`
	LastSeen *time.Time   `json:"last_seen,omitempty"`
	// Uptime is its up time in the last 24 hours and the last 7 days.
	Uptime []UptimeWindow `json:"uptime"`
	Proofs ProofCounts    `json:"proofs"`
	// Trust is its attestation trust score, 0 to 1000.
	Trust         uint16     `json:"trust"`
	BlockedReason string     `json:"blocked_reason,omitempty"`
	BlockedAt     *time.Time `json:"blocked_at,omitempty"`
}

// UptimeWindow is how long a device was up in the window of Hours up to
// now, exact to the server's record of its up stretches: each from the
// first heartbeat of a stretch to its last, a stretch still up counted
// to now, as its health counts up time. Up is in nanoseconds, Fraction
// the part of the window it is.
type UptimeWindow struct {
	Hours    int           `json:"hours"`
	Up       time.Duration `json:"up_ns"`
	Fraction iog.Rate      `json:"fraction"`
}

// ProofCounts counts a device's proofs of compute passed and failed
// among the outcomes its verifier record keeps (its last 96: two days of
// hourly proofs and reports), with the time of the last of each.
type ProofCounts struct {
	Passed     int        `json:"passed"`
	Failed     int        `json:"failed"`
	LastPassed *time.Time `json:"last_passed,omitempty"`
	LastFailed *time.Time `json:"last_failed,omitempty"`
}
