package main

import (
	"context"
	"sync"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk"
)

// resample is how long, on the local clock, a reading of the server's
// clock is trusted. A network on a fast clock (iogd's demonstration runs
// 720 times faster than real time) moves 12 minutes in a second of it,
// well within the skew a server on such a clock allows.
const resample = time.Second

// serverClock is a Clock that tells the server's time: signatures are
// checked against the server's clock, which need not be the local one
// (a fast network clock, or a machine whose clock is off). It reads the
// server's time from its price board, which states when it was built, at
// most once every resample, and counts the local time elapsed since;
// when the server cannot be read it keeps the last offset.
type serverClock struct {
	c     *iogsdk.Client
	local iog.Clock

	mu      sync.Mutex
	offset  time.Duration
	sampled time.Time // local time of the last reading, zero before
}

func newServerClock(c *iogsdk.Client, local iog.Clock) *serverClock {
	return &serverClock{c: c, local: local}
}

// Now returns the server's time, as last read, plus the local time since.
func (s *serverClock) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.local.Now()
	if s.sampled.IsZero() || now.Sub(s.sampled) >= resample {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		board, err := s.c.PriceBoard(ctx)
		cancel()
		after := s.local.Now()
		if err == nil && !board.At.IsZero() {
			// The board was built about halfway through the round trip.
			s.offset = board.At.Sub(now.Add(after.Sub(now) / 2))
			s.sampled = after
		}
		now = after
	}
	return now.Add(s.offset)
}

// After waits on the local clock.
func (s *serverClock) After(d time.Duration) <-chan time.Time { return s.local.After(d) }
