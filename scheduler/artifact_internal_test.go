package scheduler

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

// The vectors below are the worked examples of the artifact's description
// (../shared/fgd-protocol.md §6–§7), and cases worked by hand from its
// formulas.

func TestArtifactDotProductScore(t *testing.T) {
	tests := []struct {
		name             string
		cpuLeft, gpuLeft uint64
		cpu, gpu         uint64
		want             int64
	}{
		{"empty 8-GPU 96-core node, 11300 m and 1 GPU (§6.2)", 96000, 8000, 11300, 1000, 90},
		{"empty 2-GPU 64-core node, 11300 m and 1 GPU (§6.2)", 64000, 2000, 11300, 1000, 96},
		{"CPU-only pod: ⌊100·(1 − 0.75·0.0883/2)⌋", 96000, 8000, 11300, 0, 96},
		{"nothing left scores 100", 0, 0, 11300, 1000, 100},
		{"a larger product scores lower: full node, whole node's worth", 128000, 8000, 128000, 8000, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, dotProductScore(tc.cpuLeft, tc.gpuLeft, tc.cpu, tc.gpu))
		})
	}
}

func TestArtifactBestFit(t *testing.T) {
	raw := []struct {
		cpuLeft, gpuLeft, cpu, gpu uint64
		want                       int64
	}{
		{96000, 8000, 11300, 1000, 23}, // s = 84700/128000/2 + 7000/8000/2 = 0.768…
		{11300, 1000, 11300, 1000, 100},
		{64000, 2000, 0, 0, 62}, // CPU-only: 1 − (0.25 + 0.125)
	}
	for _, tc := range raw {
		require.Equal(t, tc.want, bestFitRaw(tc.cpuLeft, tc.gpuLeft, tc.cpu, tc.gpu), "%+v", tc)
	}
	norm := []struct{ in, want []float64 }{
		{[]float64{23, 50, 50}, []float64{0, 100, 100}},
		{[]float64{40, 40}, []float64{0, 0}}, // all tie: all 0
		{[]float64{10, 13, 20}, []float64{0, 30, 100}},
		{[]float64{10, 17, 13}, []float64{0, 100, 42}}, // integer division truncates
	}
	for _, tc := range norm {
		bestFitNormalize(tc.in)
		require.Equal(t, tc.want, tc.in)
	}
}

func TestArtifactGPUClusteringScore(t *testing.T) {
	tests := []struct {
		name        string
		gpuLeft     uint64
		same, other bool
		want        int64
	}{
		{"free 8-GPU node, no GPU pods: base 0 + 25", 8000, false, false, 25},
		{"free 2-GPU node, no GPU pods: base 18 + 25", 2000, false, false, 43},
		{"only the pod's tag: base 12 + 75", 4000, true, false, 87},
		{"the pod's tag and others: + 50", 4000, true, true, 62},
		{"only other tags: base alone", 4000, false, true, 12},
		{"full node of its tag", 0, true, false, 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, clusteringScore(tc.gpuLeft, tc.same, tc.other))
		})
	}
	share := iog.Requirements{GPUCount: 1, GPUShare: 500}
	whole := iog.Requirements{GPUCount: 2}
	require.Equal(t, 0, gpuTag(&share))
	require.Equal(t, 2, gpuTag(&whole))
}

func TestArtifactGPUPackingScore(t *testing.T) {
	tests := []struct {
		name string
		free []uint16
		k    int
		m    uint16
		want int64
	}{
		{"free 1-GPU node", []uint16{1000}, 1, 1000, 32},
		{"free 2-GPU node", []uint16{1000, 1000}, 1, 300, 31},
		{"free 4-GPU node", []uint16{1000, 1000, 1000, 1000}, 1, 1000, 29},
		{"free 8-GPU node", []uint16{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, 8, 1000, 25},
		{"share needing a fresh GPU on a partly used node", []uint16{0, 1000}, 1, 500, 49},
		{"share on a partly used GPU of 450: 100 − ⌊⌊450/10⌋/10⌋", []uint16{450, 1000}, 1, 300, 96},
		{"share on a partly used GPU of 305", []uint16{1000, 305}, 1, 300, 97},
		{"two whole GPUs on a partly used node", []uint16{1000, 1000, 0, 1000}, 2, 1000, 48},
		{"the tightest partly used GPU is taken first", []uint16{900, 1000, 500}, 1, 400, 95},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, packingScore(tc.free, tc.k, tc.m))
		})
	}
}

