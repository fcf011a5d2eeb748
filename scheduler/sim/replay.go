package sim

import (
	"container/heap"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler"
)

// Replay runs a workload through a scheduler in virtual time: tasks
// arrive at their trace times, run for their durations once placed and
// leave; optionally a share of the devices fails for a while. It is
// deterministic for a given workload, policy and seed.
type Replay struct {
	// Workload is the pool and the tasks to replay.
	Workload Workload
	// Scheduler is the scheduler to measure. Nil builds a Framework
	// scoring with Policy alone, on a virtual clock. A scheduler given
	// here must have no nodes yet, and should share Clock.
	Scheduler scheduler.Scheduler
	// Clock is the virtual clock the replay advances; nil makes one. Give
	// the same clock to a Scheduler of one's own.
	Clock *iog.ManualClock
	// Policy names the policy of the default scheduler.
	Policy string
	// Seed seeds the random policy and the choice of failing devices.
	Seed uint64
	// Price prices nodes for the cost-aware policy; nil is FlatPrice.
	Price scheduler.PriceFunc
	// FailFraction of the devices go down at FailAt and come back
	// FailFor later; zero fails none.
	FailFraction float64
	// FailAt is when the devices fail, from the start of the trace.
	FailAt time.Duration
	// FailFor is how long they stay down; zero keeps them down.
	FailFor time.Duration
	// MaxCandidates bounds the nodes the default scheduler scores per
	// task (scheduler.Config.MaxCandidates); zero scores all that fit.
	MaxCandidates int
	// SampleEvery is how often allocation and fragmentation are sampled,
	// in whole seconds (rounded down, at least one); zero takes 256
	// samples over the arrivals (at least a minute apart).
	SampleEvery time.Duration
}

// Sample is the state of the pool at one moment of a replay.
type Sample struct {
	// At is when the sample was taken, from the start of the trace.
	At time.Duration
	// AllocPct is the allocated share of the GPU capacity, in percent.
	AllocPct float64
	// FragPct is the expected fragmentation (see scheduler.FGD) over the
	// workload's task mix; 0 when the scheduler does not show its nodes.
	FragPct float64
	// Pending is the number of jobs waiting; 0 when the scheduler does
	// not tell.
	Pending int
}

// Metrics is what a replay measured.
type Metrics struct {
	// Policy is the Replay's Policy.
	Policy string
	// Tasks is the number of tasks; Completed finished, Unplaced were
	// never placed by the end, Preempted and Displaced count evictions
	// for priority and for failed devices.
	Tasks, Completed, Unplaced, Preempted, Displaced int
	// Span is the virtual time from the first event to the last.
	Span time.Duration
	// MeanAllocPct is the time-weighted mean GPU allocation (the
	// utilization of the pool), PeakAllocPct its maximum.
	MeanAllocPct, PeakAllocPct float64
	// MeanFragPct is the mean fragmentation over the samples.
	MeanFragPct float64
	// Samples are the samples taken, in time order.
	Samples []Sample
	// Queueing delay (arrival to first placement) of the placed tasks,
	// and completion time (arrival to finish) of the completed ones.
	QueueDelayMean, QueueDelayP50, QueueDelayP99 time.Duration
	// JCTMean and JCTP99 are the mean and 99th percentile job completion
	// time.
	JCTMean, JCTP99 time.Duration
	// GPUHours is the GPU time allocated; Cost what it cost, in USD at
	// the replay's Price (FlatPrice by default; a price in another
	// currency, or an error, adds nothing).
	GPUHours float64
	// Cost is what the GPU time cost (see GPUHours).
	Cost iog.Amount
	// Fairness is Jain's index, over users, of the share of their asked
	// GPU time they were served: 1 is perfectly fair.
	Fairness float64
	// Events is the number of events simulated.
	Events int
}

// event kinds, in the order they are handled at one instant.
const (
	evFinish = iota
	evRecover
	evFail
	evArrive
	evSample
)

