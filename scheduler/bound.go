package scheduler

import (
	"cmp"
	"slices"

	"github.com/internetofgpus/iog"
)

// A policy that can bound its scores over a set of nodes lets the
// framework place a single-node job without scoring every feasible node:
// each bucket of the index keeps a tree of bounds over its nodes, in the
// bucket's order, and the search skips every subtree that cannot hold a
// better option than the best found so far (branch and bound). It is
// exact: it visits options in the order the full scan does, compares them
// by the same rule, and skips only options that provably lose.

// NodeBounds bound the state of a set of nodes: for each quantity the
// least (Min) or the most (Max) any of them has.
type NodeBounds struct {
	// MinIndex is the least Index.
	MinIndex int
	// MinFreeGPUMilli, MinFreeCPUMilli and MinFreeMemoryBytes are the
	// least free GPU (thousandths of a GPU), CPU and host memory.
	MinFreeGPUMilli, MinFreeCPUMilli, MinFreeMemoryBytes uint64
	// MinGPUs and MaxGPUs bound the number of GPUs.
	MinGPUs, MaxGPUs int
	// MinCPUMilli and MaxCPUMilli bound the CPU capacity.
	MinCPUMilli, MaxCPUMilli uint64
	// MinMemoryBytes and MaxMemoryBytes bound the host memory capacity.
	MinMemoryBytes, MaxMemoryBytes uint64

	// What the search prunes infeasible subtrees and ties with.
	maxCPU   uint64
	maxMem   uint64
	minRank  int
	maxWhole int16 // GPUs wholly free
	maxShare uint16
	live     bool // at least one node
}

// ScoreBounder is a ScorePlugin that can bound its scores: ScoreBound
// returns a number no less than the Score of any option of job on any
// node within b, as computed in floating point. The tighter the bound,
// the fewer nodes are scored; when it is the only Score plugin (of weight
// 0 or 1, without normalization) and Config.MaxCandidates is zero, the
// framework searches the index with it instead of scoring every feasible
// node, with the same result.
type ScoreBounder interface {
	ScorePlugin
	ScoreBound(st *CycleState, job *Job, b NodeBounds) float64
}

// boundsOf returns the bounds of n alone.
func boundsOf(n *NodeInfo) NodeBounds {
	gpus, cpu, mem := len(n.free), n.spec.CPUMilli, n.spec.MemoryBytes
	b := NodeBounds{MinIndex: n.idx, MinFreeGPUMilli: n.FreeGPUMilli(), MinFreeCPUMilli: n.freeCPU, MinFreeMemoryBytes: n.freeMem,
		MinGPUs: gpus, MaxGPUs: gpus, MinCPUMilli: cpu, MaxCPUMilli: cpu, MinMemoryBytes: mem, MaxMemoryBytes: mem,
		live: true, maxCPU: n.freeCPU, maxMem: n.freeMem, minRank: n.rank}
	for _, f := range n.free {
		if f == uint16(iog.FullGPU) {
			b.maxWhole++
		}
		b.maxShare = max(b.maxShare, f)
	}
	return b
}

// join returns the bounds of the union of the sets a and b bound.
func join(a, b NodeBounds) NodeBounds {
	switch {
	case !a.live:
		return b
	case !b.live:
		return a
	}
	return NodeBounds{MinIndex: min(a.MinIndex, b.MinIndex),
		MinFreeGPUMilli: min(a.MinFreeGPUMilli, b.MinFreeGPUMilli), MinFreeCPUMilli: min(a.MinFreeCPUMilli, b.MinFreeCPUMilli),
		MinFreeMemoryBytes: min(a.MinFreeMemoryBytes, b.MinFreeMemoryBytes),
		MinGPUs:            min(a.MinGPUs, b.MinGPUs), MaxGPUs: max(a.MaxGPUs, b.MaxGPUs),
		MinCPUMilli: min(a.MinCPUMilli, b.MinCPUMilli), MaxCPUMilli: max(a.MaxCPUMilli, b.MaxCPUMilli),
		MinMemoryBytes: min(a.MinMemoryBytes, b.MinMemoryBytes), MaxMemoryBytes: max(a.MaxMemoryBytes, b.MaxMemoryBytes),
		live: true, maxWhole: max(a.maxWhole, b.maxWhole), maxShare: max(a.maxShare, b.maxShare),
		maxCPU: max(a.maxCPU, b.maxCPU), maxMem: max(a.maxMem, b.maxMem), minRank: min(a.minRank, b.minRank)}
}

