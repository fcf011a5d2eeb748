package scheduler_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler"
)

var quiet = slog.New(slog.DiscardHandler)

// snapshot is what a server stores of a framework.
type snapshot struct {
	Nodes []scheduler.NodeRecord `json:"nodes"`
	Jobs  []scheduler.JobRecord  `json:"jobs"`
}

func snapshotOf(f *scheduler.Framework) snapshot {
	return snapshot{Nodes: f.NodeRecords(), Jobs: f.JobRecords()}
}

// sim is a framework with its clock, driven by random operations.
type sim struct {
	f     *scheduler.Framework
	clock *iog.ManualClock
	jobs  int
}

func newSim(p scheduler.ScorePlugin) *sim {
	clock := iog.NewManualClock(t0)
	return &sim{clock: clock, f: scheduler.NewFramework(scheduler.Config{Clock: clock, StarvationLimit: 3 * time.Hour, Logger: quiet,
		Profile: scheduler.ProfileOf(p)})}
}

var places = []iog.Location{
	{Country: "US", Region: "California", Coordinates: iog.Coordinates{Latitude: 37.3, Longitude: -121.9}},
	{Country: "US", Region: "Virginia", Coordinates: iog.Coordinates{Latitude: 39.0, Longitude: -77.5}},
	{Country: "DE", Region: "Hesse", Coordinates: iog.Coordinates{Latitude: 50.1, Longitude: 8.7}},
}

// step does one random operation and says what came of it.
func (s *sim) step(rng *rand.Rand) string {
	ctx := context.Background()
	dev := iog.DeviceID(fmt.Sprint("d", rng.IntN(12)))
	job := iog.JobID(fmt.Sprint("j", rng.IntN(s.jobs+1)))
	switch op := rng.IntN(20); {
	case op < 3:
		n := gpuNode(string(dev), []string{"T4", "A100-80GB", "G2"}[rng.IntN(3)], 1+rng.IntN(8))
		n.Location = places[rng.IntN(len(places))]
		return fmt.Sprint("add ", dev, " ", s.f.AddNode(n))
	case op < 4:
		moved, err := s.f.RemoveNode(ctx, dev)
		return fmt.Sprint("remove ", dev, moved, err)
	case op < 6:
		moved, err := s.f.SetNodeUp(ctx, dev, rng.IntN(2) == 0)
		return fmt.Sprint("up/down ", dev, moved, err)
	case op < 7:
		return fmt.Sprint("check ", s.f.RecordCheck(dev, rng.IntN(2) == 0), s.f.RecordFeedback(dev, 1+rng.IntN(5)))
	case op < 12:
		s.jobs++
		j := gpuJob(fmt.Sprint("j", s.jobs), rng.IntN(4), iog.GPUShare(rng.IntN(3)*250))
		j.Requirements.Priority = int32(rng.IntN(3))
		if rng.IntN(4) == 0 {
			j.Gang, j.Requirements.GPUCount, j.Requirements.GPUShare = true, 1+rng.IntN(12), 0
			j.Requirements.Placement = []iog.Placement{iog.AnyPlacement, iog.CoLocated, iog.GeoDistributed}[rng.IntN(3)]
		}
		return fmt.Sprint("submit ", j.ID, " ", s.f.Submit(j))
	case op < 14:
		return fmt.Sprint("cancel ", job, " ", s.f.Cancel(job))
	case op < 15:
		s.clock.Advance(time.Duration(rng.IntN(120)) * time.Minute)
		return "tick"
	default:
		rep, err := s.f.Schedule(ctx)
		return fmt.Sprintf("schedule %+v %v", rep, err)
	}
}

