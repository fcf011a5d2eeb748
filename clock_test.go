package iog_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

var epoch0 = time.Date(2024, 6, 11, 0, 0, 0, 0, time.UTC)

func TestManualClockFiresInOrder(t *testing.T) {
	c := iog.NewManualClock(epoch0)
	require.Equal(t, epoch0, c.Now())

	late := c.After(2 * time.Hour)
	early := c.After(time.Hour)
	alsoEarly := c.After(time.Hour)
	require.Equal(t, 3, c.Waiters())
	next, ok := c.NextDeadline()
	require.True(t, ok)
	require.Equal(t, epoch0.Add(time.Hour), next)

	select {
	case <-early:
		t.Fatal("fired before its time")
	default:
	}
	require.Equal(t, epoch0.Add(90*time.Minute), c.Advance(90*time.Minute))
	require.Equal(t, epoch0.Add(90*time.Minute), <-early)
	require.Equal(t, epoch0.Add(90*time.Minute), <-alsoEarly)
	require.Equal(t, 1, c.Waiters())

	require.Equal(t, epoch0.Add(90*time.Minute), c.Advance(-time.Hour), "never backwards")
	require.Equal(t, epoch0.Add(90*time.Minute), c.AdvanceTo(epoch0), "never backwards")
	c.AdvanceTo(epoch0.Add(2 * time.Hour))
	require.Equal(t, epoch0.Add(2*time.Hour), <-late)
	_, ok = c.NextDeadline()
	require.False(t, ok)

	require.Equal(t, c.Now(), <-c.After(0), "zero duration fires at once")
	require.Equal(t, c.Now(), <-c.After(-time.Second))
}

func TestSleep(t *testing.T) {
	c := iog.NewManualClock(epoch0)
	done := make(chan error, 1)
	go func() { done <- iog.Sleep(context.Background(), c, 14*24*time.Hour) }()
	for c.Waiters() == 0 {
		time.Sleep(time.Millisecond)
	}
	c.Advance(14 * 24 * time.Hour)
	require.NoError(t, <-done)

	ctx, cancel := context.WithCancel(context.Background())
	go func() { done <- iog.Sleep(ctx, c, time.Hour) }()
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)

	require.NoError(t, iog.Sleep(context.Background(), iog.SystemClock, time.Microsecond))
	require.WithinDuration(t, time.Now(), iog.SystemClock.Now(), time.Minute)
}

func TestManualClockConcurrent(t *testing.T) {
	c := iog.NewManualClock(epoch0)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			<-c.After(time.Duration(i+1) * time.Second)
		})
	}
	for c.Waiters() < 50 {
		time.Sleep(time.Millisecond)
	}
	for range 50 {
		c.Advance(time.Second)
	}
	wg.Wait()
	require.Zero(t, c.Waiters())
}

// TestScaledClock: a clock at 3600× passes an hour in a real second, and
// its After waits the scaled time.
func TestScaledClock(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := iog.NewScaledClock(start, 3600)
	require.NoError(t, err)
	require.Equal(t, 3600, c.Speed())
	at := <-c.After(time.Hour / 10) // a tenth of a real second
	require.False(t, at.Before(start.Add(time.Hour/10)))
	require.False(t, c.Now().Before(at))
	_, err = iog.NewScaledClock(start, 0)
	require.ErrorIs(t, err, iog.ErrInvalid)
}
