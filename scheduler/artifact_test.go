package scheduler_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler"
)

// rankedFramework is a pool scoring with p alone, ties broken by ranks.
func rankedFramework(t *testing.T, p scheduler.ScorePlugin, ranks map[iog.DeviceID]int, nodes ...scheduler.Node) *scheduler.Framework {
	t.Helper()
	cfg := scheduler.Config{Clock: iog.NewManualClock(t0), Profile: scheduler.ProfileOf(p)}
	if ranks != nil {
		cfg.NodeRank = func(n scheduler.Node) int { return ranks[n.ID] }
	}
	f := scheduler.NewFramework(cfg)
	for _, n := range nodes {
		require.NoError(t, f.AddNode(n))
	}
	return f
}

// placeJob submits and schedules job and returns its device and GPUs.
func placeJob(t *testing.T, f *scheduler.Framework, job scheduler.Job) (iog.DeviceID, []int) {
	t.Helper()
	require.NoError(t, f.Submit(job))
	schedule(t, f)
	pl, ok := f.Placement(job.ID)
	require.True(t, ok, "%s not placed", job.ID)
	return pl.Assignments[0].Device, pl.Assignments[0].GPUs
}

func TestNodeRankBreaksTies(t *testing.T) {
	nodes := []scheduler.Node{gpuNode("a", "G2", 8), gpuNode("b", "G2", 8), gpuNode("c", "G2", 8)}
	cpuOnly := scheduler.Job{ID: "cpu", Requirements: iog.Requirements{CPUMilli: 1000}}
	tests := []struct {
		name  string
		ranks map[iog.DeviceID]int
		want  iog.DeviceID
	}{
		{"lowest rank wins", map[iog.DeviceID]int{"a": 2, "b": 0, "c": 1}, "b"},
		{"another run's ranks", map[iog.DeviceID]int{"a": 1, "b": 2, "c": 0}, "c"},
		{"no ranks: the first found", nil, "a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// GpuPacking scores CPU-only pods 0 everywhere: all tie.
			f := rankedFramework(t, scheduler.ArtifactGPUPacking{}, tc.ranks, nodes...)
			dev, _ := placeJob(t, f, cpuOnly)
			require.Equal(t, tc.want, dev)
		})
	}
}

func TestRankFixedForTheRun(t *testing.T) {
	// Identical nodes tie under FGD: the run keeps filling the lowest rank
	// first, it does not draw again at each decision.
	nodes := []scheduler.Node{gpuNode("a", "T4", 2), gpuNode("b", "T4", 2), gpuNode("c", "T4", 2)}
	ranks := map[iog.DeviceID]int{"a": 1, "b": 2, "c": 0}
	tp := scheduler.NewTypicalPods([]iog.Requirements{{CPUMilli: 1000, GPUCount: 1}}, 0.95)
	f := rankedFramework(t, scheduler.NewArtifactFGD(tp), ranks, nodes...)
	var got []iog.DeviceID
	for _, id := range []string{"j1", "j2", "j3", "j4"} {
		dev, _ := placeJob(t, f, gpuJob(id, 1, 0))
		got = append(got, dev)
	}
	require.Equal(t, []iog.DeviceID{"c", "c", "a", "a"}, got)
}

func TestArtifactGPUChoice(t *testing.T) {
	// One 3-GPU node left with GPU shares {400, 0, 1000} free.
	pre := []scheduler.Job{gpuJob("p1", 1, 600), gpuJob("p2", 1, 0)}
	tp := scheduler.NewTypicalPods([]iog.Requirements{{CPUMilli: 1000, GPUCount: 1, GPUShare: 500}}, 0.95)
	tests := []struct {
		name string
		p    scheduler.ScorePlugin
		want []int
	}{
		{"best-fit takes the tightest GPU", scheduler.ArtifactBestFit{}, []int{0}},
		{"gpu-packing takes the tightest GPU", scheduler.ArtifactGPUPacking{}, []int{0}},
		// Onto GPU 0 the 400 left becomes 100, a fragment either way (no
		// change, 50); onto GPU 2 the 1000 becomes 700, which still
		// holds 500 (no change either): the lowest index wins.
		{"fgd takes the best-scoring GPU, the lowest among equals", scheduler.NewArtifactFGD(tp), []int{0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := rankedFramework(t, tc.p, map[iog.DeviceID]int{}, gpuNode("n", "T4", 3))
			for _, j := range pre {
				placeJob(t, f, j)
			}
			_, gpus := placeJob(t, f, gpuJob("j", 1, 300))
			require.Equal(t, tc.want, gpus)
		})
	}
}

func TestArtifactFGDPrefersLeastGrowth(t *testing.T) {
	// Typical pods: a share of 500 (P 0.75), a CPU-only pod (P 0.25). On
	// GPUs {400, 1000}, a share of 300 onto GPU 0 lowers fragmentation by
	// 300 (score 57), onto GPU 1 by 75 (51); a node of two free GPUs
	// loses 75 (51) too.
	tp := scheduler.NewTypicalPods([]iog.Requirements{
		{CPUMilli: 1000, GPUCount: 1, GPUShare: 500}, {CPUMilli: 1000, GPUCount: 1, GPUShare: 500},
		{CPUMilli: 1000, GPUCount: 1, GPUShare: 500}, {CPUMilli: 1000},
	}, 0.95)
	f := rankedFramework(t, scheduler.NewArtifactFGD(tp), map[iog.DeviceID]int{"a": 0, "b": 1},
		gpuNode("a", "T4", 2), gpuNode("b", "T4", 2))
	pin := gpuJob("p", 1, 600)
	dev, gpus := placeJob(t, f, pin) // a tie: a, of rank 0
	require.Equal(t, iog.DeviceID("a"), dev)
	require.Equal(t, []int{0}, gpus)
	dev, gpus = placeJob(t, f, gpuJob("j", 1, 300))
	require.Equal(t, iog.DeviceID("a"), dev, "GPU 0 of a, with 400 left, lowers fragmentation most")
	require.Equal(t, []int{0}, gpus)
}

func TestArtifactExactModel(t *testing.T) {
	f := rankedFramework(t, scheduler.ArtifactBestFit{}, map[iog.DeviceID]int{}, gpuNode("v16", "V100M16", 1), gpuNode("v32", "V100M32", 1))
	j := gpuJob("j", 1, 0)
	j.Requirements.GPUModel = "V100M32|P100"
	dev, _ := placeJob(t, f, j)
	require.Equal(t, iog.DeviceID("v32"), dev)
}

func TestNewArtifactPolicy(t *testing.T) {
	tp := scheduler.NewTypicalPods(nil, 0.95)
	for _, name := range scheduler.ArtifactPolicyNames() {
		p, err := scheduler.NewArtifactPolicy(name, scheduler.ArtifactOptions{Seed: 1, Typical: tp})
		require.NoError(t, err)
		require.Equal(t, name, p.Name())
		_, ok := p.(scheduler.GPUChooser)
		require.True(t, ok, "%s chooses its GPUs", name)
	}
	_, err := scheduler.NewArtifactPolicy("fgd", scheduler.ArtifactOptions{})
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = scheduler.NewArtifactPolicy("first-fit", scheduler.ArtifactOptions{})
	require.ErrorIs(t, err, iog.ErrInvalid)
}
