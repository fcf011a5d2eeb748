package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/refserver"
)

// clockFile keeps a fast clock's time in the data directory, so that a
// network started again goes on from where it stopped instead of from the
// real time, which its fast clock left far behind.
const clockFile = "clock"

// resumeClock returns a clock speed times faster than real time, starting
// from the later of now and the time kept in dir.
func resumeClock(dir string, speed int, now time.Time) (*iog.ScaledClock, error) {
	start := now
	data, err := os.ReadFile(filepath.Join(dir, clockFile))
	switch {
	case err == nil:
		kept, perr := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(data)))
		if perr != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, clockFile), perr)
		}
		if kept.After(start) {
			start = kept
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	return iog.NewScaledClock(start, speed)
}

// keepClock writes the clock's time into dir every few seconds and once
// more when ctx ends.
func keepClock(ctx context.Context, dir string, clock iog.Clock) error {
	write := func() error {
		path := filepath.Join(dir, clockFile)
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(clock.Now().UTC().Format(time.RFC3339Nano)+"\n"), 0o600); err != nil {
			return err
		}
		return os.Rename(tmp, path)
	}
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return write()
		case <-t.C:
			if err := write(); err != nil {
				return err
			}
		}
	}
}

// fastClockBudgets sets cfg's time bounds for a clock speed times faster
// than real time, given stall, the real time the network allows for what
// takes real time whatever its clock: a request's round trip, a heartbeat
// that a loaded machine delays, a proof solved on the CPU. The defaults
// are network time, and at 720× a minute of it is a twelfth of a real
// second: a proof that a busy machine (or the race detector) solves in
// five real seconds would miss a 30-minute deadline, and its GPU would
// fail every epoch. Each bound is raised to stall of real time (never
// lowered), and the proof interval to four times the slack, so that a
// device stays eligible while its next proof is answered
// (refserver.Config.ProofSlack). A web session and its sign-in challenge
// last as long in real time as they do by default.
func fastClockBudgets(cfg *refserver.Config, speed int, stall time.Duration) {
	budget := stall * time.Duration(speed)
	cfg.HeartbeatTimeout = max(cfg.HeartbeatTimeout, budget)
	cfg.ProofSlack = max(cfg.ProofSlack, budget)
	cfg.ProofInterval = max(cfg.ProofInterval, time.Hour, 4*cfg.ProofSlack+time.Minute)
	cfg.ReportNonceTTL = max(cfg.ReportNonceTTL, budget)
	cfg.MaxClockSkew = max(cfg.MaxClockSkew, budget)
	// A person signs in, at a person's pace: the sign-in challenge and
	// the session keep their default lengths in real time.
	cfg.SessionChallengeTTL = max(cfg.SessionChallengeTTL, 5*time.Minute*time.Duration(speed))
	cfg.SessionTTL = max(cfg.SessionTTL, 30*time.Minute*time.Duration(speed))
}
