package iog

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// Clock is the source of time for everything in the module that depends on
// it: epochs, cooldowns, appeals, rentals, nonces, scheduling ages. Domain
// code never reads the wall clock itself, so a simulation can run twenty
// years of epochs in seconds and a test can step through a 14-day cooldown
// exactly.
//
// Implementations must be safe for concurrent use.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// After returns a channel that receives the time once d has passed. A
	// d of zero or less fires at once.
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the Clock of the real world, backed by package time.
var SystemClock Clock = systemClock{}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Sleep waits for d on c, and returns ctx's error if ctx ends first.
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	select {
	case <-c.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ManualClock is a Clock that moves only when told to, for tests and
// simulations. Its zero value is not usable; create one with NewManualClock.
// It is safe for concurrent use.
type ManualClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters waiterHeap
	seq     uint64 // orders waiters with the same deadline by arrival
}

// NewManualClock returns a ManualClock that reads start until it is moved.
func NewManualClock(start time.Time) *ManualClock { return &ManualClock{now: start} }

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After returns a channel that receives the clock's time once the clock has
// been moved d or more past the time of the call.
func (c *ManualClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.seq++
	heap.Push(&c.waiters, waiter{deadline: c.now.Add(d), seq: c.seq, ch: ch})
	return ch
}

// Advance moves the clock forward by d, firing, in deadline order, every
// After whose time has come, and returns the new time. A negative d does
// not move the clock: time here never runs backwards.
func (c *ManualClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
	}
	return c.fireLocked()
}

// AdvanceTo moves the clock forward to t, as Advance does; a t before the
// current time does not move it.
func (c *ManualClock) AdvanceTo(t time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
	return c.fireLocked()
}

// fireLocked fires the waiters whose deadline has come and returns now.
func (c *ManualClock) fireLocked() time.Time {
	for len(c.waiters) > 0 && !c.waiters[0].deadline.After(c.now) {
		w := heap.Pop(&c.waiters).(waiter)
		w.ch <- c.now
	}
	return c.now
}

// Waiters returns how many After channels are waiting to fire. A test can
// poll it to know that the code under test has started to wait before it
// moves the clock.
func (c *ManualClock) Waiters() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// NextDeadline returns the earliest time an After is waiting for, and false
// when none is. A discrete-event loop can jump straight to it.
func (c *ManualClock) NextDeadline() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.waiters) == 0 {
		return time.Time{}, false
	}
	return c.waiters[0].deadline, true
}

type waiter struct {
	deadline time.Time
	seq      uint64
	ch       chan time.Time
}

type waiterHeap []waiter

func (h waiterHeap) Len() int { return len(h) }
func (h waiterHeap) Less(i, j int) bool {
	if !h[i].deadline.Equal(h[j].deadline) {
		return h[i].deadline.Before(h[j].deadline)
	}
	return h[i].seq < h[j].seq
}
func (h waiterHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *waiterHeap) Push(x any)   { *h = append(*h, x.(waiter)) }
func (h *waiterHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	*h = old[:len(old)-1]
	return w
}
