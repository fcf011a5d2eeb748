package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func gpuNode(id string, model string, gpus int) scheduler.Node {
	return scheduler.Node{ID: iog.DeviceID(id), GPUModel: model, GPUs: gpus, CPUMilli: 64000, MemoryBytes: 256 << 30}
}

func gpuJob(id string, count int, share iog.GPUShare) scheduler.Job {
	return scheduler.Job{ID: iog.JobID(id), Requirements: iog.Requirements{GPUCount: count, GPUShare: share, CPUMilli: 1000, MemoryBytes: 1 << 30}}
}

func newFramework(t *testing.T, prof scheduler.Profile, nodes ...scheduler.Node) *scheduler.Framework {
	t.Helper()
	f := scheduler.NewFramework(scheduler.Config{Clock: iog.NewManualClock(t0), Profile: prof})
	for _, n := range nodes {
		require.NoError(t, f.AddNode(n))
	}
	return f
}

func schedule(t *testing.T, f *scheduler.Framework) scheduler.Report {
	t.Helper()
	rep, err := f.Schedule(context.Background())
	require.NoError(t, err)
	require.NoError(t, f.CheckInvariants())
	return rep
}

func TestPlacementConstraints(t *testing.T) {
	nodes := []scheduler.Node{
		gpuNode("t4", "T4", 2),
		gpuNode("g2", "G2", 8),
		{ID: "a100", GPUModel: "NVIDIA A100-SXM4-80GB", GPUs: 4, CPUMilli: 32000, MemoryBytes: 128 << 30,
			Bandwidth: iog.HighBandwidth, Location: iog.Location{Country: "US", Region: "California"}},
		{ID: "cpu", CPUMilli: 8000, MemoryBytes: 16 << 30},
	}
	tests := []struct {
		name string
		req  iog.Requirements
		want iog.DeviceID // "" for unschedulable
	}{
		{"catalog family", iog.Requirements{GPUModel: "A100", GPUCount: 1}, "a100"},
		{"catalog alias", iog.Requirements{GPUModel: "a100-80gb", GPUCount: 2}, "a100"},
		{"trace model exact", iog.Requirements{GPUModel: "g2", GPUCount: 8}, "g2"},
		{"alternatives", iog.Requirements{GPUModel: "V100M16|T4", GPUCount: 1, GPUShare: 500}, "t4"},
		{"unknown model", iog.Requirements{GPUModel: "G3", GPUCount: 1}, ""},
		{"too many GPUs", iog.Requirements{GPUModel: "T4", GPUCount: 3}, ""},
		{"class needs catalog", iog.Requirements{GPUClass: iog.DatacenterGPU, GPUCount: 4}, "a100"},
		{"GPU memory", iog.Requirements{GPUCount: 1, GPUMemoryBytes: 40 << 30}, "a100"},
		{"bandwidth", iog.Requirements{GPUCount: 1, Bandwidth: iog.MediumBandwidth}, "a100"},
		{"location", iog.Requirements{GPUCount: 1, Locations: []iog.Location{{Country: "US"}}}, "a100"},
		{"location elsewhere", iog.Requirements{GPUCount: 1, Locations: []iog.Location{{Country: "DE"}}}, ""},
		{"CPU-only", iog.Requirements{CPUMilli: 8000, MemoryBytes: 16 << 30}, "cpu"},
		{"too much memory", iog.Requirements{GPUCount: 1, MemoryBytes: 1 << 40}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFramework(t, scheduler.Profile{Score: []scheduler.WeightedScore{{Plugin: scheduler.BestFit{}}}}, nodes...)
			require.NoError(t, f.Submit(scheduler.Job{ID: "j", Requirements: tc.req}))
			rep := schedule(t, f)
			p, ok := f.Placement("j")
			if tc.want == "" {
				require.False(t, ok)
				require.Equal(t, 1, rep.Pending)
				return
			}
			require.True(t, ok)
			require.Len(t, p.Assignments, 1)
			require.Equal(t, tc.want, p.Assignments[0].Device)
			require.Len(t, p.Assignments[0].GPUs, tc.req.GPUCount)
		})
	}
}

