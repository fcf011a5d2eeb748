package scheduler

import (
	"cmp"
	"slices"

	"github.com/internetofgpus/iog"
)

// TypicalPod is one kind of pod of the artifact's typical-pod list, the
// target workload its FGD plans for, with its probability.
type TypicalPod struct {
	// CPUMilli is the pod's CPU, in thousandths of a core.
	CPUMilli uint64
	// GPUMilli is the share of each GPU, in thousandths; 0 for a CPU-only
	// pod.
	GPUMilli uint16
	// GPUs is the number of GPUs.
	GPUs int
	// Spec is the '|'-separated list of models allowed; "" for any.
	Spec string
	// P is the pod's probability; the list's add up to 1.
	P float64
}

// TypicalPods is the artifact's typical-pod list: the most frequent pod
// kinds of the original trace, keyed by CPU, GPU share, GPUs and model
// list (memory is not part of the key), CPU-only pods included, each pod
// counted once, cut where they first cover the coverage share of the pods
// and renormalised. The artifact computes it once and never updates it.
type TypicalPods struct {
	pods []TypicalPod
}

// NewTypicalPods returns the typical pods of the trace reqs (every pod
// once, tuned copies excluded) covering coverage of them (the artifact's
// 0.95). Kinds are ranked by count, then by key, larger first: CPU, then
// GPU share, then GPUs, then model list.
func NewTypicalPods(reqs []iog.Requirements, coverage float64) *TypicalPods {
	counts := map[TypicalPod]int{}
	for _, r := range reqs {
		counts[typicalKey(r)]++
	}
	keys := make([]TypicalPod, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b TypicalPod) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(b.CPUMilli, a.CPUMilli),
			cmp.Compare(b.GPUMilli, a.GPUMilli), cmp.Compare(b.GPUs, a.GPUs), cmp.Compare(b.Spec, a.Spec))
	})
	t := &TypicalPods{}
	covered := 0
	for _, k := range keys {
		if float64(covered) >= coverage*float64(len(reqs)) {
			break
		}
		covered += counts[k]
		t.pods = append(t.pods, k)
	}
	for i := range t.pods {
		t.pods[i].P = float64(counts[t.pods[i]]) / float64(covered)
	}
	return t
}

// typicalKey is the kind of a pod.
func typicalKey(r iog.Requirements) TypicalPod {
	if r.GPUCount == 0 {
		return TypicalPod{CPUMilli: r.CPUMilli}
	}
	return TypicalPod{CPUMilli: r.CPUMilli, GPUMilli: uint16(r.Share()), GPUs: r.GPUCount, Spec: r.GPUModel}
}

// Pods returns the typical pods, most frequent first.
func (t *TypicalPods) Pods() []TypicalPod { return slices.Clone(t.pods) }

// fragment classes of the artifact, in the order it sums them (the
// satisfied class, q3, is not summed).
const (
	fragQ1 = iota // lacks GPU and CPU
	fragQ2        // lacks GPU; or the GPUs too small for a pod that fits
	fragQ4        // lacks CPU
	fragXL        // CPU-only pod that fits: all idle GPU is a fragment
	fragXR        // CPU-only pod that does not fit
	fragNA        // model not allowed
	fragQ3
	fragClasses
)

// Frag returns the artifact's expected GPU fragment of a node with
// cpuLeft free CPU, free GPU shares free and GPU model model, in
// thousandths of a GPU: for each typical pod, all of the node's idle GPU
// when the pod is CPU-only, may not use the model, or lacks GPU or CPU;
// otherwise the idle GPU of the GPUs too small for it; weighted by the
// pod's probability. Memory plays no part.
func (t *TypicalPods) Frag(cpuLeft uint64, free []uint16, model string) float64 {
	var total uint64
	for _, f := range free {
		total += uint64(f)
	}
	var sums [fragClasses]float64
	for i := range t.pods {
		p := &t.pods[i]
		all := p.P * float64(total)
		cpuFits := cpuLeft >= p.CPUMilli
		switch {
		case p.GPUMilli == 0 && cpuFits:
			sums[fragXL] += all
		case p.GPUMilli == 0:
			sums[fragXR] += all
		case !modelAllowed(p.Spec, model):
			sums[fragNA] += all
		default:
			var fits int
			var small uint64
			for _, f := range free {
				if f >= p.GPUMilli {
					fits++
				} else {
					small += uint64(f)
				}
			}
			gpuFits := fits >= p.GPUs
			switch {
			case gpuFits && cpuFits:
				sums[fragQ2] += p.P * float64(small)
				sums[fragQ3] += p.P * float64(total-small)
			case cpuFits:
				sums[fragQ2] += all
			case gpuFits:
				sums[fragQ4] += all
			default:
				sums[fragQ1] += all
			}
		}
	}
	var frag float64
	for _, s := range sums[:fragQ3] {
		frag += s
	}
	return frag
}
