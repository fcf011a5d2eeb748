package iog

import (
	"fmt"
	"time"
)

// ScaledClock is a Clock that runs faster than the real one by a fixed
// factor, from a start time: a demonstration of a network whose epochs
// are hours can show an hour in seconds, with every part (server, workers,
// renters) in one process reading the same clock. Its zero value is not
// usable; create one with NewScaledClock. It is safe for concurrent use.
//
// Timestamps on the wire are in its time, so only parties sharing the
// clock agree on them: a real worker elsewhere would be minutes, then
// hours, off.
type ScaledClock struct {
	start time.Time
	real  time.Time
	speed int64
}

// NewScaledClock returns a clock that reads start now and then advances
// speed seconds for every real second. A speed below 1 is ErrInvalid.
func NewScaledClock(start time.Time, speed int) (*ScaledClock, error) {
	if speed < 1 {
		return nil, fmt.Errorf("scaled clock: speed %d, want 1 or more: %w", speed, ErrInvalid)
	}
	return &ScaledClock{start: start, real: time.Now(), speed: int64(speed)}, nil
}

// Now returns the scaled time.
func (c *ScaledClock) Now() time.Time {
	return c.start.Add(time.Since(c.real) * time.Duration(c.speed))
}

// After returns a channel that receives the scaled time once d of it has
// passed: d divided by the speed, in real time.
func (c *ScaledClock) After(d time.Duration) <-chan time.Time {
	out := make(chan time.Time, 1)
	time.AfterFunc(d/time.Duration(c.speed), func() { out <- c.Now() })
	return out
}

// Speed returns how many of its seconds pass in a real one.
func (c *ScaledClock) Speed() int { return int(c.speed) }
