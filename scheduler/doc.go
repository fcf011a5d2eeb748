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
// and NewPolicy names them.
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
// Nodes are indexed by GPU model and free capacity, so a placement visits
// only the nodes that can hold it, tightest first; Config.MaxCandidates
// bounds how many of those are scored on very large pools.
//
// Package scheduler/sim replays workloads and traces through any
// Scheduler and measures allocation, fragmentation, delays and fairness.
package scheduler