type event struct {
	at      time.Duration
	kind    int
	seq     int
	task    int // of evArrive and evFinish
	version int // of the task's run that an evFinish ends
}

type eventQueue []event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	a, b := q[i], q[j]
	if a.at != b.at {
		return a.at < b.at
	}
	if a.kind != b.kind {
		return a.kind < b.kind
	}
	return a.seq < b.seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// taskRun is what the replay knows of one task.
type taskRun struct {
	version  int
	running  bool
	placedAt time.Duration // current placement
	first    time.Duration // first placement, -1 if never
	milli    uint64
	hourly   iog.Amount // what the current placement costs an hour
	served   time.Duration
}

// replayState is a replay in progress.
type replayState struct {
	r        *Replay
	s        scheduler.Scheduler
	clock    *iog.ManualClock
	events   eventQueue
	seq      int
	runs     []taskRun
	byID     map[iog.JobID]int
	dist     *scheduler.TaskDistribution
	m        Metrics
	capacity uint64
	alloc    uint64
	lastAt   time.Duration
	every    time.Duration // between samples
	allocInt float64       // ∫ alloc dt, in milli·seconds
	delays   []time.Duration
	jcts     []time.Duration
	cost     iog.Amount
}

// Run replays the workload and returns its metrics. It stops, with the
// context's error, when ctx ends.
func (r Replay) Run(ctx context.Context) (Metrics, error) {
	if r.Price == nil {
		r.Price = FlatPrice
	}
	st := &replayState{r: &r, clock: r.Clock, byID: make(map[iog.JobID]int, len(r.Workload.Tasks)),
		runs: make([]taskRun, len(r.Workload.Tasks)), dist: r.Workload.Distribution(), capacity: r.Workload.GPUMilli(),
		cost: iog.Zero(iog.USD)}
	if st.clock == nil {
		st.clock = iog.NewManualClock(epoch)
	}
	st.s = r.Scheduler
	st.m.Policy = r.Policy
	if st.s == nil {
		pol, err := scheduler.NewPolicy(r.Policy, scheduler.PolicyOptions{Seed: r.Seed, Distribution: st.dist, Price: r.Price})
		if err != nil {
			return Metrics{}, err
		}
		st.s = scheduler.NewFramework(scheduler.Config{Clock: st.clock, Profile: scheduler.ProfileOf(pol), MaxCandidates: r.MaxCandidates, Logger: quiet})
	}
	for _, n := range r.Workload.Nodes {
		if err := st.s.AddNode(n); err != nil {
			return Metrics{}, fmt.Errorf("replay: %w", err)
		}
	}
	for i, t := range r.Workload.Tasks {
		st.byID[t.Job.ID] = i
		st.runs[i].first = -1
		st.push(event{at: t.Arrival, kind: evArrive, task: i})
	}
	if r.FailFraction > 0 {
		st.push(event{at: r.FailAt, kind: evFail})
	}
	st.every = r.SampleEvery
	if st.every <= 0 {
		var last time.Duration
		for _, t := range r.Workload.Tasks {
			last = max(last, t.Arrival)
		}
		st.every = max(last/256, time.Minute)
	}
	// Whole seconds, as trace times are; never zero, or sampling would not
	// move on from its instant.
	st.every = max(st.every.Truncate(time.Second), time.Second)
	st.push(event{at: 0, kind: evSample})
	start := st.clock.Now()
	for st.events.Len() > 0 {
		if err := ctx.Err(); err != nil {
			return st.m, fmt.Errorf("replay stopped: %w", err)
		}
		now := st.events[0].at
		st.advance(now)
		st.clock.AdvanceTo(start.Add(now))
		for st.events.Len() > 0 && st.events[0].at == now {
			ev := heap.Pop(&st.events).(event)
			st.m.Events++
			switch ev.kind {
			case evArrive:
				t := r.Workload.Tasks[ev.task]
				t.Job.Submitted = st.clock.Now()
				if err := st.s.Submit(t.Job); err != nil {
					return st.m, fmt.Errorf("replay: %w", err)
				}
			case evFinish:
				if run := &st.runs[ev.task]; run.running && run.version == ev.version {
					st.stop(ev.task, now)
					if err := st.s.Cancel(r.Workload.Tasks[ev.task].Job.ID); err != nil {
						return st.m, fmt.Errorf("replay: %w", err)
					}
					st.m.Completed++
					st.jcts = append(st.jcts, now-r.Workload.Tasks[ev.task].Arrival)
				}
			case evFail, evRecover:
				if err := st.failures(ctx, ev.kind == evFail, now); err != nil {
					return st.m, err
				}
			case evSample:
				st.sample(now)
				if st.events.Len() > 0 { // more to come
					st.push(event{at: now + st.every, kind: evSample})
				}
			}
		}
		rep, err := st.s.Schedule(ctx)
		if err != nil {
			return st.m, fmt.Errorf("replay: %w", err)
		}
		for _, id := range rep.Preempted {
			st.m.Preempted++
			st.stop(st.byID[id], now)
		}
		for _, p := range rep.Placed {
			st.start(st.byID[p.Job], p, now)
		}
	}
	return st.finish(), nil
}

