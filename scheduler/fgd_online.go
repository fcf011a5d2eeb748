package scheduler

import "github.com/internetofgpus/iog"

// FGDOnline is our FGD for the FGD paper's protocol: the artifact's FGD
// (ArtifactFGD, its integer score ⌊100·σ(Δ/1000)⌋ of the growth of a
// node's fragmentation, its choice of GPU, its exact model filter) with
// two changes, both of what a scheduler sees online:
//
//   - The typical pods are those of the pods that have arrived so far
//     (each job once, as its PreFilter sees it), re-estimated at the 1st,
//     2nd, 4th … 128th arrival and then every 256th, at the coverage the
//     artifact cuts at. The artifact reads them off the whole trace before
//     the run, which a scheduler cannot; measured on the paper's protocol
//     the estimate that follows the arrivals also does better (about +0.2
//     points on each family; BENCHMARKS.md, "Scheduler: beating FGD").
//   - A CPU-only pod's FGD score changes only when its CPU would push a
//     typical pod off a node, so it ties on most nodes and the artifact
//     sends it to the lowest random rank, often a node with idle GPUs
//     whose CPU it then takes. FGDOnline breaks those ties towards the
//     node with the least idle GPU, a full node first, where the CPU is
//     worth least to GPU pods (up to +1.3 points with many CPU-only pods
//     or with GPU-type constraints, which leave pods fewer nodes).
//
// Scores of GPU pods and every tie left are the artifact's (the random
// node rank of Config.NodeRank). It is stateful: one per run.
type FGDOnline struct {
	exactModel
	coverage float64
	fgd      *ArtifactFGD // over the typical pods of seen
	seen     []iog.Requirements
	ids      map[iog.JobID]bool
	last     iog.JobID
}

// FGDOnlineName is FGDOnline's policy name.
const FGDOnlineName = "fgd-online"

// fgdOnlineSteady is how many arrivals apart FGDOnline re-estimates its
// typical pods once it has seen that many.
const fgdOnlineSteady = 256

// NewFGDOnline returns an FGDOnline whose typical pods cover coverage of
// the pods seen (the artifact's 0.95); outside (0, 1] it is 0.95.
func NewFGDOnline(coverage float64) *FGDOnline {
	if !(coverage > 0 && coverage <= 1) {
		coverage = 0.95
	}
	return &FGDOnline{coverage: coverage, ids: map[iog.JobID]bool{}}
}

// Name returns FGDOnlineName.
func (*FGDOnline) Name() string { return FGDOnlineName }

// PreFilter notes the job as arrived; it refuses none.
func (p *FGDOnline) PreFilter(_ *CycleState, job *Job) error {
	p.observe(job)
	return nil
}

// observe adds a job not seen before to the arrivals, re-estimating the
// typical pods when their number calls for it.
func (p *FGDOnline) observe(job *Job) {
	if p.fgd != nil && job.ID == p.last || p.ids[job.ID] {
		return
	}
	p.ids[job.ID], p.last = true, job.ID
	p.seen = append(p.seen, job.Requirements)
	if n := len(p.seen); n < fgdOnlineSteady && n&(n-1) == 0 || n%fgdOnlineSteady == 0 {
		p.fgd = NewArtifactFGD(NewTypicalPods(p.seen, p.coverage))
	}
}

// Score is the artifact's FGD score plus, for a CPU-only job, a fraction
// below 1 that is larger the less idle GPU the node has.
func (p *FGDOnline) Score(st *CycleState, job *Job, o Option) float64 {
	p.observe(job) // a plugin used without its PreFilter still learns
	s := p.fgd.Score(st, job, o)
	if job.Requirements.GPUCount == 0 {
		s += cpuOnlyTie(o.Node)
	}
	return s
}

// cpuOnlyTie is in (0, 1): 0.999 on a node without idle GPU, less the
// more idle GPU it has (MaxSpecGPU at most).
func cpuOnlyTie(n *NodeInfo) float64 {
	return 0.999 * (1 - float64(n.FreeGPUMilli())/(MaxSpecGPU+1))
}

// ChooseGPU is the artifact's FGD choice of GPU for a share.
func (p *FGDOnline) ChooseGPU(st *CycleState, job *Job, n *NodeInfo) int {
	p.observe(job)
	return p.fgd.ChooseGPU(st, job, n)
}
