package scheduler

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/internetofgpus/iog"
)

// gangCandidate is a node that can take some GPUs of a gang.
type gangCandidate struct {
	node   *NodeInfo
	usable int
}

// maxGangAnchors bounds the places a latency-bound gang is tried around.
const maxGangAnchors = 32

// latencyBound returns the round-trip bound between a gang's members, or
// zero for none.
func (f *Framework) latencyBound(r *iog.Requirements) time.Duration {
	if r.MaxRTT > 0 {
		return r.MaxRTT
	}
	if r.Placement == iog.CoLocated {
		return f.cfg.CoLocatedRTT
	}
	return 0
}

// planGang chooses nodes for need whole GPUs of a gang job, fewest nodes
// first (the nodes with the most usable GPUs), every pair within the
// latency bound, and within it of the places in fixed (the members a
// re-placement keeps). Nodes in avoid are not used. It returns nil when
// the gang cannot be placed whole.
func (f *Framework) planGang(job *Job, fixed []*NodeInfo, need int, avoid []*NodeInfo) ([]*NodeInfo, []Assignment) {
	r := &job.Requirements
	bound := f.latencyBound(r)
	var fixedLocs []iog.Location
	for _, n := range fixed {
		fixedLocs = append(fixedLocs, f.locs[n.loc])
	}
	cands, total := f.gangCandidates(job, need, bound, fixedLocs, avoid)
	if total < need {
		return nil, nil
	}
	var chosen []gangCandidate
	switch {
	case bound > 0:
		chosen = f.planLatencyBound(cands, fixedLocs, need, bound)
	case r.Placement == iog.GeoDistributed:
		chosen = takeGreedy(interleaveRegions(cands), need, nil)
	default:
		chosen = takeGreedy(cands, need, nil)
	}
	if chosen == nil {
		return nil, nil
	}
	nodes := make([]*NodeInfo, len(chosen))
	as := make([]Assignment, len(chosen))
	left := need
	for i, c := range chosen {
		k := min(c.usable, left)
		left -= k
		nodes[i] = c.node
		a := Assignment{Device: c.node.spec.ID, Share: iog.FullGPU, CPUMilli: uint64(k) * r.CPUMilli, MemoryBytes: uint64(k) * r.MemoryBytes, GPUs: make([]int, 0, k)}
		for g, fr := range c.node.free {
			if len(a.GPUs) == k {
				break
			}
			if fr == uint16(iog.FullGPU) {
				a.GPUs = append(a.GPUs, g)
			}
		}
		as[i] = a
	}
	return nodes, as
}

// gangCandidates lists the nodes that can take GPUs of the gang, most
// wholly free GPUs first (the index's order, so nothing is sorted). It
// stops once need is covered, or, under a latency bound, once one place
// (within the bound of itself and of the fixed places) can cover it.
func (f *Framework) gangCandidates(job *Job, need int, bound time.Duration, fixed []iog.Location, avoid []*NodeInfo) ([]gangCandidate, int) {
	r := &job.Requirements
	var cands []gangCandidate
	total := 0
	var groups []*modelGroup
	for _, g := range f.idx.groups {
		if g.matchesGPU(r) {
			groups = append(groups, g)
		}
	}
	supply := map[int32]int{}
	enough := func(n *NodeInfo, u int) bool {
		if bound <= 0 {
			return total >= need
		}
		s := supply[n.loc] + u
		supply[n.loc] = s
		if s < need || s-u >= need {
			return false // not crossing need now
		}
		l := f.locs[n.loc]
		return iog.EstimateRTT(l, l) <= bound && withinRTT(l, fixed, bound)
	}
	for w := maxWholeBucket; w >= 1; w-- {
		for _, g := range groups {
			for p := range partialBuckets {
				for _, n := range g.buckets[w*partialBuckets+p] {
					if slices.Contains(avoid, n) || !n.fitsStatic(r) || !f.filtered(job, n) {
						continue
					}
					u := n.WholeFreeGPUs()
					if r.CPUMilli > 0 {
						u = min(u, int(n.freeCPU/r.CPUMilli))
					}
					if r.MemoryBytes > 0 {
						u = min(u, int(n.freeMem/r.MemoryBytes))
					}
					if u <= 0 {
						continue
					}
					cands = append(cands, gangCandidate{node: n, usable: u})
					total += u
					if enough(n, u) {
						return cands, total
					}
				}
			}
		}
	}
	return cands, total
}

// withinRTT reports whether a is within bound of every place in set.
func withinRTT(a iog.Location, set []iog.Location, bound time.Duration) bool {
	for _, b := range set {
		if iog.EstimateRTT(a, b) > bound {
			return false
		}
	}
	return true
}

