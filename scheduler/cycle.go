package scheduler

import (
	"context"
	"fmt"
	"iter"
	"slices"

	"github.com/internetofgpus/iog"
)

// Schedule runs one cycle: every waiting job, in queue order, is tried
// once. Jobs that do not fit wait, without being tried again, until
// capacity is released (a cancellation, an eviction, a node coming up).
// Jobs submitted while the cycle runs wait for the next one. The lock is
// released between jobs and while Permit and Bind plugins run, so that
// other callers are not held up by a long cycle. It stops early, with the
// context's error, when ctx ends. Cycles run one at a time.
func (f *Framework) Schedule(ctx context.Context) (Report, error) {
	f.cycle.Lock()
	defer f.cycle.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inCycle = true
	last := f.lastSeq()
	var rep Report
	var later []*jobEntry
	var holder *jobEntry // a starved job holds the rest of the queue back
	var err error
	for f.queue.Len() > 0 {
		if err = ctx.Err(); err != nil {
			err = fmt.Errorf("scheduler: cycle stopped: %w", err)
			break
		}
		e := f.queue.pop()
		switch {
		case e.seq > last:
			later = append(later, e)
			f.park(e)
			continue
		case holder != nil:
			e.tried, e.cause = true, fmt.Sprintf("waits behind job %s, which has waited past the starvation limit", holder.job.ID)
			f.park(e)
			continue
		}
		out := f.attempt(ctx, e)
		if out == noFit {
			victims := f.preempt(e)
			rep.Preempted = append(rep.Preempted, victims...)
			rep.Placed = slices.DeleteFunc(rep.Placed, func(p Placement) bool { return slices.Contains(victims, p.Job) })
			if len(victims) > 0 {
				out = f.attempt(ctx, e)
			}
		}
		switch out {
		case placedNow:
			rep.Placed = append(rep.Placed, clonePlacement(e.placement))
		case noFit, refused:
			f.park(e)
			if f.starved(e) {
				holder = e
			}
		}
		f.mu.Unlock() // let other callers in between jobs
		f.mu.Lock()
	}
	f.inCycle = false
	if len(later) > 0 {
		f.parked = slices.DeleteFunc(f.parked, func(e *jobEntry) bool { return slices.Contains(later, e) })
		for _, e := range later {
			if e.state == parked && f.jobs[e.job.ID] == e {
				f.queue.push(e)
			}
		}
	}
	if f.freed {
		f.freed = false
		f.wake()
	}
	rep.Pending = f.queue.Len() + len(f.parked)
	return rep, err
}

// park sets e, which was taken from the queue, aside until capacity is
// released: among the parked jobs, as a caller between jobs of the
// cycle sees it.
func (f *Framework) park(e *jobEntry) {
	e.state = parked
	f.parked = append(f.parked, e)
}

// wake puts the parked jobs back in the queue, for capacity was
// released; during a cycle, after it.
func (f *Framework) wake() {
	if f.inCycle {
		f.freed = true
		return
	}
	for _, e := range f.parked {
		f.queue.push(e)
	}
	clear(f.parked)
	f.parked = f.parked[:0]
}

// outcome is how an attempt to place a job ended.
type outcome uint8

const (
	placedNow outcome = iota
	noFit             // no node (or set of nodes) fits: preemption may help
	refused           // a PreFilter, Reserve, Permit or Bind plugin said no
	dropped           // cancelled or back in the queue while it was binding
)

// attempt tries to place e now, running its Permit and Bind plugins, if
// any, without the lock.
func (f *Framework) attempt(ctx context.Context, e *jobEntry) outcome {
	out, b := f.scheduleOne(e)
	if b != nil {
		out = f.bindUnlocked(ctx, b)
	}
	return out
}

