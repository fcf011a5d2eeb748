// Package sim is a deterministic discrete-event simulator for the
// scheduler: it runs any scheduler.Scheduler over a workload (a device
// pool and timed tasks) in virtual time and measures GPU allocation over
// time, fragmentation, queueing delay, job completion time, utilization,
// cost, preemptions and failures, and fairness across users (Replay).
//
// Experiment is the fragmentation experiment of the FGD paper (Weng et
// al., "Beware of Fragmentation: Scheduling GPU-Sharing Workloads with
// Fragmentation Gradient Descent", USENIX ATC '23): the task list is
// inflated by seeded sampling until it asks for a multiple of the
// cluster's GPUs, and the allocation and fragmentation are reported as
// capacity arrives. Its Protocol says how: DefaultProtocol is this
// simulator's own; FGDPaper is the paper's artifact's, step for step
// (../shared/fgd-protocol.md): the trace shuffled and tuned by appended
// random draws, ties to a random node rank fixed for the run, the
// allocation bucketed by arrived percent, seeds 42 on, and the names
// random, dot-product, gpu-clustering, gpu-packing, best-fit and fgd
// meaning the artifact's policies (scheduler.NewArtifactPolicy); ours of
// those names are then iog-random, iog-fgd and so on, and our others keep
// their names. Either protocol is the same simulator, set up differently.
// Variant builds the paper's workload families (more CPU-only pods, more
// GPU sharing, more GPU-type constraints, more multi-GPU pods) from a
// trace, deterministically, at the request shares the description gives.
//
// Workloads come from the openb trace (LoadOpenB; the trace itself is in
// testdata/openb with its attribution), from the iog CSV and JSON formats
// (ReadCSV, ReadJSON, documented in format.go), or from a seeded
// generator (Synthetic). The command iogsim (cmd/iogsim) runs it all.
package sim
