package scheduler

import (
	"log/slog"
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
	// Logger receives evictions, re-placements and refused bindings; nil
	// is slog.Default().
	Logger *slog.Logger
	// NodeRank, when set, breaks ties between equally scored options: the
	// option on the node of the lowest rank wins, and on one node the
	// first found (the lowest GPU). It is asked once per node, when the
	// node is added. Nil leaves ties to the first option found in the
	// index. The FGD paper's artifact breaks ties this way, by a random
	// rank fixed for the run.
	NodeRank func(Node) int
}

// Framework is the Scheduler of the package: a queue, an index of nodes,
// and the plugins of a Profile called at each extension point. It is safe
// for concurrent use; see the package's plugin contract for what runs
// under its lock.
type Framework struct {
	// cycle serializes scheduling cycles, which release mu while their
	// Permit and Bind plugins run.
	cycle  sync.Mutex
	mu     sync.Mutex
	cfg    Config
	clock  iog.Clock
	log    *slog.Logger
	idx    index
	nodes  []*NodeInfo // by Index
	byID   map[iog.DeviceID]*NodeInfo
	jobs   map[iog.JobID]*jobEntry
	queue  jobQueue
	parked []*jobEntry
	// inCycle is set while a cycle runs; freed then records that
	// capacity was released, so that its failed jobs try again next
	// cycle (between cycles parked jobs go back to the queue at once).
	inCycle, freed bool
	// newest is the job of the largest submission sequence held, the
	// end of a list in sequence order: a new job takes the next, the
	// same after a restart.
	newest *jobEntry
	stamp  uint64 // version base of the next node, so caches keyed by Index never confuse two nodes
	st     CycleState
	opts   []Option
	// bound, when set, finds single-node jobs' options by branch and
	// bound over the index instead of scoring every feasible one.
	bound  ScoreBounder
	roots  []subtree // scratch space of searchBounded
	scores []float64
	total  []float64
	// gangCands and gangOrder are scratch space for gang planning.
	gangCands, gangOrder []gangCandidate
	// running counts placed and binding jobs by priority, so that
	// preemption is only tried when lower-priority work runs.
	running map[int32]int
	regions map[string]*regionLoad
	// locs are the distinct node locations, locIDs their indices.
	locs   []iog.Location
	locIDs map[iog.Location]int32
}

// jobState is where a job is.
type jobState uint8

const (
	queued    jobState = iota // in the heap
	parked                    // tried and did not fit; waits for capacity
	binding                   // reserved; its Permit and Bind plugins run
	placed                    // bound
	unbound                   // was binding, lost a device meanwhile; goes back to the queue when Bind returns
	cancelled                 // was binding, cancelled meanwhile; forgotten
)

// jobEntry is the scheduler's record of a job.
type jobEntry struct {
	job       Job
	seq       uint64
	state     jobState
	heapIdx   int
	nodes     []*NodeInfo // the nodes of placement.Assignments, in order
	placement Placement
	// tried is set once an attempt to place the job failed; cause is
	// what stopped it, or "" when the pool had no room (Status then
	// explains from the nodes), or what made it leave its placement.
	tried bool
	cause string
	// older is the job held before it in sequence order, newer after.
	older, newer *jobEntry
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

// NewFramework returns a Framework configured by cfg.
func NewFramework(cfg Config) *Framework {
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
		log = slog.Default()
	}
	f := &Framework{cfg: cfg, clock: cfg.Clock, log: log, idx: newIndex(),
		byID: map[iog.DeviceID]*NodeInfo{}, jobs: map[iog.JobID]*jobEntry{},
		running: map[int32]int{}, regions: map[string]*regionLoad{}, locIDs: map[iog.Location]int32{}}
	f.queue.less = cfg.Profile.QueueSort.Less
	f.bound = bounder(&f.cfg)
	f.idx.bounded = f.bound != nil
	return f
}
