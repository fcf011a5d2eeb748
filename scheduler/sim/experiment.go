package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler"
)

// Inflate returns the task list of the FGD paper's fragmentation
// experiment: tasks sampled from tasks (seeded, with replacement) until
// their total GPU request reaches factor times capacity (in thousandths of
// a GPU), then shuffled (seeded). Sampled tasks get distinct IDs
// ("<id>.<n>"). Problems are iog.ErrInvalid.
func Inflate(tasks []Task, capacity uint64, factor float64, seed uint64) ([]Task, error) {
	var demand uint64
	for _, t := range tasks {
		demand += t.Job.Requirements.GPUMilli()
	}
	switch {
	case !(factor > 0 && factor <= 100):
		return nil, fmt.Errorf("inflate: factor %v: want more than 0 and at most 100: %w", factor, iog.ErrInvalid)
	case demand == 0 || capacity == 0:
		return nil, fmt.Errorf("inflate: no GPU capacity or no GPU demand to sample: %w", iog.ErrInvalid)
	}
	target := uint64(factor * float64(capacity))
	rng := rand.New(rand.NewPCG(seed, 0xf6d))
	var out []Task
	var total uint64
	for n := 0; total < target; n++ {
		t := tasks[rng.IntN(len(tasks))]
		t.Job.ID = iog.JobID(fmt.Sprintf("%s.%d", t.Job.ID, n))
		total += t.Job.Requirements.GPUMilli()
		out = append(out, t)
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out, nil
}

// Point is one row of the fragmentation experiment: when ArrivedPct
// percent of the GPU capacity has been requested, the share of capacity
// allocated and the share fragmented, in percent.
type Point struct {
	// ArrivedPct is the GPU capacity requested so far, in percent.
	ArrivedPct int
	// AllocPct is the GPU capacity allocated, in percent.
	AllocPct float64
	// FragPct is the expected GPU fragmentation, in percent of capacity.
	FragPct float64
}

// Experiment is the FGD paper's fragmentation experiment on a workload.
type Experiment struct {
	// Workload gives the nodes and the tasks to sample; its task mix is
	// the typical-task distribution of FGD and of the fragmentation
	// metric.
	Workload Workload
	// Policy names a scheduler policy (scheduler.PolicyNames), or is
	// empty when Plugin is given.
	Policy string
	// Plugin is a policy of one's own; it takes precedence over Policy.
	Plugin scheduler.ScorePlugin
	// Seed seeds the sampling, the shuffle and the random policy.
	Seed uint64
	// Inflate is the multiple of GPU capacity to request; zero is 1.3.
	Inflate float64
	// Price prices nodes for the cost-aware policy; nil prices every GPU
	// the same (one dollar an hour per GPU).
	Price scheduler.PriceFunc
	// Protocol is how the experiment is run; the zero Protocol is
	// DefaultProtocol.
	Protocol Protocol
}

// protocol returns the experiment's protocol, the default for the zero one.
func (e Experiment) protocol() Protocol {
	if e.Protocol == (Protocol{}) {
		return DefaultProtocol
	}
	return e.Protocol
}

// Run schedules the inflated tasks one at a time in arrival order, with no
// departures (a task that does not fit is dropped), and returns a point for
// every whole percent of capacity that has arrived, from 0 to Inflate×100,
// as the protocol orders, tunes and measures.
func (e Experiment) Run(ctx context.Context) ([]Point, error) {
	pr := e.protocol()
	factor := e.Inflate
	if factor == 0 {
		factor = 1.3
	}
	capacity := e.Workload.GPUMilli()
	tasks, ranks, err := pr.Arrivals(e.Workload, factor, e.Seed)
	if err != nil {
		return nil, err
	}
	dist := e.Workload.Distribution()
	plugin := e.Plugin
	if plugin == nil {
		price := e.Price
		if price == nil {
			price = FlatPrice
		}
		if plugin, err = pr.policy(e.Policy, e.Seed, e.Workload, dist, price); err != nil {
			return nil, err
		}
	}
	f, err := newPolicyFramework(plugin, ranks, e.Workload.Nodes)
	if err != nil {
		return nil, err
	}
	last := int(factor*100 + 1e-9)
	var points []Point
	var arrived, used uint64
	var bk *buckets
	if pr.Bucketed {
		bk = newBuckets(capacity, last)
	}
	next := 0
	record := func() {
		alloc, frag := allocAndFrag(f, dist)
		for next <= last && arrived*100 >= uint64(next)*capacity {
			points = append(points, Point{ArrivedPct: next, AllocPct: 100 * float64(alloc) / float64(capacity), FragPct: 100 * frag / float64(capacity)})
			next++
		}
	}
	record()
	for _, t := range tasks {
		if err := ctx.Err(); err != nil {
			return points, fmt.Errorf("experiment stopped: %w", err)
		}
		if err := f.Submit(t.Job); err != nil {
			return points, fmt.Errorf("experiment: %w", err)
		}
		if _, err := f.Schedule(ctx); err != nil {
			return points, err
		}
		if p, placed := f.Placement(t.Job.ID); placed {
			used += p.GPUMilli()
		} else if err := f.Cancel(t.Job.ID); err != nil {
			return points, err
		}
		arrived += t.Job.Requirements.GPUMilli()
		if bk != nil {
			bk.add(arrived, used)
		}
		if arrived*100 >= uint64(next)*capacity {
			record()
		}
	}
	if bk != nil {
		return bk.points(points, last, f, dist, capacity), nil
	}
	return points, nil
}

// points returns the points of a bucketed run: the allocation from the
// buckets, for every percent up to last that a task arrived within one
// percent of, and the fragmentation recorded when it first arrived (or
// at the end, when it never did).
func (b *buckets) points(recorded []Point, last int, f *scheduler.Framework, dist *scheduler.TaskDistribution, capacity uint64) []Point {
	var out []Point
	for x := 0; x <= last; x++ {
		alloc, ok := b.at(x)
		if !ok {
			break
		}
		p := Point{ArrivedPct: x, AllocPct: alloc}
		if x < len(recorded) {
			p.FragPct = recorded[x].FragPct
		} else {
			_, frag := allocAndFrag(f, dist)
			p.FragPct = 100 * frag / float64(capacity)
		}
		out = append(out, p)
	}
	return out
}

// newPolicyFramework builds a Framework scoring with plugin alone,
// without preemption, ties broken by ranks when there are any, with the
// nodes added.
func newPolicyFramework(plugin scheduler.ScorePlugin, ranks map[iog.DeviceID]int, nodes []scheduler.Node) (*scheduler.Framework, error) {
	prof := scheduler.ProfileOf(plugin)
	prof.PostFilter = nil // no departures: a task that does not fit is dropped, it evicts nothing
	cfg := scheduler.Config{Clock: iog.NewManualClock(epoch), Profile: prof, Logger: quiet}
	if ranks != nil {
		cfg.NodeRank = func(n scheduler.Node) int { return ranks[n.ID] }
	}
	f := scheduler.NewFramework(cfg)
	for _, n := range nodes {
		if err := f.AddNode(n); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// FlatPrice prices every GPU at one dollar an hour and a CPU-only
// placement at nothing: the default of the cost-aware policy here.
func FlatPrice(_ *scheduler.NodeInfo, gpuMilli uint64) (iog.Amount, error) {
	return iog.NewAmount(int64(gpuMilli)*100_000, iog.USD), nil // 10^8 units = 1 USD per 1000 milli
}

// allocAndFrag returns the allocated GPU capacity and the expected
// fragmentation of the up nodes, both in thousandths of a GPU.
func allocAndFrag(f *scheduler.Framework, dist *scheduler.TaskDistribution) (uint64, float64) {
	var alloc uint64
	var frag float64
	f.VisitNodes(func(n *scheduler.NodeInfo) {
		if !n.Up() {
			return
		}
		alloc += uint64(n.GPUs())*uint64(iog.FullGPU) - n.FreeGPUMilli()
		frag += dist.Fragmentation(n)
	})
	return alloc, frag
}

// runSeeds runs e for seeds seeds from its protocol's FirstSeed on, on
// GOMAXPROCS workers (each run is independent and reads the workload
// only), and returns the points of each seed in order, up to the first
// that failed, and that failure.
func (e Experiment) runSeeds(ctx context.Context, seeds int) ([][]Point, error) {
	first := max(e.protocol().FirstSeed, 1)
	runs, errs := make([][]Point, max(seeds, 0)), make([]error, max(seeds, 0))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), seeds) {
		wg.Go(func() {
			for i := range next {
				run := e
				run.Seed = first + uint64(i)
				runs[i], errs[i] = run.Run(ctx)
			}
		})
	}
	for i := range seeds {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return runs[:i], err
		}
	}
	return runs, nil
}

