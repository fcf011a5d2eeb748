package scheduler

import (
	"github.com/internetofgpus/iog"
)

// TaskShape is a kind of task by what it asks of one node.
type TaskShape struct {
	// GPUModel is the GPU model asked for; "" for any (or no GPU).
	GPUModel string
	// GPUs is the number of GPUs.
	GPUs int
	// Share is the share of each GPU; FullGPU for whole GPUs.
	Share iog.GPUShare
	// CPUMilli is the CPU, in thousandths of a core.
	CPUMilli uint64
	// MemoryBytes is the host memory.
	MemoryBytes uint64
}

// ShapeOf returns the shape of a single-node request.
func ShapeOf(r iog.Requirements) TaskShape {
	s := TaskShape{GPUModel: r.GPUModel, GPUs: r.GPUCount, Share: r.Share(), CPUMilli: r.CPUMilli, MemoryBytes: r.MemoryBytes}
	if s.GPUs == 0 {
		s.Share, s.GPUModel = 0, ""
	}
	return s
}

// shapeStat is a shape with its count.
type shapeStat struct {
	TaskShape
	count int
}

// TaskDistribution is the mix of typical tasks FGD plans for: each shape's
// probability is its share of the tasks observed, over the last Window
// observations when a window is set. It is not safe for concurrent use;
// the framework calls it under its lock, and whoever feeds it must do so
// between scheduling cycles.
type TaskDistribution struct {
	window int
	ring   []int // shape index of each observation in the window
	next   int
	shapes []shapeStat
	index  map[TaskShape]int
	total  int
	gen    uint64   // bumped on every change
	masks  [][]bool // by model group id: which shapes its GPUs suit
	memo   stateMemo
	memoAt uint64 // gen the memo is for
}

// NewTaskDistribution returns an empty distribution remembering the last
// window observations; zero remembers them all.
func NewTaskDistribution(window int) *TaskDistribution {
	return &TaskDistribution{window: max(window, 0), index: map[TaskShape]int{}}
}

// Observe adds one task to the mix. A gang is best observed as one
// member's worth: GPUCount 1 with its per-GPU CPU and memory.
func (d *TaskDistribution) Observe(r iog.Requirements) {
	s := ShapeOf(r)
	i, ok := d.index[s]
	if !ok {
		i = len(d.shapes)
		d.index[s] = i
		d.shapes = append(d.shapes, shapeStat{TaskShape: s})
	}
	d.shapes[i].count++
	d.total++
	d.gen++
	if d.window == 0 {
		return
	}
	if len(d.ring) < d.window {
		d.ring = append(d.ring, i)
		return
	}
	old := d.ring[d.next]
	d.shapes[old].count--
	d.total--
	d.ring[d.next] = i
	d.next = (d.next + 1) % d.window
}

// Len returns the number of tasks in the mix.
func (d *TaskDistribution) Len() int { return d.total }

// Shapes returns the distinct shapes in the mix and their probabilities.
func (d *TaskDistribution) Shapes() ([]TaskShape, []float64) {
	var shapes []TaskShape
	var probs []float64
	for _, s := range d.shapes {
		if s.count > 0 {
			shapes = append(shapes, s.TaskShape)
			probs = append(probs, float64(s.count)/float64(d.total))
		}
	}
	return shapes, probs
}

// mask returns which shapes may use GPUs of group g.
func (d *TaskDistribution) mask(g *modelGroup) []bool {
	if g.id >= len(d.masks) {
		d.masks = append(d.masks, make([][]bool, g.id+1-len(d.masks))...)
	}
	m := d.masks[g.id]
	for i := len(m); i < len(d.shapes); i++ {
		s := &d.shapes[i]
		r := iog.Requirements{GPUModel: s.GPUModel, GPUCount: s.GPUs}
		m = append(m, s.GPUs == 0 || g.matchesGPU(&r))
	}
	d.masks[g.id] = m
	return m
}

// fragView is a node's free resources, real or as they would be.
type fragView struct {
	group    *modelGroup
	free     []uint16
	cpu, mem uint64
}