func (st *replayState) push(e event) {
	st.seq++
	e.seq = st.seq
	heap.Push(&st.events, e)
}

// advance accumulates allocation over time up to now.
func (st *replayState) advance(now time.Duration) {
	st.allocInt += float64(st.alloc) * (now - st.lastAt).Seconds()
	st.lastAt = now
}

// start records that task i was placed at now.
func (st *replayState) start(i int, p scheduler.Placement, now time.Duration) {
	run := &st.runs[i]
	t := st.r.Workload.Tasks[i]
	run.version++
	run.running, run.placedAt, run.milli = true, now, p.GPUMilli()
	run.hourly = st.hourly(p)
	if run.first < 0 {
		run.first = now
		st.delays = append(st.delays, now-t.Arrival)
	}
	st.alloc += run.milli
	st.m.PeakAllocPct = max(st.m.PeakAllocPct, 100*float64(st.alloc)/float64(max(st.capacity, 1)))
	if t.Duration > 0 {
		st.push(event{at: now + t.Duration, kind: evFinish, task: i, version: run.version})
	}
}

// hourly returns what placement p costs an hour at the replay's Price
// (FlatPrice by default), when the scheduler shows its nodes; at
// FlatPrice otherwise. A node its Price cannot price adds nothing.
func (st *replayState) hourly(p scheduler.Placement) iog.Amount {
	v, ok := st.s.(interface {
		VisitNode(iog.DeviceID, func(*scheduler.NodeInfo)) bool
	})
	if !ok {
		a, _ := FlatPrice(nil, p.GPUMilli())
		return a
	}
	sum := iog.Zero(iog.USD)
	for _, a := range p.Assignments {
		v.VisitNode(a.Device, func(n *scheduler.NodeInfo) {
			c, err := st.r.Price(n, uint64(len(a.GPUs))*uint64(a.Share))
			if err != nil {
				return
			}
			if t, err := sum.Add(c); err == nil {
				sum = t
			}
		})
	}
	return sum
}

// stop records that task i stopped running at now (finished or evicted).
func (st *replayState) stop(i int, now time.Duration) {
	run := &st.runs[i]
	if !run.running {
		return
	}
	ran := now - run.placedAt
	run.served += ran
	run.running = false
	run.version++
	st.alloc -= run.milli
	hourly := run.hourly
	if rate, err := iog.NewRate(uint64(ran/time.Second), 3600); err == nil {
		if c, err := hourly.MulRate(rate, iog.RoundHalfEven); err == nil {
			if sum, err := st.cost.Add(c); err == nil {
				st.cost = sum
			}
		}
	}
}

