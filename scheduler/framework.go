package scheduler

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/internetofgpus/iog"
)

// Config configures a Framework. The zero Config is a working scheduler
// with the system clock, the default profile and every feasible node
// scored.
type Config struct {
	// Clock stamps submissions and ages the queue; nil is iog.SystemClock.
	Clock iog.Clock
	// Profile is the plugins to run; the zero Profile places each job on
	// the first feasible option, by priority with ageing.
	Profile Profile
	// MaxCandidates bounds the feasible nodes scored for one job (as the
	// Kubernetes scheduler's percentageOfNodesToScore does): the index
	// offers the tightest-fitting nodes first. Zero scores every feasible
	// node.
	MaxCandidates int
	// CoLocatedRTT is the latency bound between the devices of a
	// co-located gang that gives no MaxRTT; zero is 10 ms (one region).
	CoLocatedRTT time.Duration
	// StarvationLimit protects old jobs from being starved by smaller ones
	// that keep filling the space they need (backfilling): once a job has
	// waited this long, fails to fit, and would fit on the pool were it
	// empty (on nodes its budget and the Filter plugins accept), the
	// cycle stops there and places nothing after it, so that
	// capacity accumulates for it as work finishes. Zero never holds.
	StarvationLimit time.Duration
	// Price prices a node for a job; with it, a job's
	// Requirements.BudgetPerHour is a hard constraint whatever the score
	// policy: a single-node job is only placed where the whole request is
	// within budget, and a gang only on nodes whose price per GPU, times
	// the gang's GPUs, is within budget, and only if its members' prices
	// add up to no more than the budget. A node that cannot be priced (an
	// error, another currency) takes no budgeted job. Nil checks no
	// budget: without prices, budgets cannot be checked.
	Price PriceFunc
	// Logger receives evictions and re-placements; nil discards them.
	Logger *slog.Logger
}

// Framework is the Scheduler of the package: a queue, an index of nodes,
// and the plugins of a Profile called at each extension point. It is safe
// for concurrent use.
type Framework struct {
	mu     sync.Mutex
	cfg    Config
	clock  iog.Clock
	log    *slog.Logger
	idx    index
	nodes  []*NodeInfo
	byID   map[iog.DeviceID]*NodeInfo
	jobs   map[iog.JobID]*jobEntry
	queue  jobQueue
	parked []*jobEntry
	freed  bool // capacity was released since parked jobs last tried
	seq    uint64
	st     CycleState
	opts   []Option
	scores []float64
	total  []float64
	// gangCands and gangOrder are scratch space for gang planning.
	gangCands, gangOrder []gangCandidate
	// running counts placed jobs by priority, so that preemption is
	// only tried when lower-priority work runs.
	running map[int32]int
	regions map[string]*regionLoad
	// locs are the distinct node locations, locIDs their indices.
	locs   []iog.Location
	locIDs map[iog.Location]int32
}

// jobState is where a job is.
type jobState uint8

const (
	queued jobState = iota // in the heap
	parked                 // tried and did not fit; waits for capacity
	placed
)

// jobEntry is the scheduler's record of a job.
type jobEntry struct {
	job       Job
	seq       uint64
	state     jobState
	heapIdx   int
	nodes     []*NodeInfo // the nodes of placement.Assignments, in order
	placement Placement
}

// assignmentOn returns the job's assignment on n.
func (e *jobEntry) assignmentOn(n *NodeInfo) Assignment {
	for i, m := range e.nodes {
		if m == n {
			return e.placement.Assignments[i]
		}
	}
	return Assignment{}
}

// New returns a Framework configured by cfg.
func New(cfg Config) *Framework {
	if cfg.Clock == nil {
		cfg.Clock = iog.SystemClock
	}
	if cfg.Profile.QueueSort == nil {
		cfg.Profile.QueueSort = PriorityAging{Step: time.Hour}
	}
	if cfg.CoLocatedRTT == 0 {
		cfg.CoLocatedRTT = 10 * time.Millisecond
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &Framework{cfg: cfg, clock: cfg.Clock, log: log, idx: newIndex(),
		byID: map[iog.DeviceID]*NodeInfo{}, jobs: map[iog.JobID]*jobEntry{}, running: map[int32]int{}, regions: map[string]*regionLoad{}, locIDs: map[iog.Location]int32{}}
	f.queue.less = cfg.Profile.QueueSort.Less
	return f
}

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
	f.seq++
	e := &jobEntry{job: job, seq: f.seq}
	f.jobs[job.ID] = e
	f.queue.push(e)
	return nil
}

