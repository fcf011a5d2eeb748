package gpu

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"
	"sync"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/errtext"
)

// DerivedSpec returns the specification of the GPU of r: its catalog entry
// when the catalog knows the name (iog.GPUCandidates), picked by r's
// figures as the Verifier picks it (a family's name is the member its
// figures fit, the weaker first), and otherwise one derived from the
// figures the driver reported (r.Specs), so that a model the catalog
// does not know can still be priced and scored. The derivation is:
//
//	FP32 GFLOPS     = cores × 2 (a fused multiply-add is two operations) × clock MHz / 1000
//	bandwidth GB/s  = bus width bits / 8 × memory clock MHz × 2 / 1000
//	FP16 GFLOPS     = FP32 GFLOPS × the tensor ratio of the compute capability (tensorRatios)
//
// The clock is the customer boost clock, the rated boost a vendor
// publishes, when the GPU reports one. GeForce cards as a rule do not,
// and for a GPU without it the clock is 4/5 of the maximum SM clock (an
// assumption on the side of a lower price), because the top of a GeForce clock
// table lies about a quarter above the rated boost (RTX 4090: 3 120 MHz
// against 2 520; RTX 3090: 2 100 against 1 695). The memory multiplier
// is 2 for every memory type: NVML counts the memory clock as half the
// per-pin data rate, for GDDR5X, GDDR6, GDDR6X (PAM4), GDDR7 and HBM2,
// HBM2e and HBM3 alike (RTX 4090: 384 bits × 10 501 MHz × 2 = 1 008 GB/s;
// A100-40GB: 5 120 bits × 1 215 MHz × 2 = 1 555 GB/s). NVML does not tell
// the memory type, so no per-type multiplier could be chosen anyway.
//
// The derived model's Name is the reported name. Its Family and Class are
// those of the catalog family the name belongs to (an "NVIDIA GeForce RTX
// 4090 D" is in family RTX-4090, a ConsumerGPU). Otherwise its Family is
// its Name and its Class is guessed from the name: GeForce and TITAN
// cards are ConsumerGPU; Quadro, RTX A and RTX PRO cards and the Ada
// Generation line WorkstationGPU; Tesla cards and names of the
// datacenter series A, B, H, L, T, V and P followed by digits (A800,
// H800, L20) DatacenterGPU; anything else iog.AnyGPUClass. MemoryBytes
// is what the driver reported, a little under the nominal size.
//
// A GPU named as a catalog model whose figures fit none of the models the
// name may be is iog.ErrInvalid, not derived under a name the catalog
// gives another specification. A GPU that is not NVIDIA's, or lacks a
// figure the derivation needs (its
// cores, a clock, the bus width, the memory clock, a compute capability
// in the tensor table), is iog.ErrUnavailable; a reading without a model
// name or memory is iog.ErrInvalid; figures whose result does not fit a
// uint32 are iog.ErrOverflow.
func DerivedSpec(r GPUReading) (iog.GPUModel, error) {
	g, s := r.GPU, r.Specs
	name := strings.TrimSpace(g.Model)
	if c := iog.GPUCandidates(g); len(c) > 0 {
		m, err := pickByFigures(c, r)
		if err != nil {
			return iog.GPUModel{}, fmt.Errorf("derive spec of GPU %q: %w", errtext.Clip(name), err)
		}
		return m, nil
	}
	fail := func(kind error, format string, args ...any) (iog.GPUModel, error) {
		return iog.GPUModel{}, fmt.Errorf("derive spec of GPU %q: %s: %w", errtext.Clip(name), fmt.Sprintf(format, args...), kind)
	}
	switch {
	case name == "":
		return fail(iog.ErrInvalid, "the reading has no model name")
	case g.MemoryBytes == 0:
		return fail(iog.ErrInvalid, "the reading has no memory size")
	case g.Vendor != iog.VendorNVIDIA:
		return fail(iog.ErrUnavailable, "only NVIDIA GPUs can be derived from driver figures, this one is %q", g.Vendor)
	case s.Cores == 0:
		return fail(iog.ErrUnavailable, "the driver did not report the number of CUDA cores")
	case s.MemoryBusWidthBits == 0:
		return fail(iog.ErrUnavailable, "the driver did not report the memory bus width")
	case s.MaxMemoryClockMHz == 0:
		return fail(iog.ErrUnavailable, "the driver did not report the maximum memory clock")
	}
	clock := uint64(s.BoostClockMHz)
	if clock == 0 {
		clock = uint64(s.MaxSMClockMHz) * 4 / 5
	}
	if clock == 0 {
		return fail(iog.ErrUnavailable, "the driver reported neither a boost clock nor a maximum SM clock")
	}
	ratio, ok := tensorRatio(g.ComputeCapability)
	if !ok {
		return fail(iog.ErrUnavailable, "compute capability %d.%d is not in the tensor table", g.ComputeCapability.Major, g.ComputeCapability.Minor)
	}
	fp32, ok := mulDiv(uint64(s.Cores)*2, clock, 1000)
	if !ok {
		return fail(iog.ErrOverflow, "%d cores at %d MHz exceed %d GFLOPS", s.Cores, clock, uint32(math.MaxUint32))
	}
	bw, ok := mulDiv(uint64(s.MemoryBusWidthBits)*2, uint64(s.MaxMemoryClockMHz), 8*1000)
	if !ok {
		return fail(iog.ErrOverflow, "a %d-bit bus at %d MHz exceeds %d GB/s", s.MemoryBusWidthBits, s.MaxMemoryClockMHz, uint32(math.MaxUint32))
	}
	fp16, ok := mulDiv(uint64(fp32), ratio.num, ratio.den)
	if !ok {
		return fail(iog.ErrOverflow, "%d FP32 GFLOPS × %d/%d exceeds %d GFLOPS", fp32, ratio.num, ratio.den, uint32(math.MaxUint32))
	}
	m := iog.GPUModel{
		Name:                name,
		Family:              name,
		Vendor:              iog.VendorNVIDIA,
		Class:               guessClass(name),
		MemoryBytes:         g.MemoryBytes,
		MemoryBandwidthGBps: bw,
		ComputeCapability:   g.ComputeCapability,
		FP32GFLOPS:          fp32,
		FP16GFLOPS:          fp16,
	}
	if fam, ok := catalogFamily(name); ok {
		m.Family, m.Class = fam.Family, fam.Class
	}
	return m, nil
}

