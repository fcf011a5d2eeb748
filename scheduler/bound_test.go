package scheduler_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler"
)

// unbounded hides a policy's ScoreBound, so that the framework scores
// every feasible option.
type unbounded struct{ scheduler.ScorePlugin }

// fewRanks ranks nodes from 0 to 4, so that ranks tie too.
func fewRanks(n scheduler.Node) int {
	h := fnv.New32a()
	h.Write([]byte(n.ID))
	return int(h.Sum32() % 5)
}

// boundedStep does one random operation on f and says what came of it:
// devices of three models, 0 to 8 GPUs and various CPU and memory; jobs
// of whole and shared GPUs, CPU-only ones, various CPU and memory.
func boundedStep(f *scheduler.Framework, rng *rand.Rand, jobs *int) string {
	ctx := context.Background()
	dev := iog.DeviceID(fmt.Sprint("d", rng.IntN(40)))
	switch op := rng.IntN(20); {
	case op < 4:
		n := gpuNode(string(dev), []string{"T4", "A100-80GB", "G2"}[rng.IntN(3)], rng.IntN(9))
		n.CPUMilli, n.MemoryBytes = uint64(8000+rng.IntN(8)*8000), uint64(16+rng.IntN(16)*16)<<30
		return fmt.Sprint("add ", dev, " ", f.AddNode(n))
	case op < 5:
		moved, err := f.RemoveNode(ctx, dev)
		return fmt.Sprint("remove ", dev, moved, err)
	case op < 6:
		moved, err := f.SetNodeUp(ctx, dev, rng.IntN(2) == 0)
		return fmt.Sprint("up/down ", dev, moved, err)
	case op < 13:
		*jobs++
		j := gpuJob(fmt.Sprint("j", *jobs), rng.IntN(4), iog.GPUShare(rng.IntN(4)*250))
		j.Requirements.CPUMilli, j.Requirements.MemoryBytes = uint64(rng.IntN(9)*1000), uint64(rng.IntN(9))<<30
		j.Requirements.Priority = int32(rng.IntN(3))
		return fmt.Sprint("submit ", j.ID, " ", f.Submit(j))
	case op < 16:
		id := iog.JobID(fmt.Sprint("j", rng.IntN(*jobs+1)))
		return fmt.Sprint("cancel ", id, " ", f.Cancel(id))
	default:
		rep, err := f.Schedule(ctx)
		return fmt.Sprintf("schedule %+v %v", rep, err)
	}
}

// TestBoundedSearchIsExact: with first-fit and best-fit, which bound their
// scores, the framework's branch-and-bound search places every job where
// scoring every feasible option does, on random pools and job streams,
// with and without node ranks (which tie) and a choice of GPU.
func TestBoundedSearchIsExact(t *testing.T) {
	chooser := scheduler.ProfileOf(scheduler.ArtifactBestFit{}).GPUChoice
	for _, p := range []scheduler.ScorePlugin{scheduler.FirstFit{}, scheduler.BestFit{}} {
		for _, rank := range []func(scheduler.Node) int{nil, fewRanks} {
			for _, choice := range []scheduler.GPUChooser{nil, chooser} {
				for seed := range uint64(10) {
					name := fmt.Sprintf("%s/ranked=%v/choice=%v/seed=%d", p.Name(), rank != nil, choice != nil, seed)
					t.Run(name, func(t *testing.T) {
						fw := func(p scheduler.ScorePlugin) *scheduler.Framework {
							return scheduler.NewFramework(scheduler.Config{Clock: iog.NewManualClock(t0), Logger: quiet, NodeRank: rank,
								Profile: scheduler.Profile{Score: []scheduler.WeightedScore{{Plugin: p}}, GPUChoice: choice, PostFilter: scheduler.Preemption{}}})
						}
						fast, full := fw(p), fw(unbounded{p})
						ra, rb := rand.New(rand.NewPCG(seed, 7)), rand.New(rand.NewPCG(seed, 7))
						var ja, jb int
						for i := range 600 {
							require.Equal(t, boundedStep(full, rb, &jb), boundedStep(fast, ra, &ja), "step %d", i)
						}
						require.NoError(t, fast.CheckInvariants())
						require.Equal(t, snapshotOf(full), snapshotOf(fast))
					})
				}
			}
		}
	}
}
