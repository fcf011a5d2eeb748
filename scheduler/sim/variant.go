package sim

import (
	"cmp"
	"fmt"
	"math/rand"
	"slices"
	"strconv"
	"strings"

	"github.com/internetofgpus/iog"
)

// The FGD paper's workload families are variants of its default trace;
// the description (../shared/fgd-protocol.md §1.2) gives each family's
// total GPU request as a share of capacity but not how its traces were
// built, so Variant builds them from a trace by rules that reproduce those
// shares, deterministically (Go's math/rand v1 seeded with variantSeed,
// over the tasks sorted by ID):
//
//   - cpuX: CPU-only tasks drawn with replacement from the trace's
//     CPU-only tasks are added until the CPU-only tasks request X% of the
//     CPU they requested (X ≥ 100); the GPU request is unchanged.
//   - gpushareX: the CPU-only tasks are kept and the GPU tasks redrawn
//     from the trace's, a fractional-share one while fewer than X% of
//     those drawn are, a whole-GPU one otherwise, until the GPU request
//     reaches the family's share of capacity (X in 20, 40, 60, 80, 100).
//   - gpuspecX: X% of the GPU tasks (chosen at random, those already
//     constrained counted) are limited to one GPU model, drawn in
//     proportion to the GPUs of the nodes that could ever hold them; the
//     GPU request is unchanged.
//   - multigpuX: tasks drawn with replacement from the trace's multi-GPU
//     tasks are added until multi-GPU tasks request X% of the GPU
//     requested (X below 100 and at least the trace's share); the other
//     tasks' request is unchanged, so the total is theirs/(1 − X%): the
//     description's 1.1408, 1.3018, 1.5201 and 1.8285 of capacity for
//     20, 30, 40 and 50 within 0.7%.
//
// "default" is the trace itself.

// variantSeed seeds every variant's draws.
const variantSeed = 17

// gpuShareTotals are the gpushare family's total GPU requests as shares of
// capacity, as the description lists them.
var gpuShareTotals = map[int]float64{20: 1.0514, 40: 0.9081, 60: 0.7901, 80: 0.7096, 100: 0.6363}

// VariantNames lists one variant of each of the paper's families, in the
// order BENCHMARKS.md shows them.
func VariantNames() []string {
	return []string{"default", "cpu200", "gpushare60", "gpuspec20", "multigpu30"}
}

// Variant returns the variant of w called name (see VariantNames and the
// rules above: default, cpuX, gpushareX, gpuspecX or multigpuX). Unknown
// names, percentages a family does not take and traces without the tasks
// a family draws from are iog.ErrInvalid.
func Variant(w Workload, name string) (Workload, error) {
	if name == "default" {
		return w, nil
	}
	family, x, err := parseVariant(name)
	if err != nil {
		return Workload{}, err
	}
	rng := rand.New(rand.NewSource(variantSeed))
	tasks := slices.SortedFunc(slices.Values(w.Tasks), func(a, b Task) int { return cmp.Compare(a.Job.ID, b.Job.ID) })
	switch family {
	case "cpu":
		tasks, err = addCPUOnly(tasks, x, rng)
	case "gpushare":
		tasks, err = redrawShares(tasks, x, uint64(gpuShareTotals[x]*float64(w.GPUMilli())), rng)
	case "gpuspec":
		tasks, err = constrainModels(tasks, w, x, rng)
	case "multigpu":
		tasks, err = addMultiGPU(tasks, x, rng)
	}
	if err != nil {
		return Workload{}, fmt.Errorf("variant %s: %w", name, err)
	}
	for i := range tasks {
		if i >= len(w.Tasks) || tasks[i].Job.ID != w.Tasks[i].Job.ID {
			tasks[i].Job.ID = iog.JobID(fmt.Sprintf("%s-%s-%d", tasks[i].Job.ID, name, i))
		}
	}
	return Workload{Nodes: w.Nodes, Tasks: tasks}, nil
}

// parseVariant splits a variant name into its family and percentage,
// checking the percentage is one the family takes.
func parseVariant(name string) (string, int, error) {
	for _, family := range []string{"cpu", "gpushare", "gpuspec", "multigpu"} {
		digits, ok := strings.CutPrefix(name, family)
		if !ok {
			continue
		}
		x, err := strconv.Atoi(digits)
		_, tabulated := gpuShareTotals[x]
		switch {
		case err != nil || digits != strconv.Itoa(x):
		case family == "cpu" && x >= 100 && x <= 10000,
			family == "gpushare" && tabulated,
			family == "gpuspec" && x >= 0 && x <= 100,
			family == "multigpu" && x > 0 && x < 100:
			return family, x, nil
		}
		return "", 0, fmt.Errorf("variant %q: %s takes %s: %w", name, family, variantRange[family], iog.ErrInvalid)
	}
	return "", 0, fmt.Errorf("no variant %q; want default, cpuX, gpushareX, gpuspecX or multigpuX: %w", name, iog.ErrInvalid)
}

// variantRange says which percentages each family takes, for errors.
var variantRange = map[string]string{"cpu": "100 to 10000", "gpushare": "20, 40, 60, 80 or 100",
	"gpuspec": "0 to 100", "multigpu": "1 to 99"}