// Cancel removes a job, queued or placed, releasing what it held.
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
	}
	delete(f.jobs, id)
	return nil
}

// Placement reports where a job runs.
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

// Schedule runs one cycle: every waiting job, in queue order, is tried
// once. Jobs that do not fit wait, without being tried again, until
// capacity is released (a cancellation, an eviction, a node coming up).
// It stops early, with the context's error, when ctx ends.
func (f *Framework) Schedule(ctx context.Context) (Report, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var rep Report
	if f.freed {
		for _, e := range f.parked {
			f.queue.push(e)
		}
		f.parked = f.parked[:0]
		f.freed = false
	}
	var failed []*jobEntry
	holding := false // a starved job holds the rest of the queue back
	for f.queue.Len() > 0 {
		if err := ctx.Err(); err != nil {
			f.parked = append(f.parked, failed...)
			for _, e := range failed {
				e.state = parked
			}
			rep.Pending = f.queue.Len() + len(f.parked)
			return rep, fmt.Errorf("scheduler: cycle stopped: %w", err)
		}
		e := f.queue.pop()
		if holding {
			failed = append(failed, e)
			continue
		}
		out := f.scheduleOne(ctx, e)
		if out == placedNow {
			rep.Placed = append(rep.Placed, clonePlacement(e.placement))
			continue
		}
		if out == noFit {
			victims := f.preempt(e)
			rep.Preempted = append(rep.Preempted, victims...)
			rep.Placed = slices.DeleteFunc(rep.Placed, func(p Placement) bool { return slices.Contains(victims, p.Job) })
			if len(victims) > 0 && f.scheduleOne(ctx, e) == placedNow {
				rep.Placed = append(rep.Placed, clonePlacement(e.placement))
				continue
			}
		}
		failed = append(failed, e)
		holding = f.starved(e)
	}
	for _, e := range failed {
		e.state = parked
	}
	f.parked = append(f.parked, failed...)
	rep.Pending = len(f.parked)
	return rep, nil
}

// outcome is how an attempt to place a job ended.
type outcome uint8

const (
	placedNow outcome = iota
	noFit             // no node (or set of nodes) fits: preemption may help
	refused           // a PreFilter, Reserve, Permit or Bind plugin said no
)

// scheduleOne tries to place e now.
func (f *Framework) scheduleOne(ctx context.Context, e *jobEntry) outcome {
	f.st.reset(f.clock.Now())
	if e.job.Gang {
		f.st.GangRTT = f.latencyBound(&e.job.Requirements)
	}
	for _, p := range f.cfg.Profile.PreFilter {
		if err := p.PreFilter(&f.st, &e.job); err != nil {
			return refused
		}
	}
	var nodes []*NodeInfo
	var as []Assignment
	if e.job.Gang {
		nodes, as = f.planGang(&e.job, nil, e.job.Requirements.GPUCount, nil)
		if nodes == nil || !f.planWithinBudget(&e.job, nodes, as) {
			return noFit
		}
	} else {
		opts := f.options(&e.job)
		if len(opts) == 0 {
			return noFit
		}
		best := f.pick(&e.job, opts)
		nodes, as = []*NodeInfo{best.Node}, []Assignment{assignOn(&e.job.Requirements, best)}
	}
	if !f.commit(ctx, e, nodes, as) {
		return refused
	}
	return placedNow
}

// options collects the feasible options of a single-node job.
func (f *Framework) options(job *Job) []Option {
	r := &job.Requirements
	share := uint16(r.Share())
	f.opts = f.opts[:0]
	found := 0
	limit := f.cfg.MaxCandidates
	for _, g := range f.idx.groups {
		if !g.matchesGPU(r) {
			continue
		}
		more := bucketsFor(g, r.GPUCount, share, func(list []*NodeInfo) bool {
			for _, n := range list {
				if !n.fitsCore(r) || !f.filtered(job, n) {
					continue
				}
				f.opts = appendOptions(f.opts, n, r.GPUCount, share)
				found++
				if limit > 0 && found >= limit {
					return false
				}
			}
			return true
		})
		if !more {
			break
		}
	}
	return f.opts
}

// filtered runs the budget check and the Filter plugins.
func (f *Framework) filtered(job *Job, n *NodeInfo) bool {
	if !f.withinBudget(job, n) {
		return false
	}
	for _, p := range f.cfg.Profile.Filter {
		if !p.Filter(&f.st, job, n) {
			return false
		}
	}
	return true
}

