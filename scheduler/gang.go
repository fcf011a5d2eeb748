package scheduler

import (
	"cmp"
	"slices"
	"time"

	"github.com/internetofgpus/iog"
)

// gangCandidate is a node that can take some GPUs of a gang.
type gangCandidate struct {
	node   *NodeInfo
	usable int
	rel    float64 // the node's reliability
}

// byUsableThenReliable orders gang candidates by usable GPUs, most first,
// then by reliability, most reliable first, then by the order nodes were
// added: a total order, so an unstable sort is deterministic.
func byUsableThenReliable(a, b gangCandidate) int {
	if c := cmp.Compare(b.usable, a.usable); c != 0 {
		return c
	}
	if c := cmp.Compare(b.rel, a.rel); c != 0 {
		return c
	}
	return cmp.Compare(a.node.idx, b.node.idx)
}

// maxGangSpare bounds the candidates scanned beyond those that cover a
// gang, so that its members can be the most reliable and largest of a
// few more than it needs.
const maxGangSpare = 64

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
// first (the nodes with the most usable GPUs; among nodes with as many,
// the nearest under a latency bound, then the most reliable), every pair
// within the
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
		slices.SortFunc(cands, byUsableThenReliable)
		chosen = takeGreedy(interleaveRegions(cands), need)
	default:
		slices.SortFunc(cands, byUsableThenReliable)
		chosen = takeGreedy(cands, need)
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
		as[i] = Assignment{Device: c.node.spec.ID, GPUs: firstWholeGPUs(c.node.free, k), Share: iog.FullGPU,
			CPUMilli: uint64(k) * r.CPUMilli, MemoryBytes: uint64(k) * r.MemoryBytes}
	}
	return nodes, as
}

// maxGangExtra bounds the candidates a latency-bound gang scans, after
// one place can cover it, in search of a plan with fewer nodes.
const maxGangExtra = 256

// gangCandidates lists the nodes that can take GPUs of the gang, most
// wholly free GPUs first (the index's order). Once need is covered (under
// a latency bound: once one place within the bound of itself and of the
// fixed places can cover it) it scans spare candidates, as many GPUs more
// as need but at most maxGangSpare nodes, among which planning prefers
// the largest and most reliable. Under a latency bound it goes on for as
// long as the nodes still unseen could make a plan with fewer nodes than
// the best so far; never for more than maxGangExtra candidates past the
// cover.
func (f *Framework) gangCandidates(job *Job, need int, bound time.Duration, fixed []iog.Location, avoid []*NodeInfo) ([]gangCandidate, int) {
	r := &job.Requirements
	cands := f.gangCands[:0]
	defer func() { f.gangCands = cands[:0] }() // reused by the next gang
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
	coveredAt, extra := -1, 0 // total at the cover, candidates since
	improvable := false       // under a bound, fewer nodes may yet do
	best, planned := 0, 0     // nodes of the best plan, of the first planned candidates
	var sums []int            // largestSums of the planned candidates
	replan := func() {
		best, planned = len(f.planLatencyBound(cands, fixed, need, bound)), len(cands)
		sums = largestSums(cands, best)
	}
	for w := maxWholeBucket; w >= 1; w-- {
		if coveredAt >= 0 && bound > 0 && improvable {
			if len(cands) > planned {
				replan()
			}
			improvable = mayImprove(sums, best, need, w)
			if !improvable && (total-coveredAt >= need || extra >= maxGangSpare) {
				return cands, total
			}
		}
		for _, g := range groups {
			for p := range partialBuckets {
				for _, n := range g.buckets[w*partialBuckets+p] {
					if slices.Contains(avoid, n) || !n.fitsStatic(r) || !f.filtered(job, n) {
						continue
					}
					u := memberGPUs(r, n.WholeFreeGPUs(), n.freeCPU, n.freeMem)
					if u <= 0 {
						continue
					}
					cands = append(cands, gangCandidate{node: n, usable: u, rel: n.Reliability()})
					total += u
					if coveredAt >= 0 {
						extra++
						spared := total-coveredAt >= need || extra >= maxGangSpare
						if extra >= maxGangExtra || spared && !improvable {
							return cands, total
						}
						continue
					}
					if !enough(n, u) {
						continue
					}
					coveredAt = total
					if bound > 0 {
						replan()
						improvable = mayImprove(sums, best, need, w)
					}
				}
			}
		}
	}
	return cands, total
}

