package scheduler

import (
	"context"
	"fmt"

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
	n := &NodeInfo{spec: spec, idx: len(f.nodes), group: f.idx.group(spec.GPUModel, spec.GPUs),
		free: make([]uint16, spec.GPUs), freeCPU: spec.CPUMilli, freeMem: spec.MemoryBytes, up: true, bucket: -1}
	for i := range n.free {
		n.free[i] = uint16(iog.FullGPU)
	}
	n.gpuMem = spec.GPUMemoryBytes
	if n.gpuMem == 0 && n.group.known {
		n.gpuMem = n.group.model.MemoryBytes
	}
	n.rel.start(f.clock.Now())
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
	n.region.serve(n, +1)
	f.nodes = append(f.nodes, n)
	f.byID[spec.ID] = n
	f.idx.insert(n)
	f.freed = true
	return nil
}

// SetNodeUp takes a device out of service or puts it back. Going down,
// each job on it leaves: a job on that device alone goes back to the
// queue; a gang keeps its other members and has the lost one re-placed at
// once within its latency bound, or, when no device can take it, leaves
// whole and goes back to the queue. It returns the jobs that left the
// device.
func (f *Framework) SetNodeUp(ctx context.Context, id iog.DeviceID, up bool) ([]iog.JobID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.byID[id]
	if !ok {
		return nil, fmt.Errorf("scheduler: node %s: %w", id, iog.ErrNotFound)
	}
	if n.up == up {
		return nil, nil
	}
	now := f.clock.Now()
	n.rel.setUp(now, up)
	n.up = up
	if up {
		n.region.serve(n, +1)
		f.idx.insert(n)
		f.freed = true
		return nil, nil
	}
	n.region.serve(n, -1)
	f.idx.remove(n)
	var moved []iog.JobID
	for len(n.jobs) > 0 {
		e := n.jobs[0]
		moved = append(moved, e.job.ID)
		if e.job.Gang && len(e.nodes) > 1 && f.replaceMember(ctx, e, n) {
			f.log.Info("scheduler: gang member re-placed", "job", e.job.ID, "from", id)
			continue
		}
		f.release(e)
		f.requeue(e)
		f.log.Info("scheduler: job displaced", "job", e.job.ID, "from", id)
	}
	return moved, nil
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