// mulDiv returns a × b / c, truncated, when it fits a uint32.
func mulDiv(a, b, c uint64) (uint32, bool) {
	q, ok := mulDiv64(a, b, c)
	if !ok || q > math.MaxUint32 {
		return 0, false
	}
	return uint32(q), true
}

// mulDiv64 returns a × b / c, truncated, with a 128-bit product so that
// no operand overflows, when the quotient fits a uint64 (never for c = 0).
func mulDiv64(a, b, c uint64) (uint64, bool) {
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		return 0, false
	}
	q, _ := bits.Div64(hi, lo, c)
	return q, true
}

// ratio is a fraction num/den.
type ratio struct{ num, den uint64 }

// tensorRatios is the dense FP16 throughput of each NVIDIA architecture
// relative to its FP32 throughput, as the vendor publishes both (tensor
// cores where the architecture has them, FP16 accumulate on GeForce
// cards as their spec sheets give it):
//
//	6.0 Pascal P100         2    (FP16 at twice FP32, no tensor cores)
//	6.1 Pascal GeForce      1/64 (FP16 at a 64th of FP32)
//	7.0 Volta V100          8    (125 / 15.7 TFLOPS)
//	7.5 Turing T4, RTX 20   8    (65 / 8.1)
//	8.0 Ampere A100         16   (312 / 19.5)
//	8.6 Ampere A10, RTX 30  4    (125 / 31.2, 142 / 35.6)
//	8.9 Ada L4, RTX 40      4    (121 / 30.3, 330 / 82.6)
//	9.0 Hopper H100         59/4 (989.4 / 66.9)
//	10.0 Blackwell B200     28   (2 250 / 80)
//	12.0 Blackwell RTX 50   4    (419 / 104.8)
//
// A minor version not listed takes the smallest ratio of its major
// version, the conservative guess; a major version not listed has no
// ratio.
var tensorRatios = []struct {
	cc iog.ComputeCapability
	r  ratio
}{
	{iog.ComputeCapability{Major: 6, Minor: 0}, ratio{2, 1}},
	{iog.ComputeCapability{Major: 6, Minor: 1}, ratio{1, 64}},
	{iog.ComputeCapability{Major: 7, Minor: 0}, ratio{8, 1}},
	{iog.ComputeCapability{Major: 7, Minor: 5}, ratio{8, 1}},
	{iog.ComputeCapability{Major: 8, Minor: 0}, ratio{16, 1}},
	{iog.ComputeCapability{Major: 8, Minor: 6}, ratio{4, 1}},
	{iog.ComputeCapability{Major: 8, Minor: 9}, ratio{4, 1}},
	{iog.ComputeCapability{Major: 9, Minor: 0}, ratio{59, 4}},
	{iog.ComputeCapability{Major: 10, Minor: 0}, ratio{28, 1}},
	{iog.ComputeCapability{Major: 12, Minor: 0}, ratio{4, 1}},
}

