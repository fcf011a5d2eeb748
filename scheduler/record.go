package scheduler

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/internetofgpus/iog"
)

// The framework's state is restorable (the project's one pattern): the
// server saves the records an action touched (NodeRecord, JobRecord) and
// at start restores every one of them in a fresh Framework, which then
// schedules as the old one would have. What is free on each node is not
// recorded: it follows from the placements.

// NodeRecord is everything the framework holds of a device.
type NodeRecord struct {
	// Node is the device's capacity and place.
	Node Node `json:"node"`
	// Index is the device's rank in the order devices were added (see
	// NodeInfo.Index).
	Index int `json:"index"`
	// Up reports that the device is in service.
	Up bool `json:"up"`
	// Reliability is what the framework has seen of it.
	Reliability ReliabilityRecord `json:"reliability"`
}

// ReliabilityRecord is what a device's reliability score is made of.
type ReliabilityRecord struct {
	// Since is when the device joined.
	Since time.Time `json:"since"`
	// Changed is when it last went up or down (Since if never).
	Changed time.Time `json:"changed"`
	// Down is how long it was down between Since and Changed.
	Down time.Duration `json:"down"`
	// FailedChecks is the failed checks not yet forgiven by passes.
	FailedChecks int `json:"failedChecks"`
	// Ratings is the number of users' ratings, Stars their sum.
	Ratings int `json:"ratings"`
	Stars   int `json:"stars"`
}

// JobRecord is everything the framework holds of a job.
type JobRecord struct {
	// Job is the job as submitted (Submitted set).
	Job Job `json:"job"`
	// Seq is the job's submission order, which breaks ties in the
	// queue.
	Seq uint64 `json:"seq"`
	// Placement is where the job is placed; nil while it waits. A job
	// whose Bind plugins are still running is recorded waiting: its
	// binding is not done.
	Placement *Placement `json:"placement,omitempty"`
	// Parked reports that the job waits for capacity to be released
	// before it is tried again.
	Parked bool `json:"parked,omitempty"`
	// Tried reports that an attempt to place it failed; Cause is what
	// stopped it, or what made it leave its placement, "" when the pool
	// had no room (see JobStatus.Reason).
	Tried bool   `json:"tried,omitempty"`
	Cause string `json:"cause,omitempty"`
}

// NodeRecord returns the record of device id, or false if it is not in
// the pool.
func (f *Framework) NodeRecord(id iog.DeviceID) (NodeRecord, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.byID[id]
	if !ok {
		return NodeRecord{}, false
	}
	return n.record(), true
}

// NodeRecords returns the record of every device, by ID.
func (f *Framework) NodeRecords() []NodeRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]NodeRecord, 0, len(f.nodes))
	for _, n := range f.nodes {
		out = append(out, n.record())
	}
	slices.SortFunc(out, func(a, b NodeRecord) int { return cmp.Compare(a.Node.ID, b.Node.ID) })
	return out
}

func (n *NodeInfo) record() NodeRecord {
	spec := n.spec
	return NodeRecord{Node: spec, Index: n.idx, Up: n.up, Reliability: ReliabilityRecord{
		Since: n.rel.since, Changed: n.rel.changed, Down: n.rel.down,
		FailedChecks: n.rel.failed, Ratings: n.rel.ratings, Stars: n.rel.starsSum}}
}

// JobRecord returns the record of job id, or false if it is not held.
func (f *Framework) JobRecord(id iog.JobID) (JobRecord, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.jobs[id]
	if !ok {
		return JobRecord{}, false
	}
	return e.record(), true
}

// JobRecords returns the record of every job held, by ID.
func (f *Framework) JobRecords() []JobRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]JobRecord, 0, len(f.jobs))
	for _, e := range f.jobs {
		out = append(out, e.record())
	}
	slices.SortFunc(out, func(a, b JobRecord) int { return cmp.Compare(a.Job.ID, b.Job.ID) })
	return out
}

func (e *jobEntry) record() JobRecord {
	job := e.job
	job.Requirements.Locations = slices.Clone(job.Requirements.Locations)
	r := JobRecord{Job: job, Seq: e.seq, Tried: e.tried, Cause: e.cause}
	switch e.state {
	case placed:
		p := clonePlacement(e.placement)
		r.Placement = &p
	case parked:
		r.Parked = true
	}
	return r
}

// Bounds on restored orders, so that records cannot make the framework
// or its caches allocate without limit.
const (
	maxRestoredIndex = 1 << 40
	maxRestoredSeq   = 1 << 62
)