// mayImprove reports whether fewer than k nodes could cover need, taking
// the largest of the candidates seen (sums[i] is the total of the i
// largest, see largestSums) and, beside them, unseen nodes of at most w
// usable GPUs each (any number when w is the top bucket, which holds
// every node with at least that many free).
func mayImprove(sums []int, k, need, w int) bool {
	if k <= 1 {
		return false
	}
	if w >= maxWholeBucket {
		return true
	}
	for m := 0; m <= k-1; m++ { // m unseen nodes beside k-1-m seen ones
		if sums[min(len(sums)-1, k-1-m)]+m*w >= need {
			return true
		}
	}
	return false
}

// largestSums returns the totals of the i largest usable GPU counts of
// cands, for i from 0 to k.
func largestSums(cands []gangCandidate, k int) []int {
	us := make([]int, len(cands))
	for i, c := range cands {
		us[i] = c.usable
	}
	slices.Sort(us)
	slices.Reverse(us)
	sums := make([]int, 1, min(k, len(us))+1)
	for _, u := range us[:min(k, len(us))] {
		sums = append(sums, sums[len(sums)-1]+u)
	}
	return sums
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

// takeGreedy takes candidates in order until need GPUs are covered; nil
// if they do not suffice.
func takeGreedy(cands []gangCandidate, need int) []gangCandidate {
	for i, c := range cands {
		if need -= c.usable; need <= 0 {
			return cands[:i+1]
		}
	}
	return nil
}

// interleaveRegions orders candidates round-robin over regions, keeping
// each region's own order, so a geo-distributed gang spans places.
func interleaveRegions(cands []gangCandidate) []gangCandidate {
	var keys []*regionLoad // the nodes of a region share its regionLoad
	byRegion := map[*regionLoad][]gangCandidate{}
	for _, c := range cands {
		k := c.node.region
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
// anchor. Around an anchor it admits places nearest first, each within
// bound of every place admitted and of the fixed ones, and takes the
// candidates there with the most usable GPUs until the gang is covered.
// Of these plans it keeps the one with the fewest nodes, then the lowest
// round trip between any two of its places.
func (f *Framework) planLatencyBound(cands []gangCandidate, fixed []iog.Location, need int, bound time.Duration) []gangCandidate {
	order := append(f.gangOrder[:0], cands...)
	defer func() { f.gangOrder = order[:0] }()
	slices.SortFunc(order, byUsableThenReliable)
	supply := map[int32]int{}
	var locs []int32
	for _, c := range cands {
		if _, ok := supply[c.node.loc]; !ok {
			locs = append(locs, c.node.loc)
		}
		supply[c.node.loc] += c.usable
	}
	anchors := slices.Clone(locs)
	slices.SortStableFunc(anchors, func(a, b int32) int { return cmp.Compare(supply[b], supply[a]) })
	var best []gangCandidate
	var bestRTT time.Duration
	near := make([]int32, len(locs))
	rtt := make([]time.Duration, len(f.locs))
	admitted := make([]bool, len(f.locs))
	for _, a := range anchors[:min(len(anchors), maxGangAnchors)] {
		la := f.locs[a]
		if iog.EstimateRTT(la, la) > bound || !withinRTT(la, fixed, bound) {
			continue
		}
		for _, l := range locs {
			rtt[l] = iog.EstimateRTT(la, f.locs[l])
		}
		copy(near, locs)
		slices.SortStableFunc(near, func(x, y int32) int { return cmp.Compare(rtt[x], rtt[y]) })
		used := slices.Clone(fixed)
		clear(admitted)
		for _, l := range near {
			if ll := f.locs[l]; withinRTT(ll, used, bound) && iog.EstimateRTT(ll, ll) <= bound {
				admitted[l] = true
				used = append(used, ll)
			}
		}
		plan := takeLargestNearest(order, need, admitted, rtt)
		if plan == nil {
			continue
		}
		worst := f.worstRTT(plan, fixed)
		if best == nil || len(plan) < len(best) || len(plan) == len(best) && worst < bestRTT {
			best, bestRTT = plan, worst
		}
	}
	return best
}

// takeLargestNearest covers need with the admitted candidates of order
// (sorted by usable GPUs, most first) that have the most usable GPUs, and
// among those with as many, the nearest (by rtt of their place), keeping
// order's order (reliability) among the equally near; nil if they do not
// suffice.
func takeLargestNearest(order []gangCandidate, need int, admitted []bool, rtt []time.Duration) []gangCandidate {
	var out []gangCandidate
	for i := 0; i < len(order) && need > 0; {
		j := i
		run := len(out)
		for ; j < len(order) && order[j].usable == order[i].usable; j++ {
			if admitted[order[j].node.loc] {
				out = append(out, order[j])
			}
		}
		if sum := (len(out) - run) * order[i].usable; sum < need {
			need -= sum
			i = j
			continue
		}
		tail := out[run:]
		slices.SortFunc(tail, func(a, b gangCandidate) int {
			if c := cmp.Compare(rtt[a.node.loc], rtt[b.node.loc]); c != 0 {
				return c
			}
			return byUsableThenReliable(a, b)
		})
		k := (need + order[i].usable - 1) / order[i].usable
		return out[:run+k]
	}
	if need > 0 {
		return nil
	}
	return out
}

// worstRTT returns the largest round trip between two places of a plan
// and the fixed places (a place with two members counts with itself).
func (f *Framework) worstRTT(plan []gangCandidate, fixed []iog.Location) time.Duration {
	places := slices.Clone(fixed)
	count := map[int32]int{}
	for _, c := range plan {
		if count[c.node.loc]++; count[c.node.loc] == 1 {
			places = append(places, f.locs[c.node.loc])
		}
	}
	var worst time.Duration
	for i, a := range places {
		for j := i + 1; j < len(places); j++ {
			worst = max(worst, iog.EstimateRTT(a, places[j]))
		}
	}
	for l, k := range count {
		if k > 1 || slices.Contains(fixed, f.locs[l]) {
			worst = max(worst, iog.EstimateRTT(f.locs[l], f.locs[l]))
		}
	}
	return worst
}

// replaceMember moves a gang's assignment off n (going down) onto other
// nodes within the gang's latency bound, keeping the other members. It
// reports false, changing nothing, when no nodes can take it. With
// Permit or Bind plugins the gang is binding and the returned
// pendingBind must be completed.
func (f *Framework) replaceMember(e *jobEntry, n *NodeInfo) (*pendingBind, bool) {
	i := slices.Index(e.nodes, n)
	if i < 0 {
		return nil, false
	}
	lost := e.placement.Assignments[i]
	keep := slices.Delete(slices.Clone(e.nodes), i, i+1)
	f.st.reset(f.clock.Now())
	f.st.GangRTT = f.latencyBound(&e.job.Requirements)
	nodes, as := f.planGang(&e.job, keep, len(lost.GPUs), e.nodes)
	if nodes == nil {
		return nil, false
	}
	keptAs := slices.Delete(slices.Clone(e.placement.Assignments), i, i+1)
	if !f.planWithinBudget(&e.job, append(slices.Clone(keep), nodes...), append(keptAs, as...)) {
		return nil, false
	}
	n.take(lost, -1)
	n.jobs = slices.DeleteFunc(n.jobs, func(j *jobEntry) bool { return j == e })
	e.nodes = append(keep, nodes...)
	e.placement.Assignments = append(keptAs, as...)
	for k, m := range nodes {
		m.take(as[k], +1)
		m.reside(e)
		f.idx.update(m)
	}
	if !f.binds() {
		f.wake()
		return nil, true
	}
	e.state = binding
	b := &pendingBind{e: e, job: e.job, p: clonePlacement(e.placement), st: f.st}
	f.st = CycleState{Now: b.st.Now, GangRTT: b.st.GangRTT} // the binding owns the data
	return b, true
}