// tensorRatio looks cc up in tensorRatios.
func tensorRatio(cc iog.ComputeCapability) (ratio, bool) {
	var best ratio
	found := false
	for _, e := range tensorRatios {
		if e.cc == cc {
			return e.r, true
		}
		if e.cc.Major == cc.Major && (!found || e.r.num*best.den < best.num*e.r.den) {
			best, found = e.r, true
		}
	}
	return best, found
}

// catalogFamily returns a catalog model whose family the reported name
// belongs to: the family's name appears in it at the start of a word and
// ends at the end of a word or before a letter ("NVIDIA L4 Tensor Core"
// is an L4, "A100-40GB" an A100, but "A100" is not an A10). The longest
// such family wins.
func catalogFamily(name string) (iog.GPUModel, bool) {
	compact, starts := compactName(name)
	var best iog.GPUModel
	bestLen := 0
	for _, f := range catalogFamilies() {
		fam := f.compact
		if len(fam) <= bestLen {
			continue
		}
		for at := 0; at+len(fam) <= len(compact); at++ {
			end := at + len(fam)
			if starts[at] && compact[at:end] == fam && (end == len(compact) || starts[end] || !isDigit(compact[end])) {
				best, bestLen = f.model, len(fam)
				break
			}
		}
	}
	return best, bestLen > 0
}

// family is a catalog model and its family's name as compactName writes
// it.
type family struct {
	compact string
	model   iog.GPUModel
}

// catalogFamilies lists the catalog's models with their families,
// computed once.
var catalogFamilies = sync.OnceValue(func() []family {
	models := iog.GPUModels()
	out := make([]family, len(models))
	for i, m := range models {
		out[i].compact, _ = compactName(m.Family)
		out[i].model = m
	}
	return out
})

// compactName upper-cases the letters and digits of s and drops the rest;
// starts marks the positions where a word began.
func compactName(s string) (string, []bool) {
	var b strings.Builder
	starts := make([]bool, 0, len(s))
	newWord := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case c >= 'A' && c <= 'Z', isDigit(c):
		default:
			newWord = true
			continue
		}
		b.WriteByte(c)
		starts = append(starts, newWord)
		newWord = false
	}
	return b.String(), starts
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// guessClass guesses the class of a GPU the catalog does not know from
// the words of its name.
func guessClass(name string) iog.GPUClass {
	words := strings.FieldsFunc(strings.ToUpper(name), func(r rune) bool { return r == ' ' || r == '-' || r == '_' })
	has := func(w string) bool { return slices.Contains(words, w) }
	switch {
	case has("GEFORCE") || has("TITAN"):
		return iog.ConsumerGPU
	case has("QUADRO") || has("PRO") || has("ADA") && has("GENERATION"):
		return iog.WorkstationGPU
	case has("TESLA"):
		return iog.DatacenterGPU
	}
	for i, w := range words {
		if w == "RTX" && i+1 < len(words) && len(words[i+1]) > 1 && words[i+1][0] == 'A' && isDigit(words[i+1][1]) {
			return iog.WorkstationGPU
		}
		if len(w) > 1 && strings.IndexByte("ABHLTVP", w[0]) >= 0 && isDigit(w[1]) {
			return iog.DatacenterGPU
		}
	}
	return iog.AnyGPUClass
}
