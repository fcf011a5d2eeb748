package scheduler

import (
	"fmt"
	"slices"

	"github.com/internetofgpus/iog"
)

// Submit queues a job. Its Submitted time defaults to the clock's now.
func (f *Framework) Submit(job Job) error {
	if err := job.Validate(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, dup := f.jobs[job.ID]; dup {
		return fmt.Errorf("scheduler: job %s was already submitted: %w", job.ID, iog.ErrConflict)
	}
	if job.Submitted.IsZero() {
		job.Submitted = f.clock.Now()
	}
	job.Requirements.Locations = slices.Clone(job.Requirements.Locations)
	e := &jobEntry{job: job, seq: f.lastSeq() + 1}
	f.hold(e)
	f.queue.push(e)
	return nil
}

// hold files e, whose sequence is larger than any held, among the jobs.
func (f *Framework) hold(e *jobEntry) {
	f.jobs[e.job.ID] = e
	e.older = f.newest
	if f.newest != nil {
		f.newest.newer = e
	}
	f.newest = e
}

// forget drops e from the jobs; the next job's sequence follows the
// largest still held, as it would after a restart.
func (f *Framework) forget(e *jobEntry) {
	delete(f.jobs, e.job.ID)
	if e.older != nil {
		e.older.newer = e.newer
	}
	if e.newer != nil {
		e.newer.older = e.older
	} else {
		f.newest = e.older
	}
	e.older, e.newer = nil, nil
}

// lastSeq returns the largest submission sequence held, 0 for none.
func (f *Framework) lastSeq() uint64 {
	if f.newest == nil {
		return 0
	}
	return f.newest.seq
}

// Cancel removes a job, queued or placed, releasing what it held. A job
// whose Bind plugins are running releases its devices at once; its
// placement is rolled back when they return (see the plugin contract).
func (f *Framework) Cancel(id iog.JobID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.jobs[id]
	if !ok {
		return fmt.Errorf("scheduler: cancel job %s: %w", id, iog.ErrNotFound)
	}
	switch e.state {
	case queued:
		f.queue.remove(e)
	case parked:
		f.parked = slices.DeleteFunc(f.parked, func(p *jobEntry) bool { return p == e })
	case placed:
		f.release(e)
	case binding:
		f.release(e)
		e.state = cancelled
	case unbound:
		e.state = cancelled
	}
	f.forget(e)
	return nil
}

// Placement reports where a job runs: false unless it is placed and
// bound.
func (f *Framework) Placement(id iog.JobID) (Placement, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.jobs[id]
	if !ok || e.state != placed {
		return Placement{}, false
	}
	return clonePlacement(e.placement), true
}

func clonePlacement(p Placement) Placement {
	p.Assignments = slices.Clone(p.Assignments)
	for i := range p.Assignments {
		p.Assignments[i].GPUs = slices.Clone(p.Assignments[i].GPUs)
	}
	return p
}

// Pending returns the number of jobs waiting to be placed.
func (f *Framework) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queue.Len() + len(f.parked)
}
