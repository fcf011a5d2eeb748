package scheduler

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"

	"github.com/internetofgpus/iog"
)

// The FGD paper's artifact (Weng et al., ATC '23, the simulator of
// hkust-adsl/kubernetes-scheduler-simulator) defines six policies its own
// way; the Artifact* plugins follow its description
// (../shared/fgd-protocol.md, §5–§7) so that its published results can be
// reproduced: integer scores truncated where it truncates, the fixed
// normalisation constants MaxSpecCPU and MaxSpecGPU, the total GPU left of
// a node, its choice of GPU within a node, and its exact model filter.
// They are meant to run with Config.NodeRank set, since the artifact's
// ties go to a random node rank fixed for the run, and without
// preemption. Memory is a filter only (the framework's); no score uses it.

// The artifact's normalisation constants, the same for every node.
const (
	// MaxSpecCPU is the artifact's CPU scale, in thousandths of a core.
	MaxSpecCPU = 128000
	// MaxSpecGPU is the artifact's GPU scale, in thousandths of a GPU.
	MaxSpecGPU = 8000
)

// ArtifactPolicyNames lists the artifact's six policies, in the order
// its figures show them.
func ArtifactPolicyNames() []string {
	return []string{"random", "dot-product", "gpu-clustering", "gpu-packing", "best-fit", "fgd"}
}

// ArtifactOptions are what some artifact policies need.
type ArtifactOptions struct {
	// Seed seeds the random policy.
	Seed uint64
	// Typical is the typical-pod list of the FGD policy; required by it.
	Typical *TypicalPods
}

// NewArtifactPolicy returns the artifact's policy of that name (see
// ArtifactPolicyNames). Problems are iog.ErrInvalid.
func NewArtifactPolicy(name string, opts ArtifactOptions) (ScorePlugin, error) {
	switch name {
	case "random":
		return NewArtifactRandom(opts.Seed), nil
	case "dot-product":
		return ArtifactDotProduct{}, nil
	case "gpu-clustering":
		return ArtifactGPUClustering{}, nil
	case "gpu-packing":
		return ArtifactGPUPacking{}, nil
	case "best-fit":
		return ArtifactBestFit{}, nil
	case "fgd":
		if opts.Typical == nil {
			return nil, fmt.Errorf("scheduler: the artifact's fgd policy needs typical pods: %w", iog.ErrInvalid)
		}
		return NewArtifactFGD(opts.Typical), nil
	}
	return nil, fmt.Errorf("scheduler: no artifact policy %q; known: %v: %w", name, ArtifactPolicyNames(), iog.ErrInvalid)
}

// exactModel is the artifact's model filter, which every artifact policy
// runs: a GPU job's model list ('|'-separated) must name the node's model
// exactly; an empty list allows every model.
type exactModel struct{}

// Filter reports whether n's model is one the job lists.
func (exactModel) Filter(_ *CycleState, job *Job, n *NodeInfo) bool {
	return job.Requirements.GPUCount == 0 || modelAllowed(job.Requirements.GPUModel, n.spec.GPUModel)
}

// modelAllowed reports whether spec, a '|'-separated list of models,
// names model exactly or is empty (once its empty entries are dropped).
func modelAllowed(spec, model string) bool {
	empty := true
	for alt := range strings.SplitSeq(spec, "|") {
		if alt == model {
			return true
		}
		empty = empty && alt == ""
	}
	return empty
}

// bestGPU is the artifact's "best" choice of GPU for a share: the one
// with the least left that holds it, the lowest index among equals.
type bestGPU struct{}

// ChooseGPU returns the tightest GPU of n that holds the job's share.
func (bestGPU) ChooseGPU(_ *CycleState, job *Job, n *NodeInfo) int {
	m, best := uint16(job.Requirements.Share()), -1
	for g, f := range n.free {
		if f >= m && (best < 0 || f < n.free[best]) {
			best = g
		}
	}
	return best
}

// artifactBase is what the four policies that choose GPUs as "best" share.
type artifactBase struct {
	exactModel
	bestGPU
}

