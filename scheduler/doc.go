// Package scheduler matches jobs and clusters to the network's devices.
//
// Scheduler is the interface the server calls: add devices, submit and
// cancel jobs, run a scheduling cycle, take devices down and up. Framework
// implements it after the Kubernetes scheduling framework: a queue ordered
// by a QueueSort plugin (PriorityAging by default, so low priority is not
// starved; Config.StarvationLimit also keeps smaller jobs from backfilling
// forever around a large one), then for each job PreFilter, the built-in capacity check and
// Filter plugins, Score plugins (normalized and weighted), Reserve, Permit
// and Bind; when nothing fits, a PostFilter plugin (Preemption) may evict
// cheaper, lower-priority work, which goes back in the queue. A policy is
// one score plugin, and a researcher swaps it without touching the rest:
// Random, FirstFit, BestFit, DotProduct, GPUPacking, GPUClustering,
// Spread, CostAware and FGD (fragmentation gradient descent) ship here,
// and NewPolicy names them. The FGD paper's artifact defines six of these
// its own way (integer scores, fixed constants, its own choice of GPU
// within a node): the Artifact* plugins, named by NewArtifactPolicy,
// reproduce its published results with Config.NodeRank breaking ties and
// Profile.GPUChoice leaving the choice of GPU to the policy. FGDOnline
// (fgd-online) is ours that beats the artifact's FGD on its protocol: the
// typical pods learnt from the arrivals, and CPU-only pods sent where
// they strand the least idle GPU.
//
// Requests come as iog.Requirements: GPU model (catalog names, families
// and aliases, or a trace's own model codes matched exactly, with '|'
// between alternatives), class, count and memory, fractional GPU shares in
// thousandths, CPU, memory, bandwidth tier, allowed locations, priority
// and budget (a hard limit when Config.Price prices nodes; without a price
// function budgets cannot be checked). A gang (Job.Gang) asks for many whole GPUs across devices,
// placed whole or not at all on as few devices as possible, with every
// pair within a latency bound when it is co-located or gives a MaxRTT.
// When a device goes down, the work on it is re-placed (a gang keeps its
// other members) or re-queued; never lost, never double-booked
// (CheckInvariants verifies it). Reliability, from uptime, failed checks
// and user ratings, lowers a device's Reliable score, and among devices
// offering a gang as many GPUs its members are the most reliable.
//
// A server keeps one Framework as the live index of its devices and
// clusters. RemoveNode pairs with AddNode: a device leaves for good, its
// work leaving as on a failure. Status says where a job is and why it
// waits ("0/12 nodes are available: 8 have too few free H100, 4 are in
// another place"); filters name their reasons through FilterReasoner.
// Permit and Bind plugins run without the framework's lock, so that a
// slow Bind holds up no other caller (see the plugin contract below).
// The framework's state is restorable: NodeRecord and
// JobRecord (and NodeRecords, JobRecords) give what to store, and
// Restore rebuilds it at start.
//
// Nodes are indexed by GPU model and free capacity, so a placement visits
// only the nodes that can hold it, tightest first; Config.MaxCandidates
// bounds how many of those are scored on very large pools.
//
// # Plugin contract
//
// QueueSort, PreFilter, Filter, PostFilter, Score,
// Reserve and Unreserve run with the framework's lock held, one at a
// time: they need no locking of their own, must be quick, and must not
// call the Framework (that would deadlock). Permit and Bind run after the
// lock is released, so that a slow Bind (a database transaction, a call
// to Kubernetes) holds up no other caller: one placement at a time per
// Schedule call, and for the gang members that SetNodeUp or RemoveNode
// re-place, before those return. They may block, and may call any method
// of the Framework but Schedule. Meanwhile the job is Binding: its
// devices are reserved, so nothing else is placed on them. If it is
// cancelled, or one of its devices goes down or is removed, before its
// plugins return, its devices are released at once and, when they
// return, the placement is rolled back whatever they answered: for a
// first placement the Reserve plugins' Unreserve is called (so a Bind
// that writes durable state pairs with an Unreserve that undoes it), and
// a job that lost a device goes back to the queue. A refusal by Permit or
// an error from Bind rolls back the same way and the job waits for
// capacity to be released.
//
// Package scheduler/sim replays workloads and traces through any
// Scheduler and measures allocation, fragmentation, delays and fairness.
package scheduler
