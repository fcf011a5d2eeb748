package scheduler_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler"
)

func TestFGDOnlinePlacesCPUOnlyPodsWhereGPUsAreBusy(t *testing.T) {
	// a (rank 0) has 2 free GPUs; b (rank 1) has 4, which a 4-GPU pod,
	// which only b can hold, takes. The typical pods so far are that pod
	// and the CPU-only one (P ½ each). The CPU-only pod's 1000 milli-CPU
	// pushes neither off a node, so FGD scores both nodes 50 (no change):
	// the artifact's rank sends it to a, FGDOnline's tie-break to b,
	// 50.999 against 50 + 0.999·(1 − 2000/8001) = 50.749, where its CPU
	// strands no GPU.
	nodes := []scheduler.Node{gpuNode("a", "T4", 2), gpuNode("b", "T4", 4)}
	ranks := map[iog.DeviceID]int{"a": 0, "b": 1}
	big, cpuOnly := gpuJob("big", 4, 0), scheduler.Job{ID: "cpu", Requirements: iog.Requirements{CPUMilli: 1000, MemoryBytes: 1 << 30}}
	typical := scheduler.NewTypicalPods([]iog.Requirements{big.Requirements, cpuOnly.Requirements}, 0.95)
	tests := []struct {
		name string
		p    scheduler.ScorePlugin
		want iog.DeviceID
	}{
		{"the artifact's fgd: the lowest rank", scheduler.NewArtifactFGD(typical), "a"},
		{"fgd-online: the node without idle GPU", scheduler.NewFGDOnline(0.95), "b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := rankedFramework(t, tc.p, ranks, nodes...)
			dev, _ := placeJob(t, f, big)
			require.Equal(t, iog.DeviceID("b"), dev)
			dev, _ = placeJob(t, f, cpuOnly)
			require.Equal(t, tc.want, dev)
		})
	}
}

func TestFGDOnlineKeepsFGDForGPUPods(t *testing.T) {
	// The worked case of TestArtifactFGDPrefersLeastGrowth, learnt from
	// the arrivals: after a 600 share on GPU 0 of a, a 300 share goes
	// onto its 400 left, which lowers fragmentation most, as FGD's does.
	f := rankedFramework(t, scheduler.NewFGDOnline(0.95), map[iog.DeviceID]int{"a": 0, "b": 1},
		gpuNode("a", "T4", 2), gpuNode("b", "T4", 2))
	dev, gpus := placeJob(t, f, gpuJob("p", 1, 600))
	require.Equal(t, iog.DeviceID("a"), dev)
	require.Equal(t, []int{0}, gpus)
	dev, gpus = placeJob(t, f, gpuJob("j", 1, 300))
	require.Equal(t, iog.DeviceID("a"), dev)
	require.Equal(t, []int{0}, gpus)
}

func TestFGDOnlineRefusesOtherModels(t *testing.T) {
	f := rankedFramework(t, scheduler.NewFGDOnline(0.95), nil, gpuNode("a", "T4", 2), gpuNode("b", "V100M16", 2))
	job := gpuJob("j", 1, 0)
	job.Requirements.GPUModel = "V100M16|V100M32"
	dev, _ := placeJob(t, f, job)
	require.Equal(t, iog.DeviceID("b"), dev)
}

func TestFGDOnlineIsAPolicy(t *testing.T) {
	require.Contains(t, scheduler.PolicyNames(), scheduler.FGDOnlineName)
	p, err := scheduler.NewPolicy(scheduler.FGDOnlineName, scheduler.PolicyOptions{})
	require.NoError(t, err)
	require.Equal(t, "fgd-online", p.Name())
	prof := scheduler.ProfileOf(p)
	require.Len(t, prof.PreFilter, 1, "it learns the arrivals in PreFilter")
	require.NotNil(t, prof.GPUChoice)
	require.Len(t, prof.Filter, 1)
}
