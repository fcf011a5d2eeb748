package scheduler

import (
	"context"
	"time"

	"github.com/internetofgpus/iog"
)

// The extension points follow the Kubernetes scheduling framework. A
// plugin implements Plugin and any of the point interfaces below; Profile
// lists which plugins run where, and the package documentation gives the
// plugin contract: what runs under the framework's lock and what may call
// back into it.

// Plugin is anything that runs at an extension point.
type Plugin interface {
	// Name identifies the plugin in errors and profiles.
	Name() string
}

// QueueSortPlugin orders the queue: Less reports whether a runs before b.
// The order must not change while jobs wait (an ageing rule must be a
// fixed rate, as PriorityAging's is), because the queue is a heap.
type QueueSortPlugin interface {
	Plugin
	Less(a, b *Job) bool
}

// PreFilterPlugin looks at a job before any node; an error marks the job
// unschedulable for this cycle.
type PreFilterPlugin interface {
	Plugin
	PreFilter(st *CycleState, job *Job) error
}

// FilterPlugin rejects nodes a job must not use. The framework has already
// checked capacity, GPU model, bandwidth and location. Filter must depend
// only on its arguments: it is asked again to explain a waiting job (see
// Framework.Status) and to judge starvation and preemption.
type FilterPlugin interface {
	Plugin
	Filter(st *CycleState, job *Job, n *NodeInfo) bool
}

// FilterReasoner is a FilterPlugin that says why it rejects a node, for
// the reason a waiting job gives (JobStatus.Reason): a phrase completing
// "N nodes …", such as "are over budget". A FilterPlugin without it
// gives "are rejected by <its name>".
type FilterReasoner interface {
	FilterReason(st *CycleState, job *Job, n *NodeInfo) string
}

// Option is one way to place a single-node job: a node and, for a
// fractional GPU share, which GPU (GPU is -1 when the choice does not
// matter: whole GPUs, taken lowest index first, or none).
type Option struct {
	// Node is the node to place on.
	Node *NodeInfo
	// GPU is the GPU of Node a fractional share goes on, or -1.
	GPU int
}

// ScorePlugin rates an option; higher is better. Scores of different
// plugins are combined after normalization (see ScoreNormalizer).
type ScorePlugin interface {
	Plugin
	Score(st *CycleState, job *Job, o Option) float64
}

// GPUChooser chooses which GPU of a node a fractional share goes on, as a
// policy that owns that choice does (see Profile.GPUChoice). Only GPUs
// whose free share holds the job's are to be returned; n has one.
type GPUChooser interface {
	ChooseGPU(st *CycleState, job *Job, n *NodeInfo) int
}

// ScoreNormalizer is a ScorePlugin that rescales its own scores. Without
// it, and when a profile has several score plugins, scores are rescaled
// linearly to 0..100.
type ScoreNormalizer interface {
	NormalizeScores(st *CycleState, job *Job, scores []float64)
}

// PostFilterPlugin runs when no node fits: it may name running jobs whose
// eviction lets the job fit (preemption). nodes are the nodes that are up
// and would suit the job if they were empty. The framework evicts only
// jobs of lower priority than job's; evicted jobs go back in the queue.
// An empty result means nothing can be done.
type PostFilterPlugin interface {
	Plugin
	PostFilter(st *CycleState, job *Job, nodes []*NodeInfo) []iog.JobID
}

// ReservePlugin is told of a placement as it is made (Reserve) and undone
// (Unreserve); a Reserve error undoes the placement.
type ReservePlugin interface {
	Plugin
	Reserve(st *CycleState, job *Job, p Placement) error
	Unreserve(st *CycleState, job *Job, p Placement)
}

// PermitPlugin approves a whole placement before it binds; an error
// releases all of it (a gang is placed whole or not at all).
type PermitPlugin interface {
	Plugin
	Permit(st *CycleState, job *Job, p Placement) error
}

// BindPlugin makes a placement real (tells workers, writes a record). An
// error releases the placement and the job waits for the next cycle.
type BindPlugin interface {
	Plugin
	Bind(ctx context.Context, job *Job, p Placement) error
}

// CycleState is what plugins share while one job is scheduled.
type CycleState struct {
	// Now is the scheduler clock's time at the start of the cycle.
	Now time.Time
	// GangRTT is the round-trip bound between the members of the gang
	// being scheduled (its Requirements.MaxRTT, or Config.CoLocatedRTT
	// when it is co-located); zero when there is none or the job is not
	// a gang.
	GangRTT time.Duration
	data    map[string]any
}

// Read returns what a plugin stored under key in this cycle.
func (s *CycleState) Read(key string) (any, bool) {
	v, ok := s.data[key]
	return v, ok
}

// Write stores v under key for the rest of this job's cycle.
func (s *CycleState) Write(key string, v any) {
	if s.data == nil {
		s.data = map[string]any{}
	}
	s.data[key] = v
}

func (s *CycleState) reset(now time.Time) {
	s.Now, s.GangRTT = now, 0
	clear(s.data)
}

// WeightedScore is a score plugin with its weight in a profile.
type WeightedScore struct {
	// Plugin is the score plugin.
	Plugin ScorePlugin
	// Weight multiplies the plugin's normalized score; zero counts as 1.
	Weight float64
}

// Profile is the set of plugins a Framework runs. Zero fields use the
// defaults named.
type Profile struct {
	// QueueSort orders the queue; nil is PriorityAging with a one-hour
	// step.
	QueueSort QueueSortPlugin
	// PreFilter plugins run, in order, before any node is looked at.
	PreFilter []PreFilterPlugin
	// Filter plugins run, in order, on each node that has the capacity.
	Filter []FilterPlugin
	// PostFilter runs when nothing fits; nil disables preemption.
	PostFilter PostFilterPlugin
	// Score rates options; none takes the first feasible option found.
	Score []WeightedScore
	// GPUChoice, when set, chooses the GPU of a fractional share on each
	// node, so that a node offers one option; nil offers one option per
	// distinct free share that holds the job, for the Score plugins to
	// rate.
	GPUChoice GPUChooser
	// Reserve plugins are told of each placement, in order, and of its
	// undoing, in reverse.
	Reserve []ReservePlugin
	// Permit plugins approve a whole placement, in order.
	Permit []PermitPlugin
	// Bind plugins make a permitted placement real, in order.
	Bind []BindPlugin
}