// scheduleOne decides where e goes and reserves it there. With Permit or
// Bind plugins to run it returns the binding to complete.
func (f *Framework) scheduleOne(e *jobEntry) (outcome, *pendingBind) {
	f.st.reset(f.clock.Now())
	if e.job.Gang {
		f.st.GangRTT = f.latencyBound(&e.job.Requirements)
	}
	e.tried = true
	for _, p := range f.cfg.Profile.PreFilter {
		if err := p.PreFilter(&f.st, &e.job); err != nil {
			e.cause = fmt.Sprintf("%s refused it: %v", p.Name(), err)
			return refused, nil
		}
	}
	var nodes []*NodeInfo
	var as []Assignment
	if e.job.Gang {
		nodes, as = f.planGang(&e.job, nil, e.job.Requirements.GPUCount, nil)
		if nodes == nil || !f.planWithinBudget(&e.job, nodes, as) {
			e.cause = ""
			return noFit, nil
		}
	} else {
		best, ok := f.bestOption(&e.job)
		if !ok {
			e.cause = ""
			return noFit, nil
		}
		nodes, as = []*NodeInfo{best.Node}, []Assignment{assignOn(&e.job.Requirements, best)}
	}
	return f.reserve(e, nodes, as)
}

// bestOption returns the option a single-node job takes, and whether it
// has one.
func (f *Framework) bestOption(job *Job) (Option, bool) {
	if f.bound != nil {
		return f.searchBounded(job, f.bound)
	}
	opts := f.options(job)
	if len(opts) == 0 {
		return Option{}, false
	}
	return f.pick(job, opts), true
}

// options collects the feasible options of a single-node job.
func (f *Framework) options(job *Job) []Option {
	r := &job.Requirements
	share := uint16(r.Share())
	f.opts = f.opts[:0]
	found := 0
	limit := f.cfg.MaxCandidates
	for _, g := range f.idx.groups {
		if !g.matchesGPU(r) {
			continue
		}
		more := bucketsFor(g, r.GPUCount, share, func(b int) bool {
			for _, n := range g.buckets[b] {
				if !n.fitsCore(r) || !f.filtered(job, n) {
					continue
				}
				f.opts = f.nodeOptions(f.opts, job, n)
				found++
				if limit > 0 && found >= limit {
					return false
				}
			}
			return true
		})
		if !more {
			break
		}
	}
	return f.opts
}

// nodeOptions adds the options of job on n, a feasible node.
func (f *Framework) nodeOptions(opts []Option, job *Job, n *NodeInfo) []Option {
	r := &job.Requirements
	share := uint16(r.Share())
	if c := f.cfg.Profile.GPUChoice; c != nil && r.GPUCount == 1 && share < uint16(iog.FullGPU) {
		return append(opts, Option{Node: n, GPU: c.ChooseGPU(&f.st, job, n)})
	}
	return appendOptions(opts, n, r.GPUCount, share)
}

// filtered runs the budget check and the Filter plugins.
func (f *Framework) filtered(job *Job, n *NodeInfo) bool {
	if !f.withinBudget(job, n) {
		return false
	}
	for _, p := range f.cfg.Profile.Filter {
		if !p.Filter(&f.st, job, n) {
			return false
		}
	}
	return true
}

// appendOptions adds n's options: for a fractional share one per distinct
// free share that can hold it, else the node itself.
func appendOptions(opts []Option, n *NodeInfo, count int, share uint16) []Option {
	if count != 1 || share >= uint16(iog.FullGPU) {
		return append(opts, Option{Node: n, GPU: -1})
	}
	for g, fr := range n.free {
		if fr < share || slices.Contains(n.free[:g], fr) {
			continue
		}
		opts = append(opts, Option{Node: n, GPU: g})
	}
	return opts
}