// mayFit reports whether a node within b may hold r.
func (b *NodeBounds) mayFit(r *iog.Requirements) bool {
	if !b.live || b.maxCPU < r.CPUMilli || b.maxMem < r.MemoryBytes {
		return false
	}
	switch share := uint16(r.Share()); {
	case r.GPUCount == 0:
		return true
	case share < uint16(iog.FullGPU):
		return b.maxShare >= share
	default:
		return int(b.maxWhole) >= r.GPUCount
	}
}

// boundTree is a segment tree of the bounds of a bucket's nodes, by
// position in the bucket: leaf i is t[size+i], node k joins 2k and 2k+1.
type boundTree struct {
	size int
	t    []NodeBounds
}

// set puts the bounds of the node at position i, growing the tree to
// hold it.
func (bt *boundTree) set(i int, b NodeBounds) {
	if i >= bt.size {
		size := max(bt.size, 4)
		for size <= i {
			size *= 2
		}
		t := make([]NodeBounds, 2*size)
		copy(t[size:], bt.t[bt.size:])
		for k := size - 1; k > 0; k-- {
			t[k] = join(t[2*k], t[2*k+1])
		}
		bt.size, bt.t = size, t
	}
	k := bt.size + i
	bt.t[k] = b
	for k /= 2; k > 0; k /= 2 {
		j := join(bt.t[2*k], bt.t[2*k+1])
		if j == bt.t[k] {
			return // so are the ancestors
		}
		bt.t[k] = j
	}
}

// clear empties position i.
func (bt *boundTree) clear(i int) {
	if i < bt.size {
		bt.set(i, NodeBounds{})
	}
}

// consistent reports whether the tree holds n leaves, each internal
// node the join of its children.
func (bt *boundTree) consistent(n int) bool {
	for i := range bt.size {
		if bt.t[bt.size+i].live != (i < n) {
			return false
		}
	}
	for k := 1; k < bt.size; k++ {
		if bt.t[k] != join(bt.t[2*k], bt.t[2*k+1]) {
			return false
		}
	}
	return n == 0 || n <= bt.size
}

// boundedSearch is one branch-and-bound search for a job's best option.
// It visits subtrees best bound first, which finds a good option early;
// since that is not the order of the full scan, each option carries its
// place in that order (seq), and ties are settled by it as the scan
// settles them by coming first.
type boundedSearch struct {
	f      *Framework
	job    *Job
	p      ScoreBounder
	ranked bool
	best   Option
	score  float64
	seq    scanSeq
	found  bool
}

// scanSeq is an option's place in the full scan's order: the bucket's
// rank among those visited, the position in the bucket, the option's
// rank on the node.
type scanSeq struct{ bucket, pos, opt int }

func (a scanSeq) before(b scanSeq) bool {
	return cmp.Or(cmp.Compare(a.bucket, b.bucket), cmp.Compare(a.pos, b.pos), cmp.Compare(a.opt, b.opt)) < 0
}

// beats reports whether an option of score s on a node of rank rank at
// seq (or, for a bound, the least rank and first seq of a subtree) may win
// over the best found: Framework.pick's rule, the higher score, then, with
// ranks, the lower rank, then the option found first.
func (s *boundedSearch) beats(score float64, rank int, seq scanSeq) bool {
	switch {
	case !s.found || score > s.score:
		return true
	case score < s.score:
		return false
	case s.ranked && rank != s.best.Node.rank:
		return rank < s.best.Node.rank
	}
	return seq.before(s.seq)
}