// frag returns the expected GPU fragment of v, in thousandths of a GPU,
// over the mix: for each typical task, all of v's free GPU capacity if the
// task cannot fit on the node (CPU, memory, GPU model or GPUs), else the
// free shares of the GPUs whose free share is smaller than the task's
// per-GPU demand; weighted by the task's probability.
func (d *TaskDistribution) frag(v fragView) float64 {
	if d.total == 0 || len(v.free) == 0 {
		return 0
	}
	var totalFree uint64
	for _, f := range v.free {
		totalFree += uint64(f)
	}
	if totalFree == 0 {
		return 0
	}
	var sum float64
	mask := d.mask(v.group)
	for i := range d.shapes {
		s := &d.shapes[i]
		if s.count == 0 {
			continue
		}
		var f uint64
		switch {
		case s.CPUMilli > v.cpu || s.MemoryBytes > v.mem || !mask[i] || !gpuFits(v.free, s.GPUs, uint16(s.Share)):
			f = totalFree
		case s.GPUs == 0:
			f = 0
		default:
			for _, fr := range v.free {
				if fr < uint16(s.Share) {
					f += uint64(fr)
				}
			}
		}
		sum += float64(s.count) * float64(f)
	}
	return sum / float64(d.total)
}

// Fragmentation returns the expected GPU fragment of n over the mix, in
// thousandths of a GPU (see FGD). A node that is down counts as wholly
// fragmented.
func (d *TaskDistribution) Fragmentation(n *NodeInfo) float64 {
	if !n.up {
		return float64(n.FreeGPUMilli())
	}
	return d.lookup(fragView{group: n.group, free: n.free, cpu: n.freeCPU, mem: n.freeMem})
}

// FGD is fragmentation gradient descent (Weng et al., ATC '23): it places
// each task on the node, and the GPUs within it, whose fragmentation (see
// TaskDistribution.Fragmentation) grows least. Its score is minus that
// growth. The distribution is the caller's to feed; FGD caches node
// fragmentation until the node or the distribution changes.
//
// Ties are common (most typical tasks fit most nodes, so many options
// leave the expected fragment unchanged); they go to the best fit
// (BestFit's score, scaled by fgdTieBreak so that it never outweighs a
// real difference in growth). Left to the index's order instead, FGD
// allocates about 1.7 points less of the openb cluster (BENCHMARKS.md).
type FGD struct {
	dist    *TaskDistribution
	before  []fgdCached // by node index
	scratch []uint16
}

type fgdCached struct {
	version uint64
	gen     uint64
	valid   bool
	frag    float64
}

// NewFGD returns an FGD policy planning for the mix d.
func NewFGD(d *TaskDistribution) *FGD { return &FGD{dist: d} }

// Name returns "fgd".
func (*FGD) Name() string { return "fgd" }

// Distribution returns the mix FGD plans for.
func (p *FGD) Distribution() *TaskDistribution { return p.dist }

// Score is minus the growth of the node's fragmentation.
func (p *FGD) Score(_ *CycleState, job *Job, o Option) float64 {
	n, r, d := o.Node, &job.Requirements, p.dist
	if n.slot >= len(p.before) {
		p.before = append(p.before, make([]fgdCached, n.slot+1-len(p.before))...)
	}
	c := &p.before[n.slot]
	if !c.valid || c.version != n.version || c.gen != d.gen {
		*c = fgdCached{version: n.version, gen: d.gen, valid: true,
			frag: d.lookup(fragView{group: n.group, free: n.free, cpu: n.freeCPU, mem: n.freeMem})}
	}
	p.scratch = append(p.scratch[:0], n.free...)
	if r.GPUCount > 0 {
		if o.GPU >= 0 {
			p.scratch[o.GPU] -= uint16(r.Share())
		} else {
			left := r.GPUCount
			for g, f := range p.scratch {
				if left > 0 && f == uint16(iog.FullGPU) {
					p.scratch[g] = 0
					left--
				}
			}
		}
	}
	after := d.lookup(fragView{group: n.group, free: p.scratch, cpu: n.freeCPU - r.CPUMilli, mem: n.freeMem - r.MemoryBytes})
	return -(after - c.frag) + fgdTieBreak*BestFit{}.Score(nil, job, o)
}

// fgdTieBreak scales the best-fit tie-break of FGD. BestFit's score lies
// within [-3, 0], so the term is below 3e-8 of a thousandth of a GPU,
// while two different growths differ by at least a task's probability
// times a thousandth (1.2e-4 on openb).
const fgdTieBreak = 1e-8

// lookup returns the fragmentation of v, memoized by the view's contents
// until the mix changes.
func (d *TaskDistribution) lookup(v fragView) float64 {
	if d.memoAt != d.gen {
		d.memoAt = d.gen
		d.memo.reset()
	}
	if f, ok := d.memo.find(uint64(v.group.id), "", v.cpu, v.mem, v.free); ok {
		return f
	}
	f := d.frag(v)
	d.memo.keep(f)
	return f
}