// answers is every query's answer about the framework.
func answers(t *testing.T, f *scheduler.Framework) string {
	t.Helper()
	require.NoError(t, f.CheckInvariants())
	out := fmt.Sprint("pending ", f.Pending(), "\n")
	for _, r := range f.JobRecords() {
		st, ok := f.Status(r.Job.ID)
		p, placed := f.Placement(r.Job.ID)
		out += fmt.Sprintf("%+v %v %+v %v\n", st, ok, p, placed)
	}
	f.VisitNodes(func(n *scheduler.NodeInfo) {
		out += fmt.Sprintf("%s %d %v %v %d %d %d %v %v\n", n.ID(), n.Index(), n.Up(), n.Reliability(), n.FreeGPUMilli(),
			n.FreeCPUMilli(), n.FreeMemoryBytes(), n.Residents(), n.RegionUtilization())
	})
	return out
}

// TestRestoreIsExact: after random operations, a framework restored from
// the records (the nodes' through JSON) answers every query as the original does and,
// given the same further operations, does the same and ends with the same
// records. (Where scores tie, the options a cycle finds first win, and
// their order within the index is not restored: see Framework.Restore.)
func TestRestoreIsExact(t *testing.T) {
	for i := range 40 {
		seed, policy := uint64(i/2), []scheduler.ScorePlugin{scheduler.FirstFit{}, scheduler.BestFit{}}[i%2]
		t.Run(fmt.Sprint(policy.Name(), "/seed=", seed), func(t *testing.T) {
			a := newSim(policy)
			rng := rand.New(rand.NewPCG(seed, 1))
			for range 300 {
				a.step(rng)
			}
			snap := snapshotOf(a.f)
			data, err := json.Marshal(snap.Nodes)
			require.NoError(t, err)
			snap.Nodes = nil
			require.NoError(t, json.Unmarshal(data, &snap.Nodes))
			b := newSim(policy)
			b.clock.AdvanceTo(a.clock.Now())
			b.jobs = a.jobs
			require.NoError(t, b.f.Restore(snap.Nodes, snap.Jobs))
			require.Equal(t, snapshotOf(a.f), snapshotOf(b.f))
			require.Equal(t, answers(t, a.f), answers(t, b.f))
			ra, rb := rand.New(rand.NewPCG(seed, 2)), rand.New(rand.NewPCG(seed, 2))
			for i := range 300 {
				require.Equal(t, a.step(ra), b.step(rb), "step %d", i)
			}
			require.Equal(t, answers(t, a.f), answers(t, b.f))
			require.Equal(t, snapshotOf(a.f), snapshotOf(b.f))
		})
	}
}