// appendOptions adds n's options: for a fractional share one per distinct
// free share that can hold it, else the node itself.
func appendOptions(opts []Option, n *NodeInfo, count int, share uint16) []Option {
	if count != 1 || share >= uint16(iog.FullGPU) {
		return append(opts, Option{Node: n, GPU: -1})
	}
	for g, fr := range n.free {
		if fr < share || slices.Contains(n.free[:g], fr) {
			continue
		}
		opts = append(opts, Option{Node: n, GPU: g})
	}
	return opts
}

// assignOn returns the assignment of r for option o.
func assignOn(r *iog.Requirements, o Option) Assignment {
	a := Assignment{Device: o.Node.spec.ID, Share: r.Share(), CPUMilli: r.CPUMilli, MemoryBytes: r.MemoryBytes}
	if r.GPUCount == 0 {
		a.Share = 0
		return a
	}
	if o.GPU >= 0 {
		a.GPUs = []int{o.GPU}
		return a
	}
	a.GPUs = firstWholeGPUs(o.Node.free, r.GPUCount)
	return a
}

// pick returns the best-scoring option; ties go to the one found first.
func (f *Framework) pick(job *Job, opts []Option) Option {
	plugins := f.cfg.Profile.Score
	if len(plugins) == 0 || len(opts) == 1 {
		return opts[0]
	}
	f.total = resize(f.total, len(opts))
	clear(f.total)
	for _, ws := range plugins {
		f.scores = resize(f.scores, len(opts))
		for i, o := range opts {
			f.scores[i] = ws.Plugin.Score(&f.st, job, o)
		}
		if nz, ok := ws.Plugin.(ScoreNormalizer); ok {
			nz.NormalizeScores(&f.st, job, f.scores)
		} else if len(plugins) > 1 {
			minMaxNormalize(f.scores)
		}
		w := ws.Weight
		if w == 0 {
			w = 1
		}
		for i, s := range f.scores {
			f.total[i] += w * s
		}
	}
	best := 0
	for i, s := range f.total {
		if s > f.total[best] {
			best = i
		}
	}
	return opts[best]
}

func resize(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// minMaxNormalize rescales scores linearly onto 0..100; equal scores all
// become 0.
func minMaxNormalize(scores []float64) {
	lo, hi := slices.Min(scores), slices.Max(scores)
	for i, s := range scores {
		if hi > lo {
			scores[i] = 100 * (s - lo) / (hi - lo)
		} else {
			scores[i] = 0
		}
	}
}

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

// starved reports whether e, which just failed to fit, has waited past
// the starvation limit and would fit on the up nodes were they empty (a
// gang within its latency bound, if it has one), counting only nodes its
// budget and the Filter plugins accept as they are now: a job no node
// could ever take must not hold the queue.
func (f *Framework) starved(e *jobEntry) bool {
	limit := f.cfg.StarvationLimit
	if limit <= 0 || f.clock.Now().Sub(e.job.Submitted) < limit {
		return false
	}
	r := &e.job.Requirements
	var cands []gangCandidate // for a gang, every node's GPUs were it empty
	whole := 0
	for n := range f.suitable(&e.job) {
		if !e.job.Gang {
			if n.spec.CPUMilli >= r.CPUMilli && n.spec.MemoryBytes >= r.MemoryBytes && r.GPUCount <= len(n.free) {
				return true
			}
			continue
		}
		if u := memberGPUs(r, len(n.free), n.spec.CPUMilli, n.spec.MemoryBytes); u > 0 {
			cands = append(cands, gangCandidate{node: n, usable: u})
			whole += u
		}
	}
	if !e.job.Gang || whole < r.GPUCount {
		return false
	}
	bound := f.latencyBound(r)
	return bound <= 0 || f.planLatencyBound(cands, nil, r.GPUCount, bound) != nil
}

// suitable yields the up nodes that would suit job were they empty: those
// of its GPU model that meet the constraints that do not depend on what is
// free and that its budget and the Filter plugins accept as they are now.
func (f *Framework) suitable(job *Job) iter.Seq[*NodeInfo] {
	return func(yield func(*NodeInfo) bool) {
		r := &job.Requirements
		for _, g := range f.idx.groups {
			if !g.matchesGPU(r) {
				continue
			}
			for b := range g.buckets {
				for _, n := range g.buckets[b] {
					if n.fitsStatic(r) && f.filtered(job, n) && !yield(n) {
						return
					}
				}
			}
		}
	}
}
