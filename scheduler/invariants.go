package scheduler

import (
	"errors"
	"fmt"
	"slices"

	"github.com/internetofgpus/iog"
)

// CheckInvariants verifies the scheduler's bookkeeping from scratch and
// returns every violation found, joined: no GPU share, CPU or memory of a
// node is booked beyond its capacity (nothing is double-booked, nothing
// negative); what each node has free is its capacity less its residents;
// a down node holds no work; every placed job holds exactly what it asked
// (a gang all its GPUs, or nothing); every job is either placed or
// waiting (or binding); the index files each up node where its free GPUs put it; and
// each region's load adds up over its nodes in service.
// Tests call it after every operation; it costs a pass over everything.
func (f *Framework) CheckInvariants() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("scheduler invariant: "+format, args...))
	}
	type usage struct {
		gpu      []int
		cpu, mem uint64
	}
	used := make(map[*NodeInfo]*usage, len(f.nodes))
	for _, n := range f.nodes {
		used[n] = &usage{gpu: make([]int, len(n.free))}
	}
	waiting := 0
	var maxSeq uint64
	for id, e := range f.jobs {
		r := e.job.Requirements
		maxSeq = max(maxSeq, e.seq)
		switch e.state {
		case queued, parked, unbound:
			if e.state != unbound {
				waiting++
			}
			if len(e.nodes) > 0 {
				bad("job %s is waiting but holds %d nodes", id, len(e.nodes))
			}
			continue
		case cancelled:
			bad("job %s is cancelled but still held", id)
			continue
		}
		if len(e.nodes) != len(e.placement.Assignments) || len(e.nodes) == 0 {
			bad("job %s is placed on %d nodes with %d assignments", id, len(e.nodes), len(e.placement.Assignments))
			continue
		}
		gpus := 0
		seen := map[*NodeInfo]bool{}
		for i, n := range e.nodes {
			a := e.placement.Assignments[i]
			if seen[n] {
				bad("job %s has two assignments on node %s", id, n.spec.ID)
			}
			seen[n] = true
			if !n.up {
				bad("job %s is on node %s, which is down", id, n.spec.ID)
			}
			u := used[n]
			for _, g := range a.GPUs {
				if g < 0 || g >= len(u.gpu) {
					bad("job %s uses GPU %d of node %s, which has %d", id, g, n.spec.ID, len(u.gpu))
					continue
				}
				u.gpu[g] += int(a.Share)
			}
			u.cpu += a.CPUMilli
			u.mem += a.MemoryBytes
			gpus += len(a.GPUs)
			if !slices.Contains(n.jobs, e) {
				bad("node %s does not list its resident job %s", n.spec.ID, id)
			}
		}
		switch {
		case e.job.Gang && gpus != r.GPUCount:
			bad("gang %s holds %d of its %d GPUs", id, gpus, r.GPUCount)
		case !e.job.Gang && (len(e.nodes) != 1 || gpus != r.GPUCount):
			bad("job %s holds %d GPUs on %d nodes; asked %d on one", id, gpus, len(e.nodes), r.GPUCount)
		}
	}
	listed := 0
	for e := f.newest; e != nil && listed <= len(f.jobs); e = e.older {
		if f.jobs[e.job.ID] != e || e.older != nil && (e.older.seq >= e.seq || e.older.newer != e) {
			bad("job %s is out of the sequence list's order", e.job.ID)
		}
		listed++
	}
	if maxSeq != f.lastSeq() || listed != len(f.jobs) {
		bad("the largest job sequence is %d, not %d, or the sequence list holds %d of %d jobs", maxSeq, f.lastSeq(), listed, len(f.jobs))
	}
	if waiting != f.queue.Len()+len(f.parked) {
		bad("%d jobs are waiting but the queue holds %d", waiting, f.queue.Len()+len(f.parked))
	}
	for _, n := range f.nodes {
		u := used[n]
		for g, x := range u.gpu {
			if x > int(iog.FullGPU) {
				bad("GPU %d of node %s is booked %d/1000", g, n.spec.ID, x)
			}
			if int(n.free[g]) != int(iog.FullGPU)-x {
				bad("GPU %d of node %s: %d free, but residents use %d", g, n.spec.ID, n.free[g], x)
			}
		}
		if u.cpu > n.spec.CPUMilli || u.mem > n.spec.MemoryBytes {
			bad("node %s is booked beyond its CPU or memory", n.spec.ID)
		}
		if n.freeCPU != n.spec.CPUMilli-u.cpu || n.freeMem != n.spec.MemoryBytes-u.mem {
			bad("node %s: free CPU or memory does not match its residents", n.spec.ID)
		}
		for _, e := range n.jobs {
			if e.state != placed && e.state != binding || !slices.Contains(e.nodes, n) {
				bad("node %s lists job %s, which is not placed there", n.spec.ID, e.job.ID)
			}
		}
		switch {
		case n.up && n.bucket != bucketOf(n.free):
			bad("node %s is filed in bucket %d, not %d", n.spec.ID, n.bucket, bucketOf(n.free))
		case n.up && n.group.buckets[n.bucket][n.pos] != n:
			bad("node %s is not where the index says", n.spec.ID)
		case !n.up && n.bucket >= 0:
			bad("node %s is down but indexed", n.spec.ID)
		case n.up && f.idx.bounded && n.group.trees[n.bucket].t[n.group.trees[n.bucket].size+int(n.pos)] != boundsOf(n):
			bad("node %s: the index's tree of bounds does not hold its state", n.spec.ID)
		}
	}
	if f.idx.bounded {
		for _, g := range f.idx.groups {
			for b := range g.trees {
				if !g.trees[b].consistent(len(g.buckets[b])) {
					bad("the tree of bounds of bucket %d of model %q does not join its leaves", b, g.key)
				}
			}
		}
	}
	groups, regions, places := map[*modelGroup]bool{}, map[*regionLoad]bool{}, map[int32]bool{}
	var order []*modelGroup
	for i, n := range f.nodes {
		if n.slot != i || i > 0 && f.nodes[i-1].idx >= n.idx || f.byID[n.spec.ID] != n {
			bad("node %s is out of order or not found by its ID", n.spec.ID)
		}
		if !groups[n.group] {
			groups[n.group] = true
			order = append(order, n.group)
		}
		regions[n.region], places[n.loc] = true, true
		if f.regions[regionKey(n.spec.Location)] != n.region || f.locs[n.loc] != n.spec.Location {
			bad("node %s is not filed under its region or place", n.spec.ID)
		}
	}
	if !slices.Equal(order, f.idx.groups) || len(f.byID) != len(f.nodes) || len(f.idx.byModel) != len(order) {
		bad("the index's model groups are not those of the nodes, in order")
	}
	if len(f.regions) != len(regions) || len(f.locs) != len(places) || len(f.locIDs) != len(places) {
		bad("regions or places are kept that no node uses")
	}
	sums := map[*regionLoad]*regionLoad{}
	for _, n := range f.nodes {
		sum := sums[n.region]
		if sum == nil {
			sum = &regionLoad{}
			sums[n.region] = sum
		}
		if n.up {
			sum.serve(n, +1)
		}
		for _, x := range used[n].gpu {
			sum.gpuUsed += uint64(x)
		}
		sum.cpuUsed += used[n].cpu
	}
	for _, n := range f.nodes {
		if sum := sums[n.region]; sum != nil {
			if *sum != *n.region {
				bad("region of node %s: load %+v, but its nodes add up to %+v", n.spec.ID, *n.region, *sum)
			}
			delete(sums, n.region) // checked
		}
	}
	return errors.Join(errs...)
}
