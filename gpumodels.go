package iog

import (
	"bytes"
	"slices"
	"strings"
	"sync"
)

// GPUModel is the published specification of a GPU model: what the network
// expects a GPU of that model to have. The gpu package checks reported
// hardware against it, pricing prices by it, and the scheduler and
// tokenomics key their tables by its Name.
type GPUModel struct {
	// Name is the canonical model name, such as "H100-SXM" or "A100-80GB".
	Name string
	// Family groups the memory and form-factor variants of one chip, such
	// as "A100". A request for a family accepts any of its models.
	Family string
	Vendor Vendor
	Class  GPUClass
	// MemoryBytes is the nominal memory (80 GB is 80 GiB here). Drivers
	// report a little less, some memory being reserved; compare with a
	// tolerance.
	MemoryBytes uint64
	// MemoryBandwidthGBps is the memory bandwidth in GB/s.
	MemoryBandwidthGBps uint32
	// ComputeCapability is NVIDIA's architecture version; zero for others.
	ComputeCapability ComputeCapability
	// FP32GFLOPS is the peak single-precision throughput.
	FP32GFLOPS uint32
	// FP16GFLOPS is the peak dense half-precision tensor throughput, as
	// the vendor publishes it (without structured sparsity).
	FP16GFLOPS uint32
}

const gib = 1 << 30

