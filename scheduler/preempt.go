package scheduler

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/internetofgpus/iog"
)

// preempt runs the PostFilter plugin for a job that found no node, evicts
// the lower-priority victims it names and puts them back in the queue.
func (f *Framework) preempt(e *jobEntry) []iog.JobID {
	pf := f.cfg.Profile.PostFilter
	prio := e.job.Requirements.Priority
	if pf == nil || !f.runsBelow(prio) {
		return nil
	}
	nodes := slices.Collect(f.suitable(&e.job))
	slices.SortFunc(nodes, func(a, b *NodeInfo) int { return cmp.Compare(a.idx, b.idx) })
	var evicted []iog.JobID
	for _, id := range pf.PostFilter(&f.st, &e.job, nodes) {
		v, ok := f.jobs[id]
		if !ok || v.state != placed || v.job.Requirements.Priority >= prio {
			continue
		}
		f.release(v)
		f.requeue(v, fmt.Sprintf("preempted by job %s", e.job.ID))
		evicted = append(evicted, id)
		f.log.Info("scheduler: job preempted", "job", id, "by", e.job.ID)
	}
	return evicted
}

// runsBelow reports whether any placed job has a priority below p.
func (f *Framework) runsBelow(p int32) bool {
	for q := range f.running {
		if q < p {
			return true
		}
	}
	return false
}

// Preemption is the default PostFilter: for a single-node job that fits
// nowhere, it finds the node where evicting lower-priority work costs
// least and names those victims. A set of victims costs less when its
// highest priority is lower, then when it holds fewer GPUs (a gang's
// whole size counts, since it leaves whole), then when it is smaller.
// Victims not needed once others are gone are spared. A gang preempts
// too: it takes, node by node, the cheapest victims per GPU they free
// until the gang is covered. Under a latency bound (CycleState.GangRTT)
// it does so within each group of places every pair of which is within
// the bound (formed around each place, nearest first, as placement
// does), and names the cheapest of these victim sets.
type Preemption struct{}

// Name returns "preemption".
func (Preemption) Name() string { return "preemption" }

// victimCost orders victim sets: lower is cheaper.
type victimCost struct {
	maxPriority int64
	gpuMilli    uint64
	count       int
}

func (a victimCost) less(b victimCost) bool {
	if a.maxPriority != b.maxPriority {
		return a.maxPriority < b.maxPriority
	}
	if a.gpuMilli != b.gpuMilli {
		return a.gpuMilli < b.gpuMilli
	}
	return a.count < b.count
}

// PostFilter names the cheapest victims.
func (Preemption) PostFilter(st *CycleState, job *Job, nodes []*NodeInfo) []iog.JobID {
	if job.Gang {
		if st.GangRTT > 0 {
			return boundGangVictims(&job.Requirements, nodes, st.GangRTT)
		}
		ids, _ := gangVictims(&job.Requirements, nodes)
		return ids
	}
	r := &job.Requirements
	var best []Resident
	var bestCost victimCost
	for _, n := range nodes {
		lower, cost := lowerResidents(n, r.Priority)
		if len(lower) == 0 {
			continue
		}
		k := 0
		for k < len(lower) && !n.FitsAfterEvicting(r, lower[:k]) {
			k++
		}
		if !n.FitsAfterEvicting(r, lower[:k]) {
			continue
		}
		victims := slices.Clone(lower[:k])
		for i := len(victims) - 1; i >= 0; i-- { // spare the costliest first
			without := slices.Delete(slices.Clone(victims), i, i+1)
			if n.FitsAfterEvicting(r, without) {
				victims = without
			}
		}
		c := victimCost{maxPriority: -1 << 40, count: len(victims)}
		for _, v := range victims {
			c.maxPriority = max(c.maxPriority, int64(v.Priority))
			c.gpuMilli += cost(v)
		}
		if best == nil || c.less(bestCost) {
			best, bestCost = victims, c
		}
	}
	ids := make([]iog.JobID, len(best))
	for i, v := range best {
		ids[i] = v.Job
	}
	return ids
}

// gangMilli returns the GPU capacity the resident job id holds across all
// its nodes.
func (n *NodeInfo) gangMilli(id iog.JobID) uint64 {
	for _, e := range n.jobs {
		if e.job.ID == id {
			return e.placement.GPUMilli()
		}
	}
	return 0
}

// FitsAfterEvicting reports whether r would fit on n (a single-node
// placement) if the residents evict left it.
func (n *NodeInfo) FitsAfterEvicting(r *iog.Requirements, evict []Resident) bool {
	if !n.up || !n.fitsStatic(r) {
		return false
	}
	free, cpu, mem := n.afterEvicting(evict)
	return cpu >= r.CPUMilli && mem >= r.MemoryBytes && gpuFits(free, r.GPUCount, uint16(r.Share()))
}

// afterEvicting returns what n would have free if the residents evict left
// it: each GPU's share, CPU and memory.
func (n *NodeInfo) afterEvicting(evict []Resident) (free []uint16, cpu, mem uint64) {
	free = slices.Clone(n.free)
	cpu, mem = n.freeCPU, n.freeMem
	for _, v := range evict {
		for _, g := range v.GPUs {
			if g >= 0 && g < len(free) {
				free[g] += uint16(v.Share)
			}
		}
		cpu += v.CPUMilli
		mem += v.MemoryBytes
	}
	return free, cpu, mem
}