func TestFractionalSharing(t *testing.T) {
	f := newFramework(t, scheduler.ProfileOf(scheduler.BestFit{}), gpuNode("n", "T4", 1))
	for i, share := range []iog.GPUShare{460, 500, 40, 1} {
		require.NoError(t, f.Submit(gpuJob(fmt.Sprint("j", i), 1, share)))
	}
	rep := schedule(t, f)
	require.Len(t, rep.Placed, 3, "460+500+40 fill the GPU; the last waits")
	require.Equal(t, 1, rep.Pending)
	require.NoError(t, f.Cancel("j1"))
	rep = schedule(t, f)
	require.Len(t, rep.Placed, 1)
	require.Equal(t, iog.JobID("j3"), rep.Placed[0].Job)
}

func TestBadInputChangesNothing(t *testing.T) {
	f := newFramework(t, scheduler.Profile{}, gpuNode("n", "T4", 1))
	tests := []struct {
		name string
		err  error
		do   func() error
	}{
		{"bad node id", iog.ErrInvalid, func() error { return f.AddNode(gpuNode("bad id", "T4", 1)) }},
		{"GPUs without model", iog.ErrInvalid, func() error { return f.AddNode(gpuNode("x", "", 1)) }},
		{"duplicate node", iog.ErrConflict, func() error { return f.AddNode(gpuNode("n", "T4", 1)) }},
		{"bad job", iog.ErrInvalid, func() error { return f.Submit(gpuJob("j", -1, 0)) }},
		{"fractional gang", iog.ErrInvalid, func() error {
			j := gpuJob("g", 1, 500)
			j.Gang = true
			return f.Submit(j)
		}},
		{"cancel unknown", iog.ErrNotFound, func() error { return f.Cancel("nope") }},
		{"unknown node", iog.ErrNotFound, func() error { _, err := f.SetNodeUp(context.Background(), "nope", false); return err }},
		{"bad rating", iog.ErrInvalid, func() error { return f.RecordFeedback("n", 6) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, tc.do(), tc.err)
			require.Equal(t, 0, f.Pending())
			require.NoError(t, f.CheckInvariants())
		})
	}
	require.NoError(t, f.Submit(gpuJob("j", 1, 0)))
	require.ErrorIs(t, f.Submit(gpuJob("j", 1, 0)), iog.ErrConflict)
	require.Equal(t, 1, f.Pending())
}

func TestAgingAndPriority(t *testing.T) {
	clock := iog.NewManualClock(t0)
	f := scheduler.NewFramework(scheduler.Config{Clock: clock, Profile: scheduler.Profile{QueueSort: scheduler.PriorityAging{Step: time.Hour}}})
	require.NoError(t, f.AddNode(gpuNode("n", "T4", 1)))
	old := gpuJob("old", 1, 0) // priority 0, submitted 3 hours before
	old.Submitted = t0.Add(-3 * time.Hour)
	high := gpuJob("high", 1, 0)
	high.Requirements.Priority = 2
	require.NoError(t, f.Submit(high))
	require.NoError(t, f.Submit(old))
	rep := schedule(t, f)
	require.Equal(t, iog.JobID("old"), rep.Placed[0].Job, "three hours of waiting outrank two levels")
}

func TestPreemptionCheapestVictims(t *testing.T) {
	f := newFramework(t, scheduler.ProfileOf(scheduler.FirstFit{}), gpuNode("a", "T4", 2), gpuNode("b", "T4", 2))
	jobs := []struct {
		id   string
		prio int32
	}{{"a-low", 1}, {"a-lower", 0}, {"b-mid", 3}, {"b-mid2", 3}}
	for _, j := range jobs {
		job := gpuJob(j.id, 1, 0)
		job.Requirements.Priority = j.prio
		require.NoError(t, f.Submit(job))
		schedule(t, f)
	}
	urgent := gpuJob("urgent", 1, 0)
	urgent.Requirements.Priority = 5
	require.NoError(t, f.Submit(urgent))
	rep := schedule(t, f)
	require.Equal(t, []iog.JobID{"a-lower"}, rep.Preempted, "one victim of the lowest priority")
	p, ok := f.Placement("urgent")
	require.True(t, ok)
	require.Equal(t, iog.DeviceID("a"), p.Assignments[0].Device)
	_, ok = f.Placement("a-lower")
	require.False(t, ok)
	require.Equal(t, 1, f.Pending(), "the victim waits in the queue")
}