// ArtifactRandom is the artifact's Random: a uniform random feasible node
// and, for a share, a uniform random GPU that holds it.
type ArtifactRandom struct {
	exactModel
	rng *rand.Rand
}

// NewArtifactRandom returns an ArtifactRandom drawing from seed.
func NewArtifactRandom(seed uint64) *ArtifactRandom {
	return &ArtifactRandom{rng: rand.New(rand.NewSource(int64(seed)))}
}

// Name returns "random".
func (*ArtifactRandom) Name() string { return "random" }

// Score is a uniform random number: the highest, a uniform random node,
// wins (each node offers one option).
func (p *ArtifactRandom) Score(_ *CycleState, _ *Job, _ Option) float64 { return p.rng.Float64() }

// ChooseGPU returns a uniform random GPU of n that holds the job's share.
func (p *ArtifactRandom) ChooseGPU(_ *CycleState, job *Job, n *NodeInfo) int {
	m, pick, seen := uint16(job.Requirements.Share()), -1, 0
	for g, f := range n.free {
		if f >= m {
			seen++
			if p.rng.Intn(seen) == 0 {
				pick = g
			}
		}
	}
	return pick
}

// ArtifactDotProduct is the artifact's DotProduct: with node vector
// (cpuLeft/MaxSpecCPU, G/MaxSpecGPU) and job vector (cpu/MaxSpecCPU,
// g/MaxSpecGPU), the score ⌊100·(1 − dot/2)⌋, so that the node with the
// smaller product wins (the opposite of Tetris's rule).
type ArtifactDotProduct struct{ artifactBase }

// Name returns "dot-product".
func (ArtifactDotProduct) Name() string { return "dot-product" }

// Score is ⌊100·(1 − dot/2)⌋.
func (ArtifactDotProduct) Score(_ *CycleState, job *Job, o Option) float64 {
	r, n := &job.Requirements, o.Node
	return float64(dotProductScore(n.freeCPU, n.FreeGPUMilli(), r.CPUMilli, r.GPUMilli()))
}

// dotProductScore is DotProduct's score of a node with cpuLeft and gpuLeft
// for a job of cpu and gpu, components normalised before multiplying, as
// the artifact computes it.
func dotProductScore(cpuLeft, gpuLeft, cpu, gpu uint64) int64 {
	dot := float64(cpuLeft)/MaxSpecCPU*(float64(cpu)/MaxSpecCPU) + float64(gpuLeft)/MaxSpecGPU*(float64(gpu)/MaxSpecGPU)
	return int64(100 * (1 - dot/2))
}

// ArtifactBestFit is the artifact's BestFit: raw score
// ⌊100·(1 − s)⌋ with s half the CPU and half the GPU left after the
// placement (over MaxSpecCPU and MaxSpecGPU), rescaled across the
// feasible nodes in integers to 0..100 (all 0 when they tie).
type ArtifactBestFit struct{ artifactBase }

// Name returns "best-fit".
func (ArtifactBestFit) Name() string { return "best-fit" }

// Score is the raw score.
func (ArtifactBestFit) Score(_ *CycleState, job *Job, o Option) float64 {
	r, n := &job.Requirements, o.Node
	return float64(bestFitRaw(n.freeCPU, n.FreeGPUMilli(), r.CPUMilli, r.GPUMilli()))
}

// bestFitRaw is BestFit's raw score.
func bestFitRaw(cpuLeft, gpuLeft, cpu, gpu uint64) int64 {
	s := float64(int64(cpuLeft)-int64(cpu))/MaxSpecCPU*0.5 + float64(int64(gpuLeft)-int64(gpu))/MaxSpecGPU*0.5
	return int64((1 - s) * 100)
}

// NormalizeScores rescales the raw scores as the artifact does, in
// integers.
func (ArtifactBestFit) NormalizeScores(_ *CycleState, _ *Job, scores []float64) {
	bestFitNormalize(scores)
}