// gpuModels is the catalog. Figures are the vendors' published peak
// specifications; aliases are the names drivers (NVML, ROCm) and earlier
// traces use for each model, matched after normalizeGPUName.
var gpuModels = []struct {
	GPUModel
	aliases []string
}{
	{GPUModel{"B200", "B200", VendorNVIDIA, DatacenterGPU, 180 * gib, 8000, ComputeCapability{10, 0}, 80000, 2250000}, []string{"B200"}},
	{GPUModel{"H200", "H200", VendorNVIDIA, DatacenterGPU, 141 * gib, 4800, ComputeCapability{9, 0}, 67000, 989000}, []string{"H200", "H200SXM141GB", "H200NVL"}},
	{GPUModel{"H100-SXM", "H100", VendorNVIDIA, DatacenterGPU, 80 * gib, 3350, ComputeCapability{9, 0}, 67000, 989000}, []string{"H100SXM", "H10080GBHBM3", "H100SXM580GB"}},
	{GPUModel{"H100-PCIe", "H100", VendorNVIDIA, DatacenterGPU, 80 * gib, 2000, ComputeCapability{9, 0}, 51000, 756000}, []string{"H100PCIE", "H100PCIE80GB"}},
	{GPUModel{"A100-80GB", "A100", VendorNVIDIA, DatacenterGPU, 80 * gib, 2039, ComputeCapability{8, 0}, 19500, 312000}, []string{"A10080GB", "A100SXM480GB", "A100PCIE80GB", "A10080GBPCIE"}},
	{GPUModel{"A100-40GB", "A100", VendorNVIDIA, DatacenterGPU, 40 * gib, 1555, ComputeCapability{8, 0}, 19500, 312000}, []string{"A10040GB", "A100SXM440GB", "A100PCIE40GB"}},
	{GPUModel{"L40S", "L40S", VendorNVIDIA, DatacenterGPU, 48 * gib, 864, ComputeCapability{8, 9}, 91600, 362000}, []string{"L40S"}},
	{GPUModel{"L40", "L40", VendorNVIDIA, DatacenterGPU, 48 * gib, 864, ComputeCapability{8, 9}, 90500, 181000}, []string{"L40"}},
	{GPUModel{"L4", "L4", VendorNVIDIA, DatacenterGPU, 24 * gib, 300, ComputeCapability{8, 9}, 30300, 121000}, []string{"L4"}},
	{GPUModel{"A40", "A40", VendorNVIDIA, DatacenterGPU, 48 * gib, 696, ComputeCapability{8, 6}, 37400, 150000}, []string{"A40"}},
	{GPUModel{"A10", "A10", VendorNVIDIA, DatacenterGPU, 24 * gib, 600, ComputeCapability{8, 6}, 31200, 125000}, []string{"A10"}},
	{GPUModel{"V100-32GB", "V100", VendorNVIDIA, DatacenterGPU, 32 * gib, 900, ComputeCapability{7, 0}, 15700, 125000}, []string{"V100SXM232GB", "V100PCIE32GB", "V100M32", "V10032GB"}},
	{GPUModel{"V100-16GB", "V100", VendorNVIDIA, DatacenterGPU, 16 * gib, 900, ComputeCapability{7, 0}, 15700, 125000}, []string{"V100SXM216GB", "V100PCIE16GB", "V100M16", "V10016GB"}},
	{GPUModel{"T4", "T4", VendorNVIDIA, DatacenterGPU, 16 * gib, 320, ComputeCapability{7, 5}, 8100, 65000}, []string{"T4"}},
	{GPUModel{"P100", "P100", VendorNVIDIA, DatacenterGPU, 16 * gib, 732, ComputeCapability{6, 0}, 9300, 18700}, []string{"P100", "P100PCIE16GB", "P100SXM216GB"}},
	{GPUModel{"RTX-6000-Ada", "RTX-6000-Ada", VendorNVIDIA, WorkstationGPU, 48 * gib, 960, ComputeCapability{8, 9}, 91100, 364000}, []string{"RTX6000ADA"}},
	{GPUModel{"RTX-A6000", "RTX-A6000", VendorNVIDIA, WorkstationGPU, 48 * gib, 768, ComputeCapability{8, 6}, 38700, 155000}, []string{"RTXA6000", "A6000"}},
	{GPUModel{"RTX-A5000", "RTX-A5000", VendorNVIDIA, WorkstationGPU, 24 * gib, 768, ComputeCapability{8, 6}, 27800, 111000}, []string{"RTXA5000", "A5000"}},
	{GPUModel{"RTX-A4000", "RTX-A4000", VendorNVIDIA, WorkstationGPU, 16 * gib, 448, ComputeCapability{8, 6}, 19200, 77000}, []string{"RTXA4000", "A4000"}},
	{GPUModel{"RTX-5090", "RTX-5090", VendorNVIDIA, ConsumerGPU, 32 * gib, 1792, ComputeCapability{12, 0}, 104800, 419000}, []string{"RTX5090"}},
	{GPUModel{"RTX-4090", "RTX-4090", VendorNVIDIA, ConsumerGPU, 24 * gib, 1008, ComputeCapability{8, 9}, 82600, 330000}, []string{"RTX4090"}},
	{GPUModel{"RTX-4080", "RTX-4080", VendorNVIDIA, ConsumerGPU, 16 * gib, 717, ComputeCapability{8, 9}, 48700, 195000}, []string{"RTX4080"}},
	{GPUModel{"RTX-4070-Ti", "RTX-4070-Ti", VendorNVIDIA, ConsumerGPU, 12 * gib, 504, ComputeCapability{8, 9}, 40100, 160000}, []string{"RTX4070TI"}},
	{GPUModel{"RTX-4070", "RTX-4070", VendorNVIDIA, ConsumerGPU, 12 * gib, 504, ComputeCapability{8, 9}, 29100, 117000}, []string{"RTX4070"}},
	{GPUModel{"RTX-4060-Ti", "RTX-4060-Ti", VendorNVIDIA, ConsumerGPU, 16 * gib, 288, ComputeCapability{8, 9}, 22100, 88000}, []string{"RTX4060TI"}},
	{GPUModel{"RTX-3090-Ti", "RTX-3090-Ti", VendorNVIDIA, ConsumerGPU, 24 * gib, 1008, ComputeCapability{8, 6}, 40000, 160000}, []string{"RTX3090TI"}},
	{GPUModel{"RTX-3090", "RTX-3090", VendorNVIDIA, ConsumerGPU, 24 * gib, 936, ComputeCapability{8, 6}, 35600, 142000}, []string{"RTX3090"}},
	{GPUModel{"RTX-3080-Ti", "RTX-3080-Ti", VendorNVIDIA, ConsumerGPU, 12 * gib, 912, ComputeCapability{8, 6}, 34100, 136000}, []string{"RTX3080TI"}},
	{GPUModel{"RTX-3080", "RTX-3080", VendorNVIDIA, ConsumerGPU, 10 * gib, 760, ComputeCapability{8, 6}, 29800, 119000}, []string{"RTX3080"}},
	{GPUModel{"RTX-3070", "RTX-3070", VendorNVIDIA, ConsumerGPU, 8 * gib, 448, ComputeCapability{8, 6}, 20300, 81000}, []string{"RTX3070"}},
	{GPUModel{"RTX-3060", "RTX-3060", VendorNVIDIA, ConsumerGPU, 12 * gib, 360, ComputeCapability{8, 6}, 12700, 51000}, []string{"RTX3060"}},
	{GPUModel{"MI300X", "MI300X", VendorAMD, DatacenterGPU, 192 * gib, 5300, ComputeCapability{}, 163400, 1307000}, []string{"MI300X"}},
	{GPUModel{"MI250X", "MI250X", VendorAMD, DatacenterGPU, 128 * gib, 3277, ComputeCapability{}, 47900, 383000}, []string{"MI250X"}},
	// Apple's M-series GPUs share the chip's unified memory: the catalog
	// lists each chip's largest configuration and its full GPU. Apple
	// publishes the GPU's cores and the memory bandwidth but no
	// throughput; the FP32 figure is an estimate of this project (128
	// FP32 lanes a core, two operations a cycle, at the GPU clock
	// measured outside Apple: 1.398 GHz for the M3, 1.578 GHz for the
	// M4), and FP16 runs at the FP32 rate on these GPUs, which have no
	// separate tensor units. The M3 Max is left out: it has the M4 Max's
	// 128 GB, and with no figure Apple publishes to tell them apart, an
	// M3 Max could claim the M4 Max's multiplier.
	{GPUModel{"M4-Max", "M4-Max", VendorApple, ConsumerGPU, 128 * gib, 546, ComputeCapability{}, 16158, 16158}, []string{"M4MAX"}},
	{GPUModel{"M4-Pro", "M4-Pro", VendorApple, ConsumerGPU, 64 * gib, 273, ComputeCapability{}, 8079, 8079}, []string{"M4PRO"}},
	{GPUModel{"M3-Ultra", "M3-Ultra", VendorApple, ConsumerGPU, 512 * gib, 819, ComputeCapability{}, 28631, 28631}, []string{"M3ULTRA"}},
}