// Restore rebuilds, in a Framework that holds no device and no job, the
// devices and jobs of the records (of NodeRecords and JobRecords, in any
// order). It checks every record (well-formed, no ID, index or sequence
// twice, placements on devices that are up and within their capacity,
// each exactly what its job asks) and restores all of them, or returns an
// error wrapping iog.ErrInvalid and changes nothing; iog.ErrConflict when
// the Framework is not empty. Plugins are not told of restored
// placements: they were bound before.
//
// The restored framework answers every query as the old one did and,
// given the same operations, does the same, with one exception: within
// the index, devices with the same free GPUs are visited in an order
// that depends on their history, which is not recorded (keeping it would
// touch other devices' records on every placement). Where scores tie
// (or with no Score plugin, which takes the first option found), the
// restored framework may choose another of the tied devices.
func (f *Framework) Restore(nodes []NodeRecord, jobs []JobRecord) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.nodes) > 0 || len(f.jobs) > 0 {
		return fmt.Errorf("scheduler: restore into a framework holding %d nodes and %d jobs: %w", len(f.nodes), len(f.jobs), iog.ErrConflict)
	}
	g := &Framework{cfg: f.cfg, clock: f.clock, log: f.log, idx: newIndex(),
		byID: map[iog.DeviceID]*NodeInfo{}, jobs: map[iog.JobID]*jobEntry{},
		running: map[int32]int{}, regions: map[string]*regionLoad{}, locIDs: map[iog.Location]int32{}}
	g.queue.less = f.queue.less
	g.idx.bounded = f.idx.bounded
	if err := g.restoreNodes(nodes); err != nil {
		return err
	}
	if err := g.restoreJobs(jobs); err != nil {
		return err
	}
	if err := g.CheckInvariants(); err != nil {
		return fmt.Errorf("scheduler: restore: %w: %w", iog.ErrInvalid, err)
	}
	f.idx, f.nodes, f.byID, f.jobs, f.queue, f.parked = g.idx, g.nodes, g.byID, g.jobs, g.queue, g.parked
	f.newest, f.stamp, f.running, f.regions, f.locs, f.locIDs = g.newest, g.stamp, g.running, g.regions, g.locs, g.locIDs
	return nil
}

// restoreNodes adds the nodes of the records, in the order of their
// indices.
func (f *Framework) restoreNodes(recs []NodeRecord) error {
	recs = slices.Clone(recs)
	slices.SortFunc(recs, func(a, b NodeRecord) int { return cmp.Compare(a.Index, b.Index) })
	for i, r := range recs {
		if err := r.validate(); err != nil {
			return err
		}
		if _, dup := f.byID[r.Node.ID]; dup {
			return fmt.Errorf("scheduler: restore: node %s twice: %w", r.Node.ID, iog.ErrInvalid)
		}
		if i > 0 && recs[i-1].Index == r.Index {
			return fmt.Errorf("scheduler: restore: nodes %s and %s both of index %d: %w", recs[i-1].Node.ID, r.Node.ID, r.Index, iog.ErrInvalid)
		}
		n := f.addNode(r.Node, r.Index)
		rel := r.Reliability
		n.rel = reliability{since: rel.Since, changed: rel.Changed, down: rel.Down, isDown: !r.Up,
			failed: rel.FailedChecks, ratings: rel.Ratings, starsSum: rel.Stars}
		n.up = r.Up
		if r.Up {
			f.idx.insert(n)
			n.region.serve(n, +1)
		}
	}
	return nil
}

// validate checks a node record on its own.
func (r NodeRecord) validate() error {
	if err := r.Node.Validate(); err != nil {
		return fmt.Errorf("scheduler: restore: %w", err)
	}
	rel := r.Reliability
	switch {
	case r.Index < 0 || r.Index > maxRestoredIndex:
		return fmt.Errorf("scheduler: restore: node %s: index %d; want 0 to %d: %w", r.Node.ID, r.Index, maxRestoredIndex, iog.ErrInvalid)
	case rel.Changed.Before(rel.Since) || rel.Down < 0 || rel.Down > rel.Changed.Sub(rel.Since):
		return fmt.Errorf("scheduler: restore: node %s: down %v between %v and %v: %w", r.Node.ID, rel.Down, rel.Since, rel.Changed, iog.ErrInvalid)
	case rel.FailedChecks < 0 || rel.Ratings < 0 || rel.Ratings > 1<<40 || rel.Stars < rel.Ratings || rel.Stars > maxStars*rel.Ratings:
		return fmt.Errorf("scheduler: restore: node %s: %d failed checks, %d stars in %d ratings: %w", r.Node.ID, rel.FailedChecks, rel.Stars, rel.Ratings, iog.ErrInvalid)
	}
	return nil
}