// takeGreedy takes candidates in order until need GPUs are covered,
// skipping those ok rejects; nil if they do not suffice.
func takeGreedy(cands []gangCandidate, need int, ok func(gangCandidate) bool) []gangCandidate {
	var out []gangCandidate
	for _, c := range cands {
		if need <= 0 {
			break
		}
		if ok != nil && !ok(c) {
			continue
		}
		out = append(out, c)
		need -= c.usable
	}
	if need > 0 {
		return nil
	}
	return out
}

// regionKey names a node's region for spreading.
func regionKey(l iog.Location) string { return l.Country + "/" + l.Region }

// interleaveRegions orders candidates round-robin over regions, keeping
// each region's own order, so a geo-distributed gang spans places.
func interleaveRegions(cands []gangCandidate) []gangCandidate {
	var keys []string
	byRegion := map[string][]gangCandidate{}
	for _, c := range cands {
		k := regionKey(c.node.spec.Location)
		if _, ok := byRegion[k]; !ok {
			keys = append(keys, k)
		}
		byRegion[k] = append(byRegion[k], c)
	}
	out := make([]gangCandidate, 0, len(cands))
	for len(out) < len(cands) {
		for _, k := range keys {
			if q := byRegion[k]; len(q) > 0 {
				out = append(out, q[0])
				byRegion[k] = q[1:]
			}
		}
	}
	return out
}

// planLatencyBound tries each of the best-supplied places as the gang's
// anchor and keeps the plan with the fewest nodes in which every pair of
// places is within bound.
func (f *Framework) planLatencyBound(cands []gangCandidate, fixed []iog.Location, need int, bound time.Duration) []gangCandidate {
	supply := map[int32]int{}
	var anchors []int32
	for _, c := range cands {
		if _, ok := supply[c.node.loc]; !ok {
			anchors = append(anchors, c.node.loc)
		}
		supply[c.node.loc] += c.usable
	}
	slices.SortStableFunc(anchors, func(a, b int32) int { return cmp.Compare(supply[b], supply[a]) })
	var best []gangCandidate
	for _, a := range anchors[:min(len(anchors), maxGangAnchors)] {
		if !withinRTT(f.locs[a], fixed, bound) {
			continue
		}
		used := append(slices.Clone(fixed), f.locs[a])
		member := map[int32]bool{a: true}
		plan := takeGreedy(cands, need, func(c gangCandidate) bool {
			loc := c.node.loc
			if member[loc] {
				return true
			}
			if !withinRTT(f.locs[loc], used, bound) {
				return false
			}
			member[loc] = true
			used = append(used, f.locs[loc])
			return true
		})
		if plan != nil && (best == nil || len(plan) < len(best)) {
			best = plan
		}
	}
	return best
}

// replaceMember moves a gang's assignment off n (going down) onto other
// nodes within the gang's latency bound, keeping the other members. It
// reports false, changing nothing, when no nodes can take it or a Permit
// or Bind plugin refuses.
func (f *Framework) replaceMember(ctx context.Context, e *jobEntry, n *NodeInfo) bool {
	i := slices.Index(e.nodes, n)
	if i < 0 {
		return false
	}
	lost := e.placement.Assignments[i]
	keep := slices.Delete(slices.Clone(e.nodes), i, i+1)
	f.st.reset(f.clock.Now())
	nodes, as := f.planGang(&e.job, keep, len(lost.GPUs), e.nodes)
	if nodes == nil {
		return false
	}
	keptAs := slices.Delete(slices.Clone(e.placement.Assignments), i, i+1)
	if !f.planWithinBudget(&e.job, append(slices.Clone(keep), nodes...), append(keptAs, as...)) {
		return false
	}
	oldNodes, oldPlacement := e.nodes, clonePlacement(e.placement)
	n.take(lost, -1)
	n.jobs = slices.DeleteFunc(n.jobs, func(j *jobEntry) bool { return j == e })
	e.nodes = append(keep, nodes...)
	e.placement.Assignments = append(slices.Delete(slices.Clone(e.placement.Assignments), i, i+1), as...)
	for k, m := range nodes {
		m.take(as[k], +1)
		m.jobs = append(m.jobs, e)
		f.idx.update(m)
	}
	if f.permitAndBind(ctx, e) {
		f.freed = true
		return true
	}
	for k, m := range nodes {
		m.take(as[k], -1)
		m.jobs = slices.DeleteFunc(m.jobs, func(j *jobEntry) bool { return j == e })
		f.idx.update(m)
	}
	n.take(lost, +1)
	n.jobs = append(n.jobs, e)
	e.nodes, e.placement = oldNodes, oldPlacement
	return false
}