// TestRestoreRefusesBadRecords: each corruption of a good snapshot is
// refused as invalid and leaves the framework empty; a framework that
// holds anything refuses to restore.
func TestRestoreRefusesBadRecords(t *testing.T) {
	good := newSim(scheduler.FirstFit{})
	require.NoError(t, good.f.AddNode(gpuNode("a", "T4", 2)))
	require.NoError(t, good.f.AddNode(gpuNode("b", "T4", 2)))
	for _, j := range []scheduler.Job{gpuJob("one", 1, 500), gpuJob("two", 2, 0), gpuJob("big", 4, 0)} {
		require.NoError(t, good.f.Submit(j))
	}
	_, err := good.f.Schedule(context.Background())
	require.NoError(t, err)
	tests := []struct {
		name    string
		corrupt func(s *snapshot)
	}{
		{"node twice", func(s *snapshot) { s.Nodes[1].Node.ID = "a" }},
		{"index twice", func(s *snapshot) { s.Nodes[1].Index = s.Nodes[0].Index }},
		{"negative index", func(s *snapshot) { s.Nodes[0].Index = -1 }},
		{"bad node", func(s *snapshot) { s.Nodes[0].Node.GPUs = -1 }},
		{"down longer than known", func(s *snapshot) { s.Nodes[0].Reliability.Down = time.Hour }},
		{"too many stars", func(s *snapshot) { s.Nodes[0].Reliability.Ratings, s.Nodes[0].Reliability.Stars = 1, 6 }},
		{"job twice", func(s *snapshot) { s.Jobs[1].Job.ID = s.Jobs[0].Job.ID }},
		{"sequence twice", func(s *snapshot) { s.Jobs[1].Seq = s.Jobs[0].Seq }},
		{"no sequence", func(s *snapshot) { s.Jobs[0].Seq = 0 }},
		{"not submitted", func(s *snapshot) { s.Jobs[0].Job.Submitted = time.Time{} }},
		{"parked, never tried", func(s *snapshot) { s.Jobs[0].Placement, s.Jobs[0].Parked, s.Jobs[0].Tried = nil, true, false }},
		{"placed on an unknown device", func(s *snapshot) { placed(s).Placement.Assignments[0].Device = "zz" }},
		{"placed on a down device", func(s *snapshot) { s.Nodes[0].Up, s.Nodes[1].Up = false, false }},
		{"GPU out of range", func(s *snapshot) { placed(s).Placement.Assignments[0].GPUs = []int{7} }},
		{"fewer GPUs than asked", func(s *snapshot) { placed(s).Placement.Assignments[0].GPUs = nil }},
		{"other share", func(s *snapshot) { placed(s).Placement.Assignments[0].Share = 10 }},
		{"other CPU", func(s *snapshot) { placed(s).Placement.Assignments[0].CPUMilli++ }},
		{"other job named", func(s *snapshot) { placed(s).Placement.Job = "other" }},
		{"double booked", func(s *snapshot) {
			for i := range s.Jobs {
				if p := s.Jobs[i].Placement; p != nil {
					p.Assignments[0].Device, p.Assignments[0].GPUs = "a", []int{0}
					if s.Jobs[i].Job.ID == "two" {
						p.Assignments[0].GPUs = []int{0, 1}
					}
				}
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := snapshotOf(good.f)
			tc.corrupt(&s)
			f := newSim(scheduler.FirstFit{}).f
			require.ErrorIs(t, f.Restore(s.Nodes, s.Jobs), iog.ErrInvalid)
			require.Empty(t, f.NodeRecords())
			require.Empty(t, f.JobRecords())
			require.NoError(t, f.CheckInvariants())
		})
	}
	s := snapshotOf(good.f)
	f := newSim(scheduler.FirstFit{}).f
	require.NoError(t, f.Restore(s.Nodes, s.Jobs))
	require.ErrorIs(t, f.Restore(s.Nodes, s.Jobs), iog.ErrConflict)
	require.Equal(t, s, snapshotOf(f))
}

// placed returns the first placed job of s.
func placed(s *snapshot) *scheduler.JobRecord {
	for i := range s.Jobs {
		if s.Jobs[i].Placement != nil {
			return &s.Jobs[i]
		}
	}
	panic("no placed job")
}

// TestRemovedNodeLeavesNoTrace: a pool that had a device, with work on it,
// and lost it holds what a pool that never had it holds.
func TestRemovedNodeLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	a, b := newSim(scheduler.FirstFit{}), newSim(scheduler.FirstFit{})
	require.NoError(t, a.f.AddNode(gpuNode("x", "T4", 2)))
	gone := gpuNode("gone", "A10", 2)
	gone.Location = places[2]
	require.NoError(t, a.f.AddNode(gone))
	require.NoError(t, b.f.AddNode(gpuNode("x", "T4", 2)))
	for _, s := range []*sim{a, b} {
		require.NoError(t, s.f.Submit(gpuJob("j", 1, 0)))
		require.NoError(t, s.f.Submit(scheduler.Job{ID: "a10", Requirements: iog.Requirements{GPUModel: "A10", GPUCount: 1}}))
		_, err := s.f.Schedule(ctx)
		require.NoError(t, err)
	}
	moved, err := a.f.RemoveNode(ctx, "gone")
	require.NoError(t, err)
	require.Equal(t, []iog.JobID{"a10"}, moved)
	require.NoError(t, a.f.CheckInvariants())
	require.Equal(t, b.f.NodeRecords(), a.f.NodeRecords())
	ra, _ := a.f.JobRecord("a10")
	rb, _ := b.f.JobRecord("a10")
	require.Equal(t, "its device gone was removed", ra.Cause)
	require.Equal(t, "", rb.Cause)
}