// isCPUOnly, isShare and isMultiGPU are the kinds of tasks the families
// draw from: no GPU; a fractional share of one GPU; several whole GPUs.
func isCPUOnly(t Task) bool { return t.Job.Requirements.GPUCount == 0 }
func isShare(t Task) bool {
	return t.Job.Requirements.GPUCount == 1 && t.Job.Requirements.Share() < iog.FullGPU
}
func isMultiGPU(t Task) bool { return t.Job.Requirements.GPUCount > 1 }

// pool returns the tasks of a kind, and an error naming it when there are
// none to draw from.
func pool(tasks []Task, kind string, of func(Task) bool) ([]Task, error) {
	var p []Task
	for _, t := range tasks {
		if of(t) {
			p = append(p, t)
		}
	}
	if len(p) == 0 {
		return nil, fmt.Errorf("the trace has no %s tasks to draw from: %w", kind, iog.ErrInvalid)
	}
	return p, nil
}

func addCPUOnly(tasks []Task, x int, rng *rand.Rand) ([]Task, error) {
	cpuOnly, err := pool(tasks, "CPU-only", isCPUOnly)
	if err != nil {
		return nil, err
	}
	var have uint64
	for _, t := range cpuOnly {
		have += t.Job.Requirements.CPUMilli
	}
	for target := have * uint64(x) / 100; have < target; {
		t := cpuOnly[rng.Intn(len(cpuOnly))]
		tasks = append(tasks, t)
		have += t.Job.Requirements.CPUMilli
	}
	return tasks, nil
}

func redrawShares(tasks []Task, x int, target uint64, rng *rand.Rand) ([]Task, error) {
	shares, err := pool(tasks, "fractional-share", isShare)
	if err != nil {
		return nil, err
	}
	whole, err := pool(tasks, "whole-GPU", func(t Task) bool { return t.Job.Requirements.GPUCount > 0 && !isShare(t) })
	if x < 100 && err != nil {
		return nil, err
	}
	out := slices.DeleteFunc(slices.Clone(tasks), func(t Task) bool { return !isCPUOnly(t) })
	var total uint64
	for drawn, nShare := 0, 0; ; drawn++ {
		from := whole
		if nShare*100 < x*(drawn+1) {
			from = shares
		}
		t := from[rng.Intn(len(from))]
		if total+t.Job.Requirements.GPUMilli() > target {
			return out, nil
		}
		if isShare(t) {
			nShare++
		}
		out = append(out, t)
		total += t.Job.Requirements.GPUMilli()
	}
}

func constrainModels(tasks []Task, w Workload, x int, rng *rand.Rand) ([]Task, error) {
	var gpuTasks, free []int
	for i, t := range tasks {
		if t.Job.Requirements.GPUCount == 0 {
			continue
		}
		gpuTasks = append(gpuTasks, i)
		if t.Job.Requirements.GPUModel == "" {
			free = append(free, i)
		}
	}
	rng.Shuffle(len(free), func(i, j int) { free[i], free[j] = free[j], free[i] })
	want := (len(gpuTasks)*x + 50) / 100
	for _, i := range free[:max(0, min(len(free), want-(len(gpuTasks)-len(free))))] {
		model, err := drawModel(w, tasks[i].Job.Requirements.GPUCount, rng)
		if err != nil {
			return nil, err
		}
		tasks[i].Job.Requirements.GPUModel = model
	}
	return tasks, nil
}

// drawModel draws a GPU model in proportion to the GPUs of the nodes of
// that model with at least gpus GPUs.
func drawModel(w Workload, gpus int, rng *rand.Rand) (string, error) {
	var models []string
	var upTo []int // cumulative GPUs, by node of models
	total := 0
	for _, n := range w.Nodes {
		if n.GPUs >= gpus && n.GPUModel != "" {
			total += n.GPUs
			models, upTo = append(models, n.GPUModel), append(upTo, total)
		}
	}
	if total == 0 {
		return "", fmt.Errorf("no node of a named model has %d GPUs: %w", gpus, iog.ErrInvalid)
	}
	i, _ := slices.BinarySearch(upTo, rng.Intn(total)+1)
	return models[i], nil
}

func addMultiGPU(tasks []Task, x int, rng *rand.Rand) ([]Task, error) {
	multi, err := pool(tasks, "multi-GPU", isMultiGPU)
	if err != nil {
		return nil, err
	}
	var multiMilli, total uint64
	for _, t := range tasks {
		total += t.Job.Requirements.GPUMilli()
		if isMultiGPU(t) {
			multiMilli += t.Job.Requirements.GPUMilli()
		}
	}
	if multiMilli*100 > uint64(x)*total {
		return nil, fmt.Errorf("multi-GPU tasks already request %.1f%% of the GPU: %w", 100*float64(multiMilli)/float64(total), iog.ErrInvalid)
	}
	for multiMilli*100 < uint64(x)*total {
		t := multi[rng.Intn(len(multi))]
		tasks = append(tasks, t)
		multiMilli += t.Job.Requirements.GPUMilli()
		total += t.Job.Requirements.GPUMilli()
	}
	return tasks, nil
}