// assignOn returns the assignment of r for option o.
func assignOn(r *iog.Requirements, o Option) Assignment {
	a := Assignment{Device: o.Node.spec.ID, Share: r.Share(), CPUMilli: r.CPUMilli, MemoryBytes: r.MemoryBytes}
	if r.GPUCount == 0 {
		a.Share = 0
		return a
	}
	if o.GPU >= 0 {
		a.GPUs = []int{o.GPU}
		return a
	}
	a.GPUs = firstWholeGPUs(o.Node.free, r.GPUCount)
	return a
}

// pick returns the best-scoring option; ties go to the node of the lowest
// rank with Config.NodeRank, else (and on one node) to the one found
// first.
func (f *Framework) pick(job *Job, opts []Option) Option {
	plugins := f.cfg.Profile.Score
	if len(plugins) == 0 || len(opts) == 1 {
		return opts[0]
	}
	f.total = resize(f.total, len(opts))
	clear(f.total)
	for _, ws := range plugins {
		f.scores = resize(f.scores, len(opts))
		for i, o := range opts {
			f.scores[i] = ws.Plugin.Score(&f.st, job, o)
		}
		if nz, ok := ws.Plugin.(ScoreNormalizer); ok {
			nz.NormalizeScores(&f.st, job, f.scores)
		} else if len(plugins) > 1 {
			minMaxNormalize(f.scores)
		}
		w := ws.Weight
		if w == 0 {
			w = 1
		}
		for i, s := range f.scores {
			f.total[i] += w * s
		}
	}
	best := 0
	ranked := f.cfg.NodeRank != nil
	for i, s := range f.total {
		if s > f.total[best] || ranked && s == f.total[best] && opts[i].Node.rank < opts[best].Node.rank {
			best = i
		}
	}
	return opts[best]
}

func resize(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// minMaxNormalize rescales scores linearly onto 0..100; equal scores all
// become 0.
func minMaxNormalize(scores []float64) {
	lo, hi := slices.Min(scores), slices.Max(scores)
	for i, s := range scores {
		if hi > lo {
			scores[i] = 100 * (s - lo) / (hi - lo)
		} else {
			scores[i] = 0
		}
	}
}

// starved reports whether e, which just failed to fit, has waited past
// the starvation limit and would fit on the up nodes were they empty (a
// gang within its latency bound, if it has one), counting only nodes its
// budget and the Filter plugins accept as they are now: a job no node
// could ever take must not hold the queue.
func (f *Framework) starved(e *jobEntry) bool {
	limit := f.cfg.StarvationLimit
	if limit <= 0 || f.clock.Now().Sub(e.job.Submitted) < limit {
		return false
	}
	r := &e.job.Requirements
	var cands []gangCandidate // for a gang, every node's GPUs were it empty
	whole := 0
	for n := range f.suitable(&e.job) {
		if !e.job.Gang {
			if n.spec.CPUMilli >= r.CPUMilli && n.spec.MemoryBytes >= r.MemoryBytes && r.GPUCount <= len(n.free) {
				return true
			}
			continue
		}
		if u := memberGPUs(r, len(n.free), n.spec.CPUMilli, n.spec.MemoryBytes); u > 0 {
			cands = append(cands, gangCandidate{node: n, usable: u})
			whole += u
		}
	}
	if !e.job.Gang || whole < r.GPUCount {
		return false
	}
	bound := f.latencyBound(r)
	return bound <= 0 || f.planLatencyBound(cands, nil, r.GPUCount, bound) != nil
}

// suitable yields the up nodes that would suit job were they empty: those
// of its GPU model that meet the constraints that do not depend on what is
// free and that its budget and the Filter plugins accept as they are now.
func (f *Framework) suitable(job *Job) iter.Seq[*NodeInfo] {
	return func(yield func(*NodeInfo) bool) {
		r := &job.Requirements
		for _, g := range f.idx.groups {
			if !g.matchesGPU(r) {
				continue
			}
			for b := range g.buckets {
				for _, n := range g.buckets[b] {
					if n.fitsStatic(r) && f.filtered(job, n) && !yield(n) {
						return
					}
				}
			}
		}
	}
}