// TestConcurrentUse drives one Framework from several goroutines (run with
// -race): submissions, cycles, cancellations and node failures interleave
// and the bookkeeping holds.
func TestConcurrentUse(t *testing.T) {
	f := newFramework(t, scheduler.ProfileOf(scheduler.BestFit{}))
	for i := range 8 {
		require.NoError(t, f.AddNode(gpuNode(fmt.Sprint("n", i), "T4", 4)))
	}
	ctx := context.Background()
	done := make(chan error, 4)
	for w := range 4 {
		go func() {
			var err error
			for i := 0; i < 100 && err == nil; i++ {
				id := iog.JobID(fmt.Sprint("w", w, "-", i))
				switch {
				case w == 3 && i%10 == 0:
					_, err = f.SetNodeUp(ctx, iog.DeviceID(fmt.Sprint("n", i%8)), i%20 == 0)
				default:
					if err = f.Submit(gpuJob(string(id), 1, iog.GPUShare(100*(1+i%10)))); err == nil {
						_, err = f.Schedule(ctx)
					}
					if err == nil && i%3 == 0 {
						err = f.Cancel(id)
					}
				}
			}
			done <- err
		}()
	}
	for range 4 {
		require.NoError(t, <-done)
	}
	require.NoError(t, f.CheckInvariants())
}

// TestStarvationLimit: ageing soon puts a whole-node job ahead of newer
// single-GPU jobs, but they still backfill each GPU that frees, so it
// never fits; past the starvation limit the queue holds for it and it
// runs.
func TestStarvationLimit(t *testing.T) {
	for _, limit := range []time.Duration{0, 2 * time.Hour} {
		t.Run(fmt.Sprint("limit=", limit), func(t *testing.T) {
			clock := iog.NewManualClock(t0)
			f := scheduler.NewFramework(scheduler.Config{Clock: clock, StarvationLimit: limit}) // ageing one level an hour
			require.NoError(t, f.AddNode(gpuNode("n", "T4", 2)))
			small := func(i int) iog.JobID {
				j := gpuJob(fmt.Sprint("small", i), 1, 0)
				j.Requirements.Priority = 1
				require.NoError(t, f.Submit(j))
				return j.ID
			}
			running := []iog.JobID{small(0), small(1)}
			schedule(t, f)
			require.NoError(t, f.Submit(gpuJob("big", 2, 0)))
			placedBig := false
			for hour := range 6 {
				clock.Advance(time.Hour)
				require.NoError(t, f.Cancel(running[0])) // one small job ends each hour
				running = append(running[1:], small(hour+2))
				schedule(t, f)
				if _, ok := f.Placement("big"); ok {
					placedBig = true
					break
				}
			}
			require.Equal(t, limit > 0, placedBig)
		})
	}
}

