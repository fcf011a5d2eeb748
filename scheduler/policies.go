package scheduler

import (
	"fmt"
	"math/rand/v2"

	"github.com/internetofgpus/iog"
)

// The policies are score plugins: each rates an Option (a node and, for a
// fractional share, a GPU), higher being better. Where a policy says
// nothing about which GPU of a node to use, it prefers the tightest GPU
// (least free share that still holds the task), by a tie-breaking term too
// small to change the choice of node.

// tieGPU is the tie-breaking term preferring the tightest GPU.
func tieGPU(o Option) float64 {
	if o.GPU < 0 {
		return 0
	}
	return -float64(o.Node.free[o.GPU]) * 1e-9
}

// afterFree returns the free GPU, CPU and memory fractions of a node after
// the option is taken (each 0 to 1; 0 when the node has none of it).
func afterFree(r *iog.Requirements, o Option) (gpu, cpu, mem float64) {
	n := o.Node
	if g := len(n.free); g > 0 {
		left := n.FreeGPUMilli() - r.GPUMilli()
		gpu = float64(left) / float64(g*int(iog.FullGPU))
	}
	if n.spec.CPUMilli > 0 {
		cpu = float64(n.freeCPU-r.CPUMilli) / float64(n.spec.CPUMilli)
	}
	if n.spec.MemoryBytes > 0 {
		mem = float64(n.freeMem-r.MemoryBytes) / float64(n.spec.MemoryBytes)
	}
	return gpu, cpu, mem
}

// Random scores options at random from a seeded source: the baseline.
type Random struct{ rng *rand.Rand }

// NewRandom returns a Random policy drawing from seed.
func NewRandom(seed uint64) *Random { return &Random{rng: rand.New(rand.NewPCG(seed, 0x10c))} }

// Name returns "random".
func (*Random) Name() string { return "random" }

// Score returns a uniform random number.
func (p *Random) Score(_ *CycleState, _ *Job, _ Option) float64 { return p.rng.Float64() }

// FirstFit prefers the node added first and, within it, the lowest GPU.
type FirstFit struct{}

// Name returns "first-fit".
func (FirstFit) Name() string { return "first-fit" }

// Score is minus the node's index (and GPU).
func (FirstFit) Score(_ *CycleState, _ *Job, o Option) float64 {
	return -float64(o.Node.idx)*float64(maxGPUsPerNode+1) - float64(max(o.GPU, 0))
}

// ScoreBound is minus the least index of b's nodes: no option on them
// scores more.
func (FirstFit) ScoreBound(_ *CycleState, _ *Job, b NodeBounds) float64 {
	return -float64(b.MinIndex) * float64(maxGPUsPerNode+1)
}

// BestFit prefers the node with the least resources left after the
// placement: the sum of its free GPU, CPU and memory fractions.
type BestFit struct{}

// Name returns "best-fit".
func (BestFit) Name() string { return "best-fit" }

// Score is minus what the node has left.
func (BestFit) Score(_ *CycleState, job *Job, o Option) float64 {
	g, c, m := afterFree(&job.Requirements, o)
	return -(g + c + m) + tieGPU(o)
}

// ScoreBound is minus the least each of b's nodes can have left: the
// least free over the largest capacity, zero where a node has none, as
// afterFree computes it, so that nodes alike reach their bound.
func (BestFit) ScoreBound(_ *CycleState, job *Job, b NodeBounds) float64 {
	r := &job.Requirements
	var g, c, m float64
	if b.MinGPUs > 0 {
		g = leftOver(b.MinFreeGPUMilli, r.GPUMilli(), uint64(b.MaxGPUs)*uint64(iog.FullGPU))
	}
	if b.MinCPUMilli > 0 {
		c = leftOver(b.MinFreeCPUMilli, r.CPUMilli, b.MaxCPUMilli)
	}
	if b.MinMemoryBytes > 0 {
		m = leftOver(b.MinFreeMemoryBytes, r.MemoryBytes, b.MaxMemoryBytes)
	}
	return -(g + c + m)
}

// leftOver is the fraction of capacity left when used is taken from
// free, zero when it does not fit.
func leftOver(free, used, capacity uint64) float64 {
	if free < used {
		return 0
	}
	return float64(free-used) / float64(capacity)
}

// DotProduct prefers the node whose free resources align best with the
// task's demand (Tetris): the dot product of the demand and free vectors,
// each dimension a fraction of the node's capacity.
type DotProduct struct{}

// Name returns "dot-product".
func (DotProduct) Name() string { return "dot-product" }

// Score is the dot product of demand and free vectors.
func (DotProduct) Score(_ *CycleState, job *Job, o Option) float64 {
	r, n := &job.Requirements, o.Node
	var s float64
	if g := len(n.free); g > 0 {
		c := float64(g * int(iog.FullGPU))
		s += float64(r.GPUMilli()) / c * float64(n.FreeGPUMilli()) / c
	}
	if c := float64(n.spec.CPUMilli); c > 0 {
		s += float64(r.CPUMilli) / c * float64(n.freeCPU) / c
	}
	if c := float64(n.spec.MemoryBytes); c > 0 {
		s += float64(r.MemoryBytes) / c * float64(n.freeMem) / c
	}
	return s + tieGPU(o)
}

