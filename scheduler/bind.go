package scheduler

import (
	"context"
	"slices"
)

// commit reserves, permits and binds a placement, undoing all of it if a
// plugin refuses.
func (f *Framework) commit(ctx context.Context, e *jobEntry, nodes []*NodeInfo, as []Assignment) bool {
	f.apply(e, nodes, as)
	prof := &f.cfg.Profile
	for i, rp := range prof.Reserve {
		if err := rp.Reserve(&f.st, &e.job, e.placement); err != nil {
			f.unreserve(e, prof.Reserve[:i])
			return false
		}
	}
	if !f.permitAndBind(ctx, e) {
		f.unreserve(e, prof.Reserve)
		return false
	}
	f.running[e.job.Requirements.Priority]++
	return true
}

// permitAndBind runs the Permit and Bind plugins on e's placement.
func (f *Framework) permitAndBind(ctx context.Context, e *jobEntry) bool {
	for _, pp := range f.cfg.Profile.Permit {
		if err := pp.Permit(&f.st, &e.job, e.placement); err != nil {
			f.log.Info("scheduler: placement not permitted", "job", e.job.ID, "plugin", pp.Name(), "err", err)
			return false
		}
	}
	for _, bp := range f.cfg.Profile.Bind {
		if err := bp.Bind(ctx, &e.job, e.placement); err != nil {
			f.log.Warn("scheduler: bind failed", "job", e.job.ID, "plugin", bp.Name(), "err", err)
			return false
		}
	}
	return true
}

// unreserve tells the given Reserve plugins, in reverse, and releases.
func (f *Framework) unreserve(e *jobEntry, done []ReservePlugin) {
	for i := len(done) - 1; i >= 0; i-- {
		done[i].Unreserve(&f.st, &e.job, e.placement)
	}
	e.state = queued // not yet counted as running
	f.release(e)
}

// apply takes the resources of a placement from its nodes.
func (f *Framework) apply(e *jobEntry, nodes []*NodeInfo, as []Assignment) {
	for i, n := range nodes {
		n.take(as[i], +1)
		n.jobs = append(n.jobs, e)
		f.idx.update(n)
	}
	e.nodes, e.placement, e.state = nodes, Placement{Job: e.job.ID, Assignments: as}, placed
}

// release gives a placed job's resources back.
func (f *Framework) release(e *jobEntry) {
	for i, n := range e.nodes {
		n.take(e.placement.Assignments[i], -1)
		n.jobs = slices.DeleteFunc(n.jobs, func(j *jobEntry) bool { return j == e })
		f.idx.update(n)
	}
	if e.state == placed && len(e.nodes) > 0 {
		p := e.job.Requirements.Priority
		if f.running[p]--; f.running[p] == 0 {
			delete(f.running, p)
		}
	}
	e.nodes, e.placement = nil, Placement{}
	f.freed = true
}

// take applies an assignment to n's free resources: sign +1 takes, -1
// gives back.
func (n *NodeInfo) take(a Assignment, sign int) {
	for _, g := range a.GPUs {
		n.free[g] = uint16(int(n.free[g]) - sign*int(a.Share))
	}
	if sign > 0 {
		n.freeCPU -= a.CPUMilli
		n.freeMem -= a.MemoryBytes
	} else {
		n.freeCPU += a.CPUMilli
		n.freeMem += a.MemoryBytes
	}
	gpu := uint64(len(a.GPUs)) * uint64(a.Share)
	if sign > 0 {
		n.region.gpuUsed += gpu
		n.region.cpuUsed += a.CPUMilli
	} else {
		n.region.gpuUsed -= gpu
		n.region.cpuUsed -= a.CPUMilli
	}
	n.version++
}

// requeue puts a job that lost its place back in the queue.
func (f *Framework) requeue(e *jobEntry) {
	e.state = queued
	f.queue.push(e)
}
