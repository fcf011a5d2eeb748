package sim_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler/sim"
)

// shares are a workload's totals the variant families are defined by.
type shares struct {
	gpuOfCapacity  float64 // GPU request over GPU capacity
	cpuOnlyCPU     uint64  // CPU the CPU-only tasks request
	shareOfGPUPods float64 // fractional-share tasks over GPU tasks, by count
	specOfGPUPods  float64 // model-constrained tasks over GPU tasks, by count
	multiOfGPU     float64 // multi-GPU tasks' GPU request over the GPU request
}

func sharesOf(w sim.Workload) shares {
	var gpu, multi, cpuOnly uint64
	var gpuPods, sharePods, specPods int
	for _, t := range w.Tasks {
		r := t.Job.Requirements
		gpu += r.GPUMilli()
		if r.GPUCount == 0 {
			cpuOnly += r.CPUMilli
			continue
		}
		gpuPods++
		if r.Share() < iog.FullGPU {
			sharePods++
		}
		if r.GPUModel != "" {
			specPods++
		}
		if r.GPUCount > 1 {
			multi += r.GPUMilli()
		}
	}
	return shares{gpuOfCapacity: float64(gpu) / float64(w.GPUMilli()), cpuOnlyCPU: cpuOnly,
		shareOfGPUPods: float64(sharePods) / float64(gpuPods), specOfGPUPods: float64(specPods) / float64(gpuPods),
		multiOfGPU: float64(multi) / float64(gpu)}
}

func TestVariantShares(t *testing.T) {
	w := openb(t)
	base := sharesOf(w)
	require.InDelta(t, 0.9798, base.gpuOfCapacity, 0.0001)
	modelGPUs := map[string]int{} // the most GPUs a node of each model has
	for _, n := range w.Nodes {
		modelGPUs[n.GPUModel] = max(modelGPUs[n.GPUModel], n.GPUs)
	}
	tests := []struct {
		name  string
		check func(t *testing.T, s shares)
	}{
		{"default", func(t *testing.T, s shares) { require.Equal(t, base, s) }},
		{"cpu200", func(t *testing.T, s shares) {
			require.Equal(t, base.gpuOfCapacity, s.gpuOfCapacity)
			require.GreaterOrEqual(t, s.cpuOnlyCPU, 2*base.cpuOnlyCPU)
			require.Less(t, s.cpuOnlyCPU, 2*base.cpuOnlyCPU+64000, "within one task")
		}},
		{"gpushare60", func(t *testing.T, s shares) {
			require.InDelta(t, 0.7901, s.gpuOfCapacity, 8000.0/6212000, "the description's share, within one 8-GPU task")
			require.LessOrEqual(t, s.gpuOfCapacity, 0.7901)
			require.InDelta(t, 0.60, s.shareOfGPUPods, 0.001)
		}},
		{"gpushare100", func(t *testing.T, s shares) {
			require.InDelta(t, 0.6363, s.gpuOfCapacity, 1000.0/6212000)
			require.Equal(t, 1.0, s.shareOfGPUPods)
		}},
		{"gpuspec20", func(t *testing.T, s shares) {
			require.Equal(t, base.gpuOfCapacity, s.gpuOfCapacity)
			require.InDelta(t, 0.20, s.specOfGPUPods, 0.0001)
		}},
		{"multigpu30", func(t *testing.T, s shares) {
			require.InDelta(t, 0.30, s.multiOfGPU, 0.001)
			require.InDelta(t, 1.3018, s.gpuOfCapacity, 0.01, "the description's total within 1%")
		}},
		{"multigpu50", func(t *testing.T, s shares) {
			require.InDelta(t, 0.50, s.multiOfGPU, 0.001)
			require.InDelta(t, 1.8285, s.gpuOfCapacity, 0.015)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := sim.Variant(w, tt.name)
			require.NoError(t, err)
			tt.check(t, sharesOf(v))
			again, err := sim.Variant(w, tt.name)
			require.NoError(t, err)
			require.Equal(t, v, again, "deterministic")
			ids := map[iog.JobID]bool{}
			for _, task := range v.Tasks {
				require.False(t, ids[task.Job.ID], "IDs are unique")
				ids[task.Job.ID] = true
				if r := task.Job.Requirements; r.GPUModel != "" {
					require.GreaterOrEqual(t, modelGPUs[r.GPUModel], r.GPUCount, "a node of %s can hold it", r.GPUModel)
				}
			}
		})
	}
	require.Equal(t, base, sharesOf(w), "the trace is unchanged")
}

func TestVariantErrors(t *testing.T) {
	w := openb(t)
	for _, name := range []string{"", "nope", "cpu", "cpu50", "cpu0200", "gpushare30", "gpuspec101", "multigpu5", "multigpu100", "multigpu-1"} {
		_, err := sim.Variant(w, name)
		require.ErrorIs(t, err, iog.ErrInvalid, name)
	}
	cpuOnly := sim.Workload{Nodes: w.Nodes}
	for _, task := range w.Tasks {
		if task.Job.Requirements.GPUCount == 0 {
			cpuOnly.Tasks = append(cpuOnly.Tasks, task)
		}
	}
	_, err := sim.Variant(cpuOnly, "multigpu30")
	require.ErrorIs(t, err, iog.ErrInvalid)
	require.ErrorContains(t, err, "no multi-GPU tasks")
}

// FuzzVariant: a variant's name comes from the command line; any name
// gives a variant or an ErrInvalid error, never a panic, and the trace
// stays as it was.
func FuzzVariant(f *testing.F) {
	w := openb(f)
	small := sim.Workload{Nodes: w.Nodes[:40], Tasks: w.Tasks[:300]}
	for _, name := range append(sim.VariantNames(), "", "cpu", "gpushare30", "multigpu1", "gpuspec100", "cpu+100", "multigpu099") {
		f.Add(name)
	}
	before := sharesOf(small)
	f.Fuzz(func(t *testing.T, name string) {
		v, err := sim.Variant(small, name)
		if err != nil {
			require.ErrorIs(t, err, iog.ErrInvalid)
		} else {
			require.NotEmpty(t, v.Tasks)
		}
		require.Equal(t, before, sharesOf(small))
	})
}