// Summary condenses the runs of an experiment over several seeds: the
// mean and the range of the allocation at the given arrival percentages.
type Summary struct {
	// Policy is the policy run.
	Policy string
	// Seeds is the number of seeds run.
	Seeds    int
	At       []int       // arrival percentages
	Mean     []float64   // mean allocation % at each
	Min, Max []float64   // range over seeds
	Runs     [][]float64 // allocation % by seed, then by At
}

// Summarize runs e for seeds seeds from its protocol's FirstSeed on and
// summarizes the allocation at
// the arrival percentages at.
func (e Experiment) Summarize(ctx context.Context, seeds int, at []int) (Summary, error) {
	s := Summary{Policy: e.Policy, Seeds: seeds, At: slices.Clone(at)}
	if e.Plugin != nil {
		s.Policy = e.Plugin.Name()
		if seeds > 1 {
			return s, fmt.Errorf("summarize: a stateful plugin cannot be reused across seeds; use Policy: %w", iog.ErrInvalid)
		}
	}
	runs, err := e.runSeeds(ctx, seeds)
	for _, points := range runs {
		row := make([]float64, len(at))
		for i, pct := range at {
			if pct < 0 || pct >= len(points) {
				return s, fmt.Errorf("summarize: no point at %d%% arrived: %w", pct, iog.ErrInvalid)
			}
			row[i] = points[pct].AllocPct
		}
		s.Runs = append(s.Runs, row)
	}
	if err != nil {
		return s, err
	}
	for i := range at {
		var sum float64
		lo, hi := s.Runs[0][i], s.Runs[0][i]
		for _, r := range s.Runs {
			sum += r[i]
			lo, hi = min(lo, r[i]), max(hi, r[i])
		}
		s.Mean = append(s.Mean, sum/float64(len(s.Runs)))
		s.Min, s.Max = append(s.Min, lo), append(s.Max, hi)
	}
	return s, nil
}