// subtree is a subtree of a bucket's tree with its score bound.
type subtree struct {
	bt     *boundTree
	list   []*NodeInfo
	bucket int // rank among the buckets visited
	k      int
	ub     float64
}

// first returns the place of the subtree's first leaf in the scan.
func (t subtree) first() scanSeq {
	k := t.k
	for k < t.bt.size {
		k *= 2
	}
	return scanSeq{bucket: t.bucket, pos: k - t.bt.size}
}

// open returns subtree k of t's tree with its bound, and whether it may
// hold the winner.
func (s *boundedSearch) open(t subtree, k int) (subtree, bool) {
	b := &t.bt.t[k]
	if !b.mayFit(&s.job.Requirements) {
		return t, false
	}
	t.k, t.ub = k, s.p.ScoreBound(&s.f.st, s.job, *b)
	return t, s.beats(t.ub, b.minRank, t.first())
}

// visit searches t, which may hold the winner, better child first.
func (s *boundedSearch) visit(t subtree) {
	if !s.beats(t.ub, t.bt.t[t.k].minRank, t.first()) {
		return // a sibling improved on the bound since
	}
	if t.k >= t.bt.size {
		s.leaf(t)
		return
	}
	l, lok := s.open(t, 2*t.k)
	r, rok := s.open(t, 2*t.k+1)
	if lok && rok && r.ub > l.ub {
		l, r = r, l
	}
	if !lok {
		l, lok, rok = r, rok, false
	}
	if lok {
		s.visit(l)
	}
	if rok {
		s.visit(r)
	}
}

// leaf scores the options on t's node.
func (s *boundedSearch) leaf(t subtree) {
	pos := t.k - t.bt.size
	n := t.list[pos]
	if !n.fitsCore(&s.job.Requirements) || !s.f.filtered(s.job, n) {
		return
	}
	s.f.opts = s.f.nodeOptions(s.f.opts[:0], s.job, n)
	for i, o := range s.f.opts {
		seq := scanSeq{bucket: t.bucket, pos: pos, opt: i}
		if sc := s.p.Score(&s.f.st, s.job, o); s.beats(sc, n.rank, seq) {
			s.best, s.score, s.seq, s.found = o, sc, seq, true
		}
	}
}

// bounder returns the profile's ScoreBounder when the framework may
// search with it: the only Score plugin, of weight 0 or 1, without
// normalization, every feasible node considered.
func bounder(cfg *Config) ScoreBounder {
	sc := cfg.Profile.Score
	if len(sc) != 1 || sc[0].Weight != 0 && sc[0].Weight != 1 || cfg.MaxCandidates != 0 {
		return nil
	}
	if _, ok := sc[0].Plugin.(ScoreNormalizer); ok {
		return nil
	}
	b, _ := sc[0].Plugin.(ScoreBounder)
	return b
}

// searchBounded returns the best option of a single-node job by branch and
// bound over the index, and whether there is one: the buckets that may
// hold it best bound first, each searched best bound first.
func (f *Framework) searchBounded(job *Job, p ScoreBounder) (Option, bool) {
	s := boundedSearch{f: f, job: job, p: p, ranked: f.cfg.NodeRank != nil}
	r := &job.Requirements
	roots := f.roots[:0]
	for _, g := range f.idx.groups {
		if !g.matchesGPU(r) {
			continue
		}
		bucketsFor(g, r.GPUCount, uint16(r.Share()), func(b int) bool {
			if t, ok := s.open(subtree{bt: &g.trees[b], list: g.buckets[b], bucket: len(roots)}, 1); ok {
				roots = append(roots, t)
			}
			return true
		})
	}
	slices.SortStableFunc(roots, func(a, b subtree) int { return cmp.Compare(b.ub, a.ub) })
	for _, t := range roots {
		s.visit(t)
	}
	f.roots = roots
	return s.best, s.found
}
