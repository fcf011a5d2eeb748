package scheduler

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// pendingBind is a placement reserved under the lock whose Permit and
// Bind plugins run after the lock is released.
type pendingBind struct {
	e   *jobEntry
	job Job       // a copy for the plugins, which run without the lock
	p   Placement // a copy, likewise
	st  CycleState
	// first is set for a job's first placement, whose Reserve plugins
	// are told of a rollback; unset for a gang member's re-placement.
	first bool
}

// binds reports whether the profile has plugins that run without the
// lock.
func (f *Framework) binds() bool {
	return len(f.cfg.Profile.Permit) > 0 || len(f.cfg.Profile.Bind) > 0
}

// reserve takes a placement's resources and tells the Reserve plugins,
// undoing it if one refuses. Without Permit or Bind plugins the job is
// placed at once; else it is binding and the returned pendingBind, which
// takes over the cycle state, must be completed.
func (f *Framework) reserve(e *jobEntry, nodes []*NodeInfo, as []Assignment) (outcome, *pendingBind) {
	f.apply(e, nodes, as)
	prof := &f.cfg.Profile
	for i, rp := range prof.Reserve {
		if err := rp.Reserve(&f.st, &e.job, e.placement); err != nil {
			e.cause = fmt.Sprintf("%s refused it: %v", rp.Name(), err)
			f.unreserve(&f.st, e, e.placement, prof.Reserve[:i])
			f.release(e)
			return refused, nil
		}
	}
	if !f.binds() {
		e.state, e.tried, e.cause = placed, false, ""
		return placedNow, nil
	}
	b := &pendingBind{e: e, job: e.job, p: clonePlacement(e.placement), st: f.st, first: true}
	f.st = CycleState{Now: b.st.Now, GangRTT: b.st.GangRTT} // the binding owns the data
	return placedNow, b
}

// bindUnlocked runs b's plugins without the lock, which the caller
// holds, and settles it.
func (f *Framework) bindUnlocked(ctx context.Context, b *pendingBind) outcome {
	f.mu.Unlock()
	cause := f.permitAndBind(ctx, b)
	f.mu.Lock()
	return f.settle(b, cause)
}

// permitAndBind runs the Permit and Bind plugins on b's placement and
// returns why one refused, or "".
func (f *Framework) permitAndBind(ctx context.Context, b *pendingBind) string {
	for _, pp := range f.cfg.Profile.Permit {
		if err := pp.Permit(&b.st, &b.job, b.p); err != nil {
			f.log.Info("scheduler: placement not permitted", "job", b.job.ID, "plugin", pp.Name(), "err", err)
			return fmt.Sprintf("%s did not permit it: %v", pp.Name(), err)
		}
	}
	for _, bp := range f.cfg.Profile.Bind {
		if err := bp.Bind(ctx, &b.job, b.p); err != nil {
			f.log.Warn("scheduler: bind failed", "job", b.job.ID, "plugin", bp.Name(), "err", err)
			return fmt.Sprintf("%s could not bind it: %v", bp.Name(), err)
		}
	}
	return ""
}

// settle commits b, whose plugins returned (cause "" when all agreed), or
// rolls it back: when a plugin refused, or the job was cancelled or lost
// a device while they ran. A refused first placement waits for capacity
// (the caller parks it); a refused re-placement leaves whole and goes back
// to the queue.
func (f *Framework) settle(b *pendingBind, cause string) outcome {
	e := b.e
	switch e.state {
	case binding:
		if cause == "" {
			e.state, e.tried, e.cause = placed, false, ""
			if !b.first {
				f.wake()
			}
			return placedNow
		}
		if b.first {
			f.unreserve(&b.st, e, b.p, f.cfg.Profile.Reserve)
			f.release(e)
			e.cause = cause
			return refused
		}
		f.release(e)
		f.requeue(e, "its gang member's re-placement failed: "+cause)
		return dropped
	case unbound:
		if b.first {
			f.unreserve(&b.st, e, b.p, f.cfg.Profile.Reserve)
		}
		f.requeue(e, e.cause)
		return dropped
	default: // cancelled, its resources released
		if b.first {
			f.unreserve(&b.st, e, b.p, f.cfg.Profile.Reserve)
		}
		return dropped
	}
}

// settleAll runs the plugins of re-placements made under the lock, which
// the caller does not hold, and settles them.
func (f *Framework) settleAll(ctx context.Context, bs []*pendingBind) {
	for _, b := range bs {
		cause := f.permitAndBind(ctx, b)
		f.mu.Lock()
		f.settle(b, cause)
		f.mu.Unlock()
	}
}

// unreserve tells the given Reserve plugins, in reverse, that placement p
// of e is undone.
func (f *Framework) unreserve(st *CycleState, e *jobEntry, p Placement, done []ReservePlugin) {
	for i := len(done) - 1; i >= 0; i-- {
		done[i].Unreserve(st, &e.job, p)
	}
}

// apply takes the resources of a placement from its nodes; the job is
// binding until its plugins agree.
func (f *Framework) apply(e *jobEntry, nodes []*NodeInfo, as []Assignment) {
	for i, n := range nodes {
		n.take(as[i], +1)
		n.reside(e)
		f.idx.update(n)
	}
	e.nodes, e.placement, e.state = nodes, Placement{Job: e.job.ID, Assignments: as}, binding
	f.running[e.job.Requirements.Priority]++
}

// reside adds e to n's residents, which are in submission order, so
// that a restored node lists them as the live one did.
func (n *NodeInfo) reside(e *jobEntry) {
	if k := len(n.jobs); k == 0 || n.jobs[k-1].seq < e.seq {
		n.jobs = append(n.jobs, e) // the usual case: the newest job
		return
	}
	i, _ := slices.BinarySearchFunc(n.jobs, e.seq, func(r *jobEntry, seq uint64) int { return cmp.Compare(r.seq, seq) })
	n.jobs = slices.Insert(n.jobs, i, e)
}

// release gives a placed or binding job's resources back.
func (f *Framework) release(e *jobEntry) {
	for i, n := range e.nodes {
		n.take(e.placement.Assignments[i], -1)
		n.jobs = slices.DeleteFunc(n.jobs, func(j *jobEntry) bool { return j == e })
		f.idx.update(n)
	}
	if (e.state == placed || e.state == binding) && len(e.nodes) > 0 {
		p := e.job.Requirements.Priority
		if f.running[p]--; f.running[p] == 0 {
			delete(f.running, p)
		}
	}
	e.nodes, e.placement = nil, Placement{}
	f.wake()
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

// requeue puts a job that lost its place back in the queue, saying why.
func (f *Framework) requeue(e *jobEntry, cause string) {
	e.cause = cause
	f.queue.push(e)
}
