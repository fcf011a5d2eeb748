package scheduler

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/internetofgpus/iog"
)

// AddNode puts a device in the pool, up.
func (f *Framework) AddNode(spec Node) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, dup := f.byID[spec.ID]; dup {
		return fmt.Errorf("scheduler: node %s is already in the pool: %w", spec.ID, iog.ErrConflict)
	}
	idx := 0
	if k := len(f.nodes); k > 0 {
		idx = f.nodes[k-1].idx + 1
	}
	n := f.addNode(spec, idx)
	n.rel.start(f.clock.Now())
	f.idx.insert(n)
	n.region.serve(n, +1)
	f.wake()
	return nil
}

// addNode files a node of index idx, up, holding nothing and not yet in
// the index or its region's capacity, after every node of a lower index.
func (f *Framework) addNode(spec Node, idx int) *NodeInfo {
	n := &NodeInfo{spec: spec, idx: idx, slot: len(f.nodes), group: f.idx.group(spec.GPUModel, spec.GPUs),
		free: make([]uint16, spec.GPUs), freeCPU: spec.CPUMilli, freeMem: spec.MemoryBytes, up: true, bucket: -1}
	for i := range n.free {
		n.free[i] = uint16(iog.FullGPU)
	}
	if f.cfg.NodeRank != nil {
		n.rank = f.cfg.NodeRank(spec)
	}
	n.gpuMem = spec.GPUMemoryBytes
	if n.gpuMem == 0 && n.group.known {
		n.gpuMem = n.group.model.MemoryBytes
	}
	f.stamp += 1 << 40
	n.version = f.stamp
	loc, ok := f.locIDs[spec.Location]
	if !ok {
		loc = int32(len(f.locs))
		f.locIDs[spec.Location] = loc
		f.locs = append(f.locs, spec.Location)
	}
	n.loc = loc
	rk := regionKey(spec.Location)
	if f.regions[rk] == nil {
		f.regions[rk] = &regionLoad{}
	}
	n.region = f.regions[rk]
	f.nodes = append(f.nodes, n)
	f.byID[spec.ID] = n
	return n
}

// SetNodeUp takes a device out of service or puts it back. Going down,
// each job on it leaves: a job on that device alone goes back to the
// queue; a gang keeps its other members and has the lost one re-placed at
// once within its latency bound, or, when no device can take it, leaves
// whole and goes back to the queue. It returns the jobs that left the
// device. A job still binding there is rolled back instead (see the
// plugin contract), and is not among them. The Permit and Bind plugins of
// re-placed gang members run after the lock is released; one that refuses
// sends its gang back to the queue.
func (f *Framework) SetNodeUp(ctx context.Context, id iog.DeviceID, up bool) ([]iog.JobID, error) {
	f.mu.Lock()
	n, ok := f.byID[id]
	if !ok {
		f.mu.Unlock()
		return nil, fmt.Errorf("scheduler: node %s: %w", id, iog.ErrNotFound)
	}
	if n.up == up {
		f.mu.Unlock()
		return nil, nil
	}
	if up {
		n.rel.setUp(f.clock.Now(), true)
		n.up = true
		n.region.serve(n, +1)
		f.idx.insert(n)
		f.wake()
		f.mu.Unlock()
		return nil, nil
	}
	moved, bs := f.takeDown(n, "went down")
	f.mu.Unlock()
	f.settleAll(ctx, bs)
	return moved, nil
}

// RemoveNode takes a device out of the pool for good (its supplier
// removed it, or it was slashed). The work on it leaves as when it goes
// down (see SetNodeUp): a job alone on it goes back to the queue, a gang
// has the lost member re-placed or goes back to the queue whole. It
// returns the jobs that left the device. Nothing of the device remains:
// its reliability is forgotten, and AddNode with the same ID starts
// afresh. An unknown id is iog.ErrNotFound.
func (f *Framework) RemoveNode(ctx context.Context, id iog.DeviceID) ([]iog.JobID, error) {
	f.mu.Lock()
	n, ok := f.byID[id]
	if !ok {
		f.mu.Unlock()
		return nil, fmt.Errorf("scheduler: remove node %s: %w", id, iog.ErrNotFound)
	}
	var moved []iog.JobID
	var bs []*pendingBind
	if n.up {
		moved, bs = f.takeDown(n, "was removed")
	}
	f.forgetNode(n)
	f.mu.Unlock()
	f.settleAll(ctx, bs)
	return moved, nil
}

// takeDown takes n out of service and moves its work off it, returning
// the jobs that left and the re-placements still to bind.
func (f *Framework) takeDown(n *NodeInfo, what string) ([]iog.JobID, []*pendingBind) {
	n.rel.setUp(f.clock.Now(), false)
	n.up = false
	n.region.serve(n, -1)
	f.idx.remove(n)
	var moved []iog.JobID
	var bs []*pendingBind
	for len(n.jobs) > 0 {
		e := n.jobs[0]
		if e.state == binding {
			f.release(e)
			e.state, e.cause = unbound, fmt.Sprintf("its device %s %s while it was binding", n.spec.ID, what)
			continue
		}
		moved = append(moved, e.job.ID)
		if e.job.Gang && len(e.nodes) > 1 {
			if b, ok := f.replaceMember(e, n); ok {
				if b != nil {
					bs = append(bs, b)
				}
				f.log.Info("scheduler: gang member re-placed", "job", e.job.ID, "from", n.spec.ID)
				continue
			}
		}
		f.release(e)
		f.requeue(e, fmt.Sprintf("its device %s %s", n.spec.ID, what))
		f.log.Info("scheduler: job displaced", "job", e.job.ID, "from", n.spec.ID)
	}
	return moved, bs
}

// forgetNode drops n, which is down and holds nothing, from the pool and
// from the tables it alone used, so that the pool is as if it had never
// been added.
func (f *Framework) forgetNode(n *NodeInfo) {
	i := sort.Search(len(f.nodes), func(i int) bool { return f.nodes[i].idx >= n.idx })
	f.nodes = slices.Delete(f.nodes, i, i+1)
	for _, m := range f.nodes[i:] {
		m.slot--
	}
	delete(f.byID, n.spec.ID)
	region, loc := true, true // n was alone in its region, in its place
	for _, m := range f.nodes {
		region = region && m.region != n.region
		loc = loc && m.loc != n.loc
	}
	if region {
		delete(f.regions, regionKey(n.spec.Location))
	}
	if loc {
		f.locs = slices.Delete(f.locs, int(n.loc), int(n.loc)+1)
		delete(f.locIDs, n.spec.Location)
		for _, m := range f.nodes {
			if m.loc > n.loc {
				m.loc--
			}
		}
		for l, id := range f.locIDs {
			if id > n.loc {
				f.locIDs[l] = id - 1
			}
		}
	}
	f.idx.regroup(f.nodes)
}

// VisitNodes calls fn with every node, up or down, in the order they were
// added. fn must not keep the NodeInfo nor call the Framework.
func (f *Framework) VisitNodes(fn func(*NodeInfo)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.nodes {
		fn(n)
	}
}

// VisitNode calls fn with the node id, if it is in the pool, and reports
// whether it is. fn must not keep the NodeInfo nor call the Framework.
func (f *Framework) VisitNode(id iog.DeviceID, fn func(*NodeInfo)) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.byID[id]
	if ok {
		fn(n)
	}
	return ok
}
