package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler"
)

// gate is a Reserve and Bind plugin whose Bind, for the job named
// blocked, says it started and waits to be let go; it counts the
// placements reserved and not yet unreserved.
type gate struct {
	blocked iog.JobID
	started chan struct{}
	release chan error
	open    atomic.Int64 // reserved and not unreserved
}

func newGate(blocked iog.JobID) *gate {
	return &gate{blocked: blocked, started: make(chan struct{}, 1), release: make(chan error, 1)}
}

func (g *gate) Name() string { return "gate" }
func (g *gate) Reserve(_ *scheduler.CycleState, _ *scheduler.Job, _ scheduler.Placement) error {
	g.open.Add(1)
	return nil
}
func (g *gate) Unreserve(_ *scheduler.CycleState, _ *scheduler.Job, _ scheduler.Placement) {
	g.open.Add(-1)
}
func (g *gate) Bind(_ context.Context, job *scheduler.Job, _ scheduler.Placement) error {
	if job.ID != g.blocked {
		return nil
	}
	g.blocked = "" // only the first attempt waits
	g.started <- struct{}{}
	return <-g.release
}

// TestBindRunsWithoutTheLock: while a Bind waits, the framework answers
// other callers, and what they do meanwhile decides how the binding ends.
func TestBindRunsWithoutTheLock(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		meantime func(f *scheduler.Framework) error
		bindErr  error
		placed   []iog.DeviceID // where job ends, nil for not placed
		held     bool           // the job is still held
		reserved int64          // placements still reserved
	}{
		{"bound", func(*scheduler.Framework) error { return nil }, nil, []iog.DeviceID{"a"}, true, 1},
		{"bind fails", func(*scheduler.Framework) error { return nil }, errors.New("database down"), nil, true, 0},
		{"cancelled", func(f *scheduler.Framework) error { return f.Cancel("job") }, nil, nil, false, 0},
		{"device removed", func(f *scheduler.Framework) error {
			_, err := f.RemoveNode(ctx, "a")
			return err
		}, nil, []iog.DeviceID{"b"}, true, 1},
		{"device down", func(f *scheduler.Framework) error {
			moved, err := f.SetNodeUp(ctx, "a", false)
			if len(moved) > 0 {
				return fmt.Errorf("moved %v: a binding job has not been placed", moved)
			}
			return err
		}, nil, []iog.DeviceID{"b"}, true, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newGate("job")
			f := newFramework(t, scheduler.Profile{Reserve: []scheduler.ReservePlugin{g}, Bind: []scheduler.BindPlugin{g}},
				gpuNode("a", "T4", 1), gpuNode("b", "T4", 1))
			require.NoError(t, f.Submit(gpuJob("job", 1, 0)))
			done := make(chan scheduler.Report)
			go func() {
				rep, err := f.Schedule(ctx)
				require.NoError(t, err)
				done <- rep
			}()
			<-g.started
			st, ok := f.Status("job")
			require.True(t, ok)
			require.Equal(t, scheduler.Binding, st.Phase)
			require.Equal(t, iog.DeviceID("a"), st.Placement.Assignments[0].Device)
			_, ok = f.Placement("job")
			require.False(t, ok, "not placed until bound")
			require.NoError(t, f.Submit(gpuJob("later", 1, 0)), "submitting does not wait for the Bind")
			require.NoError(t, f.CheckInvariants())
			require.NoError(t, tc.meantime(f))
			require.NoError(t, f.CheckInvariants())
			g.release <- tc.bindErr
			rep := <-done
			require.NoError(t, f.CheckInvariants())
			requirePlacedOn(t, f, "job", tc.placed)
			_, held := f.Status("job")
			require.Equal(t, tc.held, held)
			require.Equal(t, tc.reserved, g.open.Load())
			_, ok = f.Placement("later")
			require.False(t, ok, "a job submitted during the cycle waits for the next")
			require.Equal(t, len(tc.placed), len(rep.Placed))
		})
	}
}

// slowBind takes a while to bind, and calls back into the framework as
// the contract allows.
type slowBind struct {
	f     *scheduler.Framework
	fails atomic.Int64
}

func (*slowBind) Name() string { return "slow" }
func (b *slowBind) Bind(_ context.Context, job *scheduler.Job, _ scheduler.Placement) error {
	time.Sleep(100 * time.Microsecond)
	if st, ok := b.f.Status(job.ID); ok && st.Phase != scheduler.Binding {
		return fmt.Errorf("job %s is %v while binding", job.ID, st.Phase)
	}
	if b.fails.Add(1)%7 == 0 {
		return errors.New("refused now and then")
	}
	return nil
}

// TestConcurrentBindKeepsInvariants runs cycles with a slow Bind against
// submissions, cancellations, devices going down, coming up, leaving and
// joining (run with -race): no device is ever double-booked, at every
// moment another caller can look.
func TestConcurrentBindKeepsInvariants(t *testing.T) {
	b := &slowBind{}
	f := newFramework(t, scheduler.Profile{Bind: []scheduler.BindPlugin{b}, PostFilter: scheduler.Preemption{}})
	b.f = f
	for i := range 8 {
		require.NoError(t, f.AddNode(gpuNode(fmt.Sprint("n", i), "T4", 4)))
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	seed := uint64(0)
	loop := func(fn func(rng *rand.Rand, i int) error) {
		wg.Add(1)
		seed++
		rng := rand.New(rand.NewPCG(seed, 7))
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				if err := fn(rng, i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	ignore := func(err error) error {
		if errors.Is(err, iog.ErrNotFound) || errors.Is(err, iog.ErrConflict) {
			return nil
		}
		return err
	}
	for range 2 {
		loop(func(*rand.Rand, int) error { _, err := f.Schedule(ctx); return ignore(ignoreCtx(err)) })
	}
	loop(func(rng *rand.Rand, i int) error {
		j := gpuJob(fmt.Sprint("j", i), 1+rng.IntN(4), 0)
		j.Gang, j.Requirements.Priority = rng.IntN(3) == 0, int32(rng.IntN(3))
		time.Sleep(50 * time.Microsecond)
		if err := f.Submit(j); err != nil {
			return err
		}
		return ignore(f.Cancel(iog.JobID(fmt.Sprint("j", rng.IntN(i+1)))))
	})
	loop(func(rng *rand.Rand, _ int) error {
		time.Sleep(200 * time.Microsecond)
		id := iog.DeviceID(fmt.Sprint("n", rng.IntN(10)))
		var err error
		switch rng.IntN(4) {
		case 0:
			_, err = f.RemoveNode(ctx, id)
		case 1:
			err = f.AddNode(gpuNode(string(id), "T4", 4))
		default:
			_, err = f.SetNodeUp(ctx, id, rng.IntN(2) == 0)
		}
		return ignore(err)
	})
	loop(func(*rand.Rand, int) error { time.Sleep(time.Millisecond); return f.CheckInvariants() })
	time.Sleep(time.Second)
	cancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, f.CheckInvariants())
	require.Greater(t, b.fails.Load(), int64(100), "binds ran")
}

func ignoreCtx(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