// bestFitNormalize maps each integer score to (s−lo)·100/(hi−lo) in
// integer arithmetic, or all to 0 when hi = lo.
func bestFitNormalize(scores []float64) {
	if len(scores) == 0 {
		return
	}
	lo, hi := int64(slices.Min(scores)), int64(slices.Max(scores))
	for i, s := range scores {
		if hi == lo {
			scores[i] = 0
		} else {
			scores[i] = float64((int64(s) - lo) * 100 / (hi - lo))
		}
	}
}

// ArtifactGPUClustering is the artifact's GpuClustering: a base of
// ⌊25·(MaxSpecGPU − G)/MaxSpecGPU⌋, plus 75 when the node's GPU jobs are
// all of the job's kind, 50 when some are, 25 when it has none; CPU-only
// jobs score 0 everywhere. A kind (the artifact's affinity tag) is
// "share" or the number of whole GPUs.
type ArtifactGPUClustering struct{ artifactBase }

// Name returns "gpu-clustering".
func (ArtifactGPUClustering) Name() string { return "gpu-clustering" }

// Score is the clustering score.
func (ArtifactGPUClustering) Score(_ *CycleState, job *Job, o Option) float64 {
	r := &job.Requirements
	if r.GPUCount == 0 {
		return 0
	}
	tag := gpuTag(r)
	same, other := false, false
	for _, e := range o.Node.jobs {
		if e.job.Requirements.GPUCount == 0 {
			continue
		}
		if gpuTag(&e.job.Requirements) == tag {
			same = true
		} else {
			other = true
		}
	}
	return float64(clusteringScore(o.Node.FreeGPUMilli(), same, other))
}

// clusteringScore is GpuClustering's score of a node with gpuLeft, given
// whether it hosts GPU jobs of the job's kind and of other kinds.
func clusteringScore(gpuLeft uint64, same, other bool) int64 {
	base := 25 * (MaxSpecGPU - int64(gpuLeft)) / MaxSpecGPU
	switch {
	case same && !other:
		return base + 75
	case same:
		return base + 50
	case !other:
		return base + 25
	}
	return base
}

// gpuTag is a GPU job's affinity tag: 0 for a share, else its GPUs.
func gpuTag(r *iog.Requirements) int {
	if r.Share() < iog.FullGPU {
		return 0
	}
	return r.GPUCount
}

// ArtifactGPUPacking is the artifact's GpuPacking: a partly used GPU
// first (100 − ⌊⌊left/10⌋/10⌋ for a share), then a free GPU on a partly
// used node (50 − GPUs taken, at least 33), then a wholly free node
// (max(33 − GPUs, GPUs): smaller first); CPU-only jobs score 0
// everywhere.
type ArtifactGPUPacking struct{ artifactBase }

// Name returns "gpu-packing".
func (ArtifactGPUPacking) Name() string { return "gpu-packing" }

// Score is the packing score.
func (ArtifactGPUPacking) Score(_ *CycleState, job *Job, o Option) float64 {
	r := &job.Requirements
	if r.GPUCount == 0 {
		return 0
	}
	return float64(packingScore(o.Node.free, r.GPUCount, uint16(r.Share())))
}

// packingScore is GpuPacking's score of a node with free GPU shares free
// for k GPUs of m each.
func packingScore(free []uint16, k int, m uint16) int64 {
	whole := int64(wholeFree(free))
	if whole == int64(len(free)) {
		return max(33-whole, whole)
	}
	var used, sum int64
	for _, g := range ascendingGPUs(free, k, m) {
		if free[g] == uint16(iog.FullGPU) {
			used++
		}
		sum += int64(free[g]) * 100 / 1000
	}
	if used > 0 {
		return max(50-used, 33)
	}
	return max(100-sum/10, 50)
}

// ascendingGPUs returns the GPUs the artifact assigns k GPUs of m each
// to: walking the GPUs in ascending order of free share (the lowest index
// among equals), each that holds m until k are taken. For whole GPUs
// these are the k lowest-indexed free ones.
func ascendingGPUs(free []uint16, k int, m uint16) []int {
	order := make([]int, 0, len(free))
	for g, f := range free {
		if f >= m {
			order = append(order, g)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(free[a]) - int(free[b]) })
	return order[:min(k, len(order))]
}