// lowerResidents returns n's residents of priority below p, cheapest to
// evict first (lowest priority, then fewest GPUs, a gang counting whole).
func lowerResidents(n *NodeInfo, p int32) ([]Resident, func(Resident) uint64) {
	cost := func(res Resident) uint64 {
		if res.Gang {
			return n.gangMilli(res.Job)
		}
		return uint64(len(res.GPUs)) * uint64(res.Share)
	}
	var lower []Resident
	for _, res := range n.Residents() {
		if res.Priority < p {
			lower = append(lower, res)
		}
	}
	slices.SortStableFunc(lower, func(a, b Resident) int {
		if c := cmp.Compare(a.Priority, b.Priority); c != 0 {
			return c
		}
		return cmp.Compare(cost(a), cost(b))
	})
	return lower, cost
}

// usableAfterEvicting returns how many whole GPUs of a gang member (with
// per-GPU CPU and memory of r) n could take if evict left it.
func (n *NodeInfo) usableAfterEvicting(r *iog.Requirements, evict []Resident) int {
	free, cpu, mem := n.afterEvicting(evict)
	return memberGPUs(r, wholeFree(free), cpu, mem)
}

// gangVictims chooses victims for a gang without a latency bound: on each
// node the shortest cheapest-first run of evictions that frees the most
// GPUs, nodes taken by the priority of their victims and then by GPU
// capacity evicted per GPU gained, until the gang is covered. The last
// node evicts only what the gang still needs. It returns the victims and
// what they cost; nil if the gang cannot be covered even so.
func gangVictims(r *iog.Requirements, nodes []*NodeInfo) ([]iog.JobID, victimCost) {
	type gain struct {
		victims []Resident
		prefix  []int    // usable GPUs after evicting victims[:k+1]
		costs   []uint64 // GPU capacity each victim holds (a gang's whole)
		now     int
		cost    victimCost
	}
	need := r.GPUCount
	var gains []gain
	for _, n := range nodes {
		now := n.usableAfterEvicting(r, nil)
		need -= now
		lower, cost := lowerResidents(n, r.Priority)
		if len(lower) == 0 {
			continue
		}
		g := gain{now: now}
		best, bestK := now, -1
		for k := range lower {
			u := n.usableAfterEvicting(r, lower[:k+1])
			g.prefix = append(g.prefix, u)
			if u > best {
				best, bestK = u, k
			}
		}
		if bestK < 0 {
			continue
		}
		g.victims, g.prefix = lower[:bestK+1], g.prefix[:bestK+1]
		g.cost.maxPriority = int64(g.victims[len(g.victims)-1].Priority)
		for _, v := range g.victims {
			g.costs = append(g.costs, cost(v))
			g.cost.gpuMilli += cost(v)
		}
		g.cost.count = best - now // GPUs gained
		gains = append(gains, g)
	}
	if need <= 0 {
		return nil, victimCost{} // enough GPUs without evicting: the gang failed for another reason
	}
	slices.SortStableFunc(gains, func(a, b gain) int {
		if c := cmp.Compare(a.cost.maxPriority, b.cost.maxPriority); c != 0 {
			return c
		}
		// GPU capacity evicted per GPU gained, compared without division.
		return cmp.Compare(a.cost.gpuMilli*uint64(b.cost.count), b.cost.gpuMilli*uint64(a.cost.count))
	})
	var ids []iog.JobID
	total := victimCost{maxPriority: -1 << 40}
	for _, g := range gains {
		k := len(g.victims) - 1
		for k > 0 && g.prefix[k-1]-g.now >= need {
			k-- // the last node needs fewer victims
		}
		for i, v := range g.victims[:k+1] {
			if !slices.Contains(ids, v.Job) {
				ids = append(ids, v.Job)
				total.maxPriority = max(total.maxPriority, int64(v.Priority))
				total.gpuMilli += g.costs[i]
				total.count++
			}
		}
		if need -= g.prefix[k] - g.now; need <= 0 {
			return ids, total
		}
	}
	return nil, victimCost{}
}

// boundGangVictims chooses victims for a gang whose members must all be
// within bound of each other: around each place, it admits the places
// nearest first that are within bound of every one admitted (and of
// themselves), runs gangVictims on their nodes, and returns the cheapest
// of the victim sets found; nil if none covers the gang.
func boundGangVictims(r *iog.Requirements, nodes []*NodeInfo, bound time.Duration) []iog.JobID {
	var places []iog.Location
	byPlace := map[iog.Location][]*NodeInfo{}
	for _, n := range nodes {
		l := n.spec.Location
		if _, ok := byPlace[l]; !ok {
			places = append(places, l)
		}
		byPlace[l] = append(byPlace[l], n)
	}
	var best []iog.JobID
	var bestCost victimCost
	near := slices.Clone(places)
	for _, a := range places[:min(len(places), maxGangAnchors)] {
		slices.SortStableFunc(near, func(x, y iog.Location) int {
			return cmp.Compare(iog.EstimateRTT(a, x), iog.EstimateRTT(a, y))
		})
		var used []iog.Location
		var group []*NodeInfo
		for _, l := range near {
			if iog.EstimateRTT(l, l) <= bound && withinRTT(l, used, bound) {
				used = append(used, l)
				group = append(group, byPlace[l]...)
			}
		}
		if !slices.Contains(used, a) {
			continue
		}
		slices.SortFunc(group, func(x, y *NodeInfo) int { return cmp.Compare(x.idx, y.idx) })
		ids, c := gangVictims(r, group)
		if ids != nil && (best == nil || c.less(bestCost)) {
			best, bestCost = ids, c
		}
	}
	return best
}