// GPUPacking prefers a GPU already partly used, then a node already partly
// used, then an idle node; within each, the node with least GPU left.
type GPUPacking struct{}

// Name returns "gpu-packing".
func (GPUPacking) Name() string { return "gpu-packing" }

// Score is the tier (3, 2 or 1) plus the used GPU fraction.
func (GPUPacking) Score(_ *CycleState, job *Job, o Option) float64 {
	n := o.Node
	tier := 1.0
	switch {
	case o.GPU >= 0 && n.free[o.GPU] < uint16(iog.FullGPU):
		tier = 3
	case len(n.jobs) > 0:
		tier = 2
	}
	g, _, _ := afterFree(&job.Requirements, o)
	return tier + (1-g)*0.5 + tieGPU(o)
}

// GPUClustering keeps tasks of the same GPU share together: it prefers
// the node with the most resident tasks of the job's share, then the
// GPU-packing order.
type GPUClustering struct{}

// Name returns "gpu-clustering".
func (GPUClustering) Name() string { return "gpu-clustering" }

// Score is the number of same-share residents, then GPUPacking's score.
func (GPUClustering) Score(st *CycleState, job *Job, o Option) float64 {
	share := job.Requirements.Share()
	same := 0
	for _, e := range o.Node.jobs {
		if e.job.Requirements.Share() == share && e.job.Requirements.GPUCount > 0 {
			same++
		}
	}
	return float64(same)*10 + GPUPacking{}.Score(st, job, o)
}

// Spread keeps load even: it prefers the node with the most left free
// after the placement, in the least loaded region.
type Spread struct{}

// Name returns "spread".
func (Spread) Name() string { return "spread" }

// Score is the node's free fraction after placement plus its region's
// free fraction, equally weighted.
func (Spread) Score(_ *CycleState, job *Job, o Option) float64 {
	g, c, m := afterFree(&job.Requirements, o)
	free := (c + m) / 2
	if len(o.Node.free) > 0 {
		free = g
	}
	return free + (1 - o.Node.RegionUtilization()) - tieGPU(o)
}

// Reliable prefers the most reliable nodes (see NodeInfo.Reliability); it
// is meant to be weighted beside a placement policy.
type Reliable struct{}

// Name returns "reliability".
func (Reliable) Name() string { return "reliability" }

// Score is the node's reliability.
func (Reliable) Score(_ *CycleState, _ *Job, o Option) float64 { return o.Node.Reliability() }

// PolicyOptions are what some policies need.
type PolicyOptions struct {
	// Seed seeds the random policy.
	Seed uint64
	// Distribution is FGD's typical task mix; nil starts an empty one,
	// which the caller feeds with TaskDistribution.Observe.
	Distribution *TaskDistribution
	// Price prices a node for the cost-aware policy; required by it.
	Price PriceFunc
}

// PolicyNames lists the policies NewPolicy knows, in the order the
// benchmarks report them.
func PolicyNames() []string {
	return []string{"random", "first-fit", "best-fit", "dot-product", "gpu-packing", "gpu-clustering", "spread", "cost-aware", "fgd", FGDOnlineName}
}

// NewPolicy returns the named policy. Problems are iog.ErrInvalid.
func NewPolicy(name string, opts PolicyOptions) (ScorePlugin, error) {
	switch name {
	case "random":
		return NewRandom(opts.Seed), nil
	case "first-fit":
		return FirstFit{}, nil
	case "best-fit":
		return BestFit{}, nil
	case "dot-product":
		return DotProduct{}, nil
	case "gpu-packing":
		return GPUPacking{}, nil
	case "gpu-clustering":
		return GPUClustering{}, nil
	case "spread":
		return Spread{}, nil
	case "cost-aware":
		if opts.Price == nil {
			return nil, fmt.Errorf("scheduler: the cost-aware policy needs a price function: %w", iog.ErrInvalid)
		}
		return &CostAware{Price: opts.Price}, nil
	case "fgd":
		d := opts.Distribution
		if d == nil {
			d = NewTaskDistribution(0)
		}
		return NewFGD(d), nil
	case FGDOnlineName:
		return NewFGDOnline(0.95), nil
	}
	return nil, fmt.Errorf("scheduler: no policy %q; known: %v: %w", name, PolicyNames(), iog.ErrInvalid)
}

// ProfileOf returns a profile that scores with p alone, with p as a filter
// too when it is one (as CostAware is), as a pre-filter when it is one
// (FGDOnline learns the workload there), choosing the GPU of a share when
// p is a GPUChooser, and preemption.
func ProfileOf(p ScorePlugin) Profile {
	prof := Profile{Score: []WeightedScore{{Plugin: p}}, PostFilter: Preemption{}}
	if fp, ok := p.(FilterPlugin); ok {
		prof.Filter = []FilterPlugin{fp}
	}
	if c, ok := p.(GPUChooser); ok {
		prof.GPUChoice = c
	}
	if pf, ok := p.(PreFilterPlugin); ok {
		prof.PreFilter = []PreFilterPlugin{pf}
	}
	return prof
}