// restoreJobs files the jobs of the records, placing the placed ones, in
// the order of their sequences.
func (f *Framework) restoreJobs(recs []JobRecord) error {
	recs = slices.Clone(recs)
	slices.SortFunc(recs, func(a, b JobRecord) int { return cmp.Compare(a.Seq, b.Seq) })
	for i, r := range recs {
		job := r.Job
		if err := job.Validate(); err != nil {
			return fmt.Errorf("scheduler: restore: %w", err)
		}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("scheduler: restore: job %s: "+format+": %w", append(append([]any{job.ID}, args...), iog.ErrInvalid)...)
		}
		switch {
		case f.jobs[job.ID] != nil:
			return bad("twice")
		case r.Seq == 0 || r.Seq > maxRestoredSeq || i > 0 && recs[i-1].Seq == r.Seq:
			return bad("sequence %d is zero, too large or taken", r.Seq)
		case job.Submitted.IsZero():
			return bad("no submission time")
		case r.Parked && !r.Tried:
			return bad("parked but never tried")
		case r.Placement != nil && (r.Parked || r.Tried || r.Cause != ""):
			return bad("placed and waiting")
		}
		job.Requirements.Locations = slices.Clone(job.Requirements.Locations)
		e := &jobEntry{job: job, seq: r.Seq, tried: r.Tried, cause: r.Cause}
		if r.Placement != nil {
			nodes, as, err := f.checkPlacement(&job, *r.Placement)
			if err != nil {
				return err
			}
			f.apply(e, nodes, as)
			e.state = placed
		}
		f.hold(e)
		switch {
		case r.Placement != nil:
		case r.Parked:
			f.park(e)
		default:
			f.queue.push(e)
		}
	}
	return nil
}

// checkPlacement checks that p, of job, is exactly what the job asks, on
// devices that are up, with the static constraints met and the capacity
// free, and returns its nodes and a copy of its assignments.
func (f *Framework) checkPlacement(job *Job, p Placement) ([]*NodeInfo, []Assignment, error) {
	r := &job.Requirements
	bad := func(format string, args ...any) error {
		return fmt.Errorf("scheduler: restore: placement of job %s: "+format+": %w", append(append([]any{job.ID}, args...), iog.ErrInvalid)...)
	}
	p = clonePlacement(p)
	if p.Job != job.ID || len(p.Assignments) == 0 || !job.Gang && len(p.Assignments) != 1 {
		return nil, nil, bad("names job %s with %d assignments", p.Job, len(p.Assignments))
	}
	nodes := make([]*NodeInfo, 0, len(p.Assignments))
	gpus := 0
	for _, a := range p.Assignments {
		n, ok := f.byID[a.Device]
		switch {
		case !ok || !n.up || slices.Contains(nodes, n):
			return nil, nil, bad("device %s is unknown, down or used twice", a.Device)
		case !n.fitsStatic(r):
			return nil, nil, bad("device %s does not meet its requirements", a.Device)
		}
		k := uint64(len(a.GPUs))
		want := Assignment{Device: a.Device, GPUs: a.GPUs, Share: r.Share(), CPUMilli: r.CPUMilli, MemoryBytes: r.MemoryBytes}
		switch {
		case job.Gang:
			want.Share, want.CPUMilli, want.MemoryBytes = iog.FullGPU, k*r.CPUMilli, k*r.MemoryBytes
		case r.GPUCount == 0:
			want.Share = 0
		}
		if !job.Gang && int(k) != r.GPUCount || job.Gang && k == 0 || a.Share != want.Share || a.CPUMilli != want.CPUMilli || a.MemoryBytes != want.MemoryBytes {
			return nil, nil, bad("on %s it holds %d GPUs of %v, %d CPU, %d memory; not what it asks", a.Device, k, a.Share, a.CPUMilli, a.MemoryBytes)
		}
		for i, g := range a.GPUs {
			if g < 0 || g >= len(n.free) || slices.Contains(a.GPUs[:i], g) || n.free[g] < uint16(a.Share) {
				return nil, nil, bad("GPU %d of %s is not there or not free", g, a.Device)
			}
		}
		if n.freeCPU < a.CPUMilli || n.freeMem < a.MemoryBytes {
			return nil, nil, bad("%s has not the CPU or memory free", a.Device)
		}
		gpus += int(k)
		nodes = append(nodes, n)
	}
	if job.Gang && gpus != r.GPUCount {
		return nil, nil, bad("a gang of %d GPUs holds %d", r.GPUCount, gpus)
	}
	return nodes, p.Assignments, nil
}