// gpuIndex maps normalized names, aliases and families to catalog entries.
type gpuIndex struct {
	byName   map[string]int   // canonical names and aliases
	byFamily map[string][]int // families with more than one model
}

var catalogIndex = sync.OnceValue(func() gpuIndex {
	idx := gpuIndex{byName: map[string]int{}, byFamily: map[string][]int{}}
	for i, m := range gpuModels {
		idx.byName[normalizeGPUName(m.Name)] = i
		for _, alias := range m.aliases {
			idx.byName[alias] = i
		}
		fam := normalizeGPUName(m.Family)
		idx.byFamily[fam] = append(idx.byFamily[fam], i)
	}
	for fam, members := range idx.byFamily {
		if len(members) == 1 {
			idx.byName[fam] = members[0]
			delete(idx.byFamily, fam)
		}
	}
	return idx
})

// GPUModels returns the catalog of known GPU models, newest and largest
// first within each class.
func GPUModels() []GPUModel {
	out := make([]GPUModel, len(gpuModels))
	for i, m := range gpuModels {
		out[i] = m.GPUModel
	}
	return out
}

// LookupGPUModel finds a model by its canonical name, a family with a single
// model, or a name a driver reports ("NVIDIA GeForce RTX 4090", "NVIDIA
// A100-SXM4-80GB", "Tesla T4"), without regard to case, spacing, hyphens or
// vendor words. A family with several models ("A100") is not a model; see
// IdentifyGPU. A name is words of printable ASCII: one with any other
// character, with a vendor word inside another word, or with a vendor word
// of another maker than the model's ("AMD H100") names no model, so that
// what matches is what a reader of the name sees.
func LookupGPUModel(name string) (GPUModel, bool) {
	var buf [64]byte
	key, vendor, ok := appendNormalizedGPUName(buf[:0], name)
	if !ok {
		return GPUModel{}, false
	}
	i, ok := catalogIndex().byName[string(key)]
	if !ok || !vendorFits(vendor, gpuModels[i].Vendor) {
		return GPUModel{}, false
	}
	return gpuModels[i].GPUModel, true
}

// IdentifyGPU returns the catalog model of a reported GPU, the first of
// GPUCandidates: when a name does not tell the models of a family apart,
// the weakest of those nearest in memory.
func IdentifyGPU(g GPU) (GPUModel, bool) {
	if m, ok := LookupGPUModel(g.Model); ok {
		return m, true // without GPUCandidates' allocation, for the common case
	}
	c := GPUCandidates(g)
	if len(c) == 0 {
		return GPUModel{}, false
	}
	return c[0], true
}