// failures takes the chosen share of devices down, or brings them back.
func (st *replayState) failures(ctx context.Context, down bool, now time.Duration) error {
	nodes := st.r.Workload.Nodes
	rng := rand.New(rand.NewPCG(st.r.Seed, 0xfa11))
	k := int(st.r.FailFraction * float64(len(nodes)))
	for _, i := range rng.Perm(len(nodes))[:min(k, len(nodes))] {
		moved, err := st.s.SetNodeUp(ctx, nodes[i].ID, !down)
		if err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		for _, id := range moved {
			st.m.Displaced++
			if _, still := st.s.Placement(id); !still {
				st.stop(st.byID[id], now)
			}
		}
	}
	if down && st.r.FailFor > 0 {
		st.push(event{at: now + st.r.FailFor, kind: evRecover})
	}
	return nil
}

// sample records allocation and fragmentation at now.
func (st *replayState) sample(now time.Duration) {
	s := Sample{At: now, AllocPct: 100 * float64(st.alloc) / float64(max(st.capacity, 1))}
	if v, ok := st.s.(interface {
		VisitNodes(func(*scheduler.NodeInfo))
	}); ok {
		var frag float64
		v.VisitNodes(func(n *scheduler.NodeInfo) { frag += st.dist.Fragmentation(n) })
		s.FragPct = 100 * frag / float64(max(st.capacity, 1))
	}
	if p, ok := st.s.(interface{ Pending() int }); ok {
		s.Pending = p.Pending()
	}
	st.m.Samples = append(st.m.Samples, s)
}

// finish computes the summary metrics.
func (st *replayState) finish() Metrics {
	m := st.m
	m.Tasks = len(st.runs)
	m.Span = st.lastAt
	for i := range st.runs {
		st.stop(i, st.lastAt)
		if st.runs[i].first < 0 {
			m.Unplaced++
		}
	}
	if m.Span > 0 && st.capacity > 0 {
		m.MeanAllocPct = 100 * st.allocInt / m.Span.Seconds() / float64(st.capacity)
	}
	for _, s := range m.Samples {
		m.MeanFragPct += s.FragPct / float64(len(m.Samples))
	}
	m.GPUHours = st.allocInt / 1000 / 3600
	m.Cost = st.cost
	m.QueueDelayMean, m.QueueDelayP50, m.QueueDelayP99 = mean(st.delays), percentile(st.delays, 50), percentile(st.delays, 99)
	m.JCTMean, m.JCTP99 = mean(st.jcts), percentile(st.jcts, 99)
	m.Fairness = st.fairness()
	return m
}

// fairness is Jain's index over users of served/asked GPU time.
func (st *replayState) fairness() float64 {
	asked, served := map[string]float64{}, map[string]float64{}
	var users []string
	for i, t := range st.r.Workload.Tasks {
		milli := float64(t.Job.Requirements.GPUMilli())
		if milli == 0 || t.Duration == 0 {
			continue
		}
		u := t.Job.User
		if _, ok := asked[u]; !ok {
			users = append(users, u)
		}
		asked[u] += milli * t.Duration.Seconds()
		served[u] += milli * min(st.runs[i].served, t.Duration).Seconds()
	}
	if len(users) == 0 {
		return 1
	}
	var sum, sq float64
	for _, u := range users {
		x := served[u] / asked[u]
		sum += x
		sq += x * x
	}
	if sq == 0 {
		return 1
	}
	return sum * sum / (float64(len(users)) * sq)
}

func mean(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var s float64
	for _, d := range ds {
		s += float64(d)
	}
	return time.Duration(s / float64(len(ds)))
}

// percentile returns the p-th percentile (nearest rank) of ds.
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := (p*len(s) + 99) / 100
	return s[max(rank, 1)-1]
}
