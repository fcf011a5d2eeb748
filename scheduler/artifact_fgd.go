package scheduler

import "math"

// ArtifactFGD is the artifact's FGD: a node scores
// ⌊100·σ((before − after)/1000)⌋, before and after being the node's
// fragmentation over the typical pods (TypicalPods.Frag) as it is and as
// it would be with the job; for a share, after is that of the best GPU
// that holds it, which is also the GPU chosen (the lowest index among
// equals). No change scores 50; the smaller the growth, the higher.
type ArtifactFGD struct {
	exactModel
	typical *TypicalPods
	before  []artifactBefore // by node slot
	scratch []uint16
	memo    stateMemo
}

// frag returns typical.Frag(cpu, free, model), remembered by state.
func (p *ArtifactFGD) frag(cpu uint64, free []uint16, model string) float64 {
	if v, ok := p.memo.find(0, model, cpu, 0, free); ok {
		return v
	}
	v := p.typical.Frag(cpu, free, model)
	p.memo.keep(v)
	return v
}

// artifactBefore is a node's fragmentation at a version.
type artifactBefore struct {
	version uint64
	valid   bool
	frag    float64
}

// NewArtifactFGD returns the artifact's FGD planning for typical.
func NewArtifactFGD(typical *TypicalPods) *ArtifactFGD { return &ArtifactFGD{typical: typical} }

// Name returns "fgd".
func (*ArtifactFGD) Name() string { return "fgd" }

// Score is the FGD score of the option: of its GPU, for a share.
func (p *ArtifactFGD) Score(_ *CycleState, job *Job, o Option) float64 {
	r, n := &job.Requirements, o.Node
	before := p.fragOf(n)
	p.scratch = append(p.scratch[:0], n.free...)
	m := uint16(r.Share())
	switch {
	case r.GPUCount == 0:
	case o.GPU >= 0:
		p.scratch[o.GPU] -= m
	default:
		takeAscending(p.scratch, r.GPUCount, m)
	}
	return float64(fgdScore(before, p.frag(n.freeCPU-r.CPUMilli, p.scratch, n.spec.GPUModel)))
}

// ChooseGPU returns the GPU of n whose FGD score for the job's share is
// the highest, the lowest index among equals. GPUs of equal free share
// score alike, so each free share is scored once.
func (p *ArtifactFGD) ChooseGPU(st *CycleState, job *Job, n *NodeInfo) int {
	m := uint16(job.Requirements.Share())
	best, bestScore := -1, math.Inf(-1)
	for g, f := range n.free {
		if f < m || sameShareBefore(n.free, g) {
			continue
		}
		if s := p.Score(st, job, Option{Node: n, GPU: g}); s > bestScore {
			best, bestScore = g, s
		}
	}
	return best
}

// sameShareBefore reports whether a GPU before g has g's free share.
func sameShareBefore(free []uint16, g int) bool {
	for _, f := range free[:g] {
		if f == free[g] {
			return true
		}
	}
	return false
}

// fragOf returns n's fragmentation as it is, cached until n changes.
func (p *ArtifactFGD) fragOf(n *NodeInfo) float64 {
	if n.slot >= len(p.before) {
		p.before = append(p.before, make([]artifactBefore, n.slot+1-len(p.before))...)
	}
	c := &p.before[n.slot]
	if !c.valid || c.version != n.version {
		*c = artifactBefore{version: n.version, valid: true, frag: p.frag(n.freeCPU, n.free, n.spec.GPUModel)}
	}
	return c.frag
}

// fgdScore is ⌊100·σ((before − after)/1000)⌋.
func fgdScore(before, after float64) int64 {
	return int64(100 / (1 + math.Exp(-(before-after)/1000)))
}

// takeAscending takes m from each GPU that ascendingGPUs chooses.
func takeAscending(free []uint16, k int, m uint16) {
	for _, g := range ascendingGPUs(free, k, m) {
		free[g] -= m
	}
}