func TestAscendingGPUs(t *testing.T) {
	require.Equal(t, []int{0, 2}, ascendingGPUs([]uint16{1000, 300, 1000, 1000}, 2, 1000))
	require.Equal(t, []int{2}, ascendingGPUs([]uint16{1000, 300, 500}, 1, 400))
	require.Equal(t, []int{1, 0}, ascendingGPUs([]uint16{1000, 600}, 3, 500)) // fewer than asked: all that hold it
}

func TestModelAllowed(t *testing.T) {
	tests := []struct {
		spec, model string
		want        bool
	}{
		{"", "G2", true},
		{"|", "G2", true},
		{"V100M16|V100M32|V100M32", "V100M32", true},
		{"V100M16|V100M32", "V100", false},
		{"|T4", "T4", true},
		{"T4", "t4", false}, // exact, as the artifact compares
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, modelAllowed(tc.spec, tc.model), "%q on %q", tc.spec, tc.model)
	}
}

func TestTypicalPods(t *testing.T) {
	share := iog.Requirements{CPUMilli: 4000, GPUCount: 1, GPUShare: 500, MemoryBytes: 1 << 30}
	whole := iog.Requirements{CPUMilli: 8000, GPUCount: 1}
	cpu := iog.Requirements{CPUMilli: 2000, GPUModel: "ignored without GPUs"}
	var reqs []iog.Requirements
	for range 5 {
		reqs = append(reqs, share)
	}
	for range 3 {
		reqs = append(reqs, whole, cpu) // equal counts: larger CPU first
	}
	other := share
	other.MemoryBytes = 2 << 30 // memory is not part of the key
	reqs = append(reqs, other, iog.Requirements{CPUMilli: 1, GPUCount: 8})
	tp := NewTypicalPods(reqs, 0.95) // 6, 3, 3 of 13 cover 92%; the next crosses 95%
	require.Equal(t, []TypicalPod{
		{CPUMilli: 4000, GPUMilli: 500, GPUs: 1, P: 6.0 / 13},
		{CPUMilli: 8000, GPUMilli: 1000, GPUs: 1, P: 3.0 / 13},
		{CPUMilli: 2000, P: 3.0 / 13},
		{CPUMilli: 1, GPUMilli: 1000, GPUs: 8, P: 1.0 / 13},
	}, tp.Pods())
	require.Len(t, NewTypicalPods(reqs, 0.9).Pods(), 3)
}

func TestArtifactFrag(t *testing.T) {
	// A share pod of 500 (P 0.75) and a CPU-only pod (P 0.25).
	tp := NewTypicalPods([]iog.Requirements{
		{CPUMilli: 1000, GPUCount: 1, GPUShare: 500}, {CPUMilli: 1000, GPUCount: 1, GPUShare: 500},
		{CPUMilli: 1000, GPUCount: 1, GPUShare: 500}, {CPUMilli: 1000},
	}, 0.95)
	spec := NewTypicalPods([]iog.Requirements{{CPUMilli: 1000, GPUCount: 2, GPUModel: "T4"}}, 0.95)
	tests := []struct {
		name  string
		tp    *TypicalPods
		cpu   uint64
		free  []uint16
		model string
		want  float64
	}{
		{"empty node: only the CPU-only pod's full share", tp, 32000, []uint16{1000, 1000}, "T4", 500},
		{"a GPU too small for the share pod", tp, 32000, []uint16{400, 1000}, "T4", 0.75*400 + 0.25*1400},
		{"too little CPU: everything, for both", tp, 500, []uint16{400, 1000}, "T4", 1400},
		{"nothing idle", tp, 32000, []uint16{0, 0}, "T4", 0},
		{"model not allowed", spec, 32000, []uint16{1000, 1000}, "G2", 2000},
		{"two whole GPUs fit", spec, 32000, []uint16{1000, 1000, 300}, "T4", 300},
		{"one whole GPU lacking", spec, 32000, []uint16{1000, 700}, "T4", 1700},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.InDelta(t, tc.want, tc.tp.Frag(tc.cpu, tc.free, tc.model), 1e-9)
		})
	}
}

func TestArtifactFGDScore(t *testing.T) {
	require.Equal(t, int64(50), fgdScore(1234, 1234), "no change")
	require.Equal(t, int64(49), fgdScore(0, 1), "any increase is at most 49")
	require.Equal(t, int64(50), fgdScore(1, 0))
	require.Equal(t, int64(53), fgdScore(500, 375), "σ(0.125) = 0.531")
	require.Equal(t, int64(57), fgdScore(650, 350), "σ(0.3) = 0.574")
	require.Equal(t, int64(99), fgdScore(8000, 0))
	require.Equal(t, int64(0), fgdScore(0, 8000))
}