// GPUCandidates returns the catalog models a reported GPU may be by its
// name and memory, the one to take first: the model the name names, or,
// when the name only names a family with several models ("NVIDIA
// A100-SXM4" says neither 40 nor 80 GB), the members whose memory is
// nearest the reported memory. Members equally near (the H100-SXM and the
// H100-PCIe both have 80 GB, so "NVIDIA H100" is either) are listed the
// weakest first (CompareGPUModels), so that a name that does not tell
// them apart never claims the stronger; the gpu package picks among them
// by the figures the GPU reports. Names are read as LookupGPUModel reads
// them; a name of no model gives none.
func GPUCandidates(g GPU) []GPUModel {
	if m, ok := LookupGPUModel(g.Model); ok {
		return []GPUModel{m}
	}
	idx := catalogIndex()
	var buf [64]byte
	k, vendor, ok := appendNormalizedGPUName(buf[:0], g.Model)
	if !ok {
		return nil
	}
	key := string(k)
	var family string
	for fam := range idx.byFamily {
		if len(fam) > len(family) && strings.HasPrefix(key, fam) && (len(key) == len(fam) || !isDigit(key[len(fam)])) {
			family = fam
		}
	}
	members := idx.byFamily[family]
	if len(members) == 0 || !vendorFits(vendor, gpuModels[members[0]].Vendor) {
		return nil
	}
	nearest := memoryDistance(gpuModels[members[0]].MemoryBytes, g.MemoryBytes)
	for _, i := range members[1:] {
		nearest = min(nearest, memoryDistance(gpuModels[i].MemoryBytes, g.MemoryBytes))
	}
	var out []GPUModel
	for _, i := range members {
		if memoryDistance(gpuModels[i].MemoryBytes, g.MemoryBytes) == nearest {
			out = append(out, gpuModels[i].GPUModel)
		}
	}
	slices.SortFunc(out, CompareGPUModels)
	return out
}

// vendorFits reports whether a name whose vendor words name named (""
// when they name none) may be a model of vendor.
func vendorFits(named, vendor Vendor) bool { return named == "" || named == vendor }

func memoryDistance(a, b uint64) uint64 { return max(a, b) - min(a, b) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// MatchesGPUModel reports whether m satisfies a request for want, which may
// be a canonical name, an alias or a family ("A100" accepts both A100
// models). An empty want accepts every model.
func (m GPUModel) MatchesGPUModel(want string) bool {
	if want == "" {
		return true
	}
	var buf [64]byte
	key, vendor, ok := appendNormalizedGPUName(buf[:0], want)
	if !ok || !vendorFits(vendor, m.Vendor) {
		return false
	}
	if string(key) == normalizeGPUName(m.Family) {
		return true
	}
	i, ok := catalogIndex().byName[string(key)]
	return ok && gpuModels[i].Name == m.Name
}

// vendorWords are dropped from reported names before matching, when they
// stand as words of their own, with the maker each names ("" for none).
var vendorWords = [...]struct {
	word   string
	vendor Vendor
}{
	{"NVIDIA", VendorNVIDIA}, {"GEFORCE", VendorNVIDIA}, {"TESLA", VendorNVIDIA},
	{"AMD", VendorAMD}, {"INSTINCT", VendorAMD}, {"RADEON", VendorAMD},
	{"APPLE", VendorApple},
	{"GENERATION", ""},
}

// normalizeGPUName reduces a catalog name to upper-case letters and digits:
// "RTX-6000-Ada" becomes "RTX6000ADA".
func normalizeGPUName(s string) string {
	var buf [64]byte
	key, _, _ := appendNormalizedGPUName(buf[:0], s)
	return string(key)
}

// appendNormalizedGPUName appends the normalized form of s to dst: its
// words (runs of ASCII letters and digits) in upper case, run together,
// without the words of vendorWords: "NVIDIA GeForce RTX 4090" becomes
// "RTX4090". It returns the maker the vendor words name, and false when s
// is not a name: a character outside printable ASCII, vendor words of two
// makers, or a vendor word left in the result, inside a word or made by
// running words together ("H1NVIDIA00", "H100 NVI DIA"), so that no name
// matches by a vendor word's removal that a reader would not remove.
// Lookups index a map with string(key), key the result of appending to a
// stack buffer, which Go does without allocating.
func appendNormalizedGPUName(dst []byte, s string) (key []byte, vendor Vendor, ok bool) {
	start := len(dst)
	word := start // where the current word starts
	for i := 0; i <= len(s); i++ {
		if i < len(s) {
			switch c := s[i]; {
			case c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
				dst = append(dst, c)
				continue
			case c >= 'a' && c <= 'z':
				dst = append(dst, c-'a'+'A')
				continue
			case c < ' ' || c > '~':
				return dst, "", false
			}
		}
		for _, v := range vendorWords {
			if string(dst[word:]) != v.word {
				continue
			}
			dst = dst[:word]
			if v.vendor != "" {
				if vendor != "" && vendor != v.vendor {
					return dst, "", false
				}
				vendor = v.vendor
			}
			break
		}
		word = len(dst)
	}
	for _, v := range vendorWords {
		if bytes.Contains(dst[start:], []byte(v.word)) {
			return dst, "", false
		}
	}
	return dst, vendor, true
}