func TestNodeOf(t *testing.T) {
	d := iog.Device{ID: "dev-1", CPU: iog.CPU{Cores: 32, Threads: 64}, MemoryBytes: 512 << 30,
		GPUs:      []iog.GPU{{UUID: "GPU-1", Model: "NVIDIA A100-SXM4", MemoryBytes: 80 << 30}, {UUID: "GPU-2", Model: "NVIDIA A100-SXM4", MemoryBytes: 80 << 30}},
		Bandwidth: iog.Bandwidth{DownBytesPerSec: 900_000_000, UpBytesPerSec: 900_000_000},
		Location:  iog.Location{Country: "US"}}
	n := scheduler.NodeOf(d)
	require.Equal(t, scheduler.Node{ID: "dev-1", GPUModel: "A100-80GB", GPUs: 2, GPUMemoryBytes: 80 << 30, CPUMilli: 64000,
		MemoryBytes: 512 << 30, Bandwidth: iog.HighBandwidth, Location: iog.Location{Country: "US"}}, n)
	unknown := scheduler.NodeOf(iog.Device{ID: "dev-2", GPUs: []iog.GPU{{UUID: "g", Model: "G2"}}})
	require.Equal(t, "G2", unknown.GPUModel)
	require.NoError(t, unknown.Validate())
}

// requirePlacedOn checks that job id is placed on exactly the devices
// want, in any order, or not placed when want is nil.
func requirePlacedOn(t *testing.T, f *scheduler.Framework, id iog.JobID, want []iog.DeviceID) {
	t.Helper()
	p, ok := f.Placement(id)
	if want == nil {
		require.False(t, ok, "%s is placed", id)
		return
	}
	require.True(t, ok, "%s is not placed", id)
	var got []iog.DeviceID
	for _, a := range p.Assignments {
		got = append(got, a.Device)
	}
	require.ElementsMatch(t, want, got)
}

// TestStarvationLimitNeedsAPlaceThatFits: a job that could not be placed
// even on an empty pool does not hold the queue: here a co-located gang
// on devices of unknown place, no two of which are within 10 ms.
func TestStarvationLimitNeedsAPlaceThatFits(t *testing.T) {
	clock := iog.NewManualClock(t0)
	f := scheduler.NewFramework(scheduler.Config{Clock: clock, StarvationLimit: time.Hour})
	require.NoError(t, f.AddNode(gpuNode("a", "T4", 8)))
	require.NoError(t, f.AddNode(gpuNode("b", "T4", 8)))
	g := gpuJob("gang", 16, 0)
	g.Gang, g.Requirements.Placement, g.Requirements.Priority = true, iog.CoLocated, 9
	require.NoError(t, f.Submit(g))
	schedule(t, f)
	clock.Advance(2 * time.Hour)
	require.NoError(t, f.AddNode(gpuNode("c", "T4", 8))) // the gang tries again
	require.NoError(t, f.Submit(gpuJob("other", 1, 0)))
	schedule(t, f)
	_, ok := f.Placement("other")
	require.True(t, ok, "the gang could never be placed, so it holds nothing back")
}

// vetoPre refuses the job named "refused" before any node is looked at.
type vetoPre struct{}

func (vetoPre) Name() string { return "veto" }
func (vetoPre) PreFilter(_ *scheduler.CycleState, job *scheduler.Job) error {
	if job.ID == "refused" {
		return errors.New("no")
	}
	return nil
}

// TestNoPreemptionForARefusedJob: preemption is for a job that finds no
// room; a job a PreFilter plugin refuses, or a Permit plugin refuses on
// the room it found, evicts nothing.
func TestNoPreemptionForARefusedJob(t *testing.T) {
	for _, prof := range []scheduler.Profile{
		{PostFilter: scheduler.Preemption{}, PreFilter: []scheduler.PreFilterPlugin{vetoPre{}}},
		{PostFilter: scheduler.Preemption{}, Permit: []scheduler.PermitPlugin{refuse{"refuse"}}},
	} {
		f := newFramework(t, prof, gpuNode("a", "T4", 1), gpuNode("b", "T4", 1)) // room for one more
		require.NoError(t, f.Submit(gpuJob("low", 1, 0)))
		schedule(t, f)
		for _, gang := range []bool{false, true} {
			j := gpuJob("refused", 1, 0)
			j.Gang, j.Requirements.Priority = gang, 5
			require.NoError(t, f.Submit(j))
			rep := schedule(t, f)
			require.Empty(t, rep.Preempted)
			_, ok := f.Placement("low")
			require.True(t, ok)
			require.NoError(t, f.Cancel("refused"))
		}
	}
}
