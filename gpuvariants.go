package iog

import (
	"cmp"
	"slices"
	"strings"
)

// GPUVariant is one board a catalog model ships as (the SXM and the PCIe
// card of an A100-80GB), with the fixed figures its vendor publishes for
// it: what a GPU claiming the model must report of itself. The gpu
// package refuses a claim that the GPU's own figures contradict, which
// tells apart models that share vendor, architecture and memory (an
// H100-PCIe from an H100-SXM, an L40 from an L40S). A figure the vendor
// does not publish is zero and is not checked.
type GPUVariant struct {
	// Form names the board, such as "SXM5" or "PCIe"; "" for a model of
	// one board.
	Form string
	// Cores is the number of CUDA cores (stream processors for AMD).
	Cores uint32
	// BoostClockMHz is the rated boost clock.
	BoostClockMHz uint32
	// MemoryBusWidthBits is the width of the memory interface.
	MemoryBusWidthBits uint32
	// MemoryBandwidthGBps is the board's memory bandwidth, which may be
	// below the model's (an A100 80GB PCIe has 1 935 of the SXM's 2 039).
	MemoryBandwidthGBps uint32
	// PowerWatts is the thermal design power (NVIDIA's TDP or TGP, AMD's
	// TBP): the default and, for datacenter boards, the highest power
	// limit.
	PowerWatts uint32
}

// Variants returns the boards of the catalog model named m.Name, first
// the one whose throughput the catalog lists; nil for a name the catalog
// does not have (a model the gpu package derived from a GPU's figures).
func (m GPUModel) Variants() []GPUVariant { return slices.Clone(gpuVariants[m.Name]) }

// gpuVariants are the boards of every catalog model, by name. The
// figures are the vendors' published ones: NVIDIA's datasheets and
// product briefs (H100, A100, L40S, L40, L4, A40, A10, T4, RTX 6000 Ada,
// RTX A6000/A5000/A4000), its architecture whitepapers for the CUDA core
// counts and boost clocks of the SXM boards (Pascal P100, Volta V100,
// Ampere GA100, Hopper H100), the GeForce specification pages on
// nvidia.com, AMD's Instinct MI300X and MI250X datasheets, and Apple's
// product pages, which give the memory bandwidth and no core count,
// clock or power of the GPU (the bus width is the one the published
// bandwidth and the chip's memory, LPDDR5X-8533 for the M4 and
// LPDDR5-6400 for the M3, give). The
// catalog's FP32 figure of each NVIDIA model is cores × 2 × boost clock
// of its first board, within 1%, and its bandwidth that board's; a test
// holds both. NVIDIA publishes no core count or clock for the B200, nor a
// clock for the H200 NVL.
var gpuVariants = map[string][]GPUVariant{
	"B200":         {{"", 0, 0, 8192, 8000, 1000}},
	"H200":         {{"SXM", 16896, 1980, 6144, 4800, 700}, {"NVL", 16896, 0, 6144, 4800, 600}},
	"H100-SXM":     {{"", 16896, 1980, 5120, 3350, 700}},
	"H100-PCIe":    {{"", 14592, 1755, 5120, 2000, 350}},
	"A100-80GB":    {{"SXM4", 6912, 1410, 5120, 2039, 400}, {"PCIe", 6912, 1410, 5120, 1935, 300}},
	"A100-40GB":    {{"SXM4", 6912, 1410, 5120, 1555, 400}, {"PCIe", 6912, 1410, 5120, 1555, 250}},
	"L40S":         {{"", 18176, 2520, 384, 864, 350}},
	"L40":          {{"", 18176, 2490, 384, 864, 300}},
	"L4":           {{"", 7424, 2040, 192, 300, 72}},
	"A40":          {{"", 10752, 1740, 384, 696, 300}},
	"A10":          {{"", 9216, 1695, 384, 600, 150}},
	"V100-32GB":    {{"SXM2", 5120, 1530, 4096, 900, 300}, {"PCIe", 5120, 1380, 4096, 900, 250}, {"V100S PCIe", 5120, 1597, 4096, 1134, 250}},
	"V100-16GB":    {{"SXM2", 5120, 1530, 4096, 900, 300}, {"PCIe", 5120, 1380, 4096, 900, 250}},
	"T4":           {{"", 2560, 1590, 256, 320, 70}},
	"P100":         {{"PCIe", 3584, 1303, 4096, 732, 250}, {"SXM2", 3584, 1480, 4096, 732, 300}},
	"RTX-6000-Ada": {{"", 18176, 2505, 384, 960, 300}},
	"RTX-A6000":    {{"", 10752, 1800, 384, 768, 300}},
	"RTX-A5000":    {{"", 8192, 1695, 384, 768, 230}},
	"RTX-A4000":    {{"", 6144, 1560, 256, 448, 140}},
	"RTX-5090":     {{"", 21760, 2407, 512, 1792, 575}},
	"RTX-4090":     {{"", 16384, 2520, 384, 1008, 450}},
	"RTX-4080":     {{"", 9728, 2505, 256, 717, 320}},
	"RTX-4070-Ti":  {{"", 7680, 2610, 192, 504, 285}},
	"RTX-4070":     {{"", 5888, 2475, 192, 504, 200}},
	"RTX-4060-Ti":  {{"", 4352, 2535, 128, 288, 165}},
	"RTX-3090-Ti":  {{"", 10752, 1860, 384, 1008, 450}},
	"RTX-3090":     {{"", 10496, 1695, 384, 936, 350}},
	"RTX-3080-Ti":  {{"", 10240, 1665, 384, 912, 350}},
	"RTX-3080":     {{"", 8704, 1710, 320, 760, 320}},
	"RTX-3070":     {{"", 5888, 1725, 256, 448, 220}},
	"RTX-3060":     {{"", 3584, 1777, 192, 360, 170}},
	"MI300X":       {{"", 19456, 2100, 8192, 5300, 750}},
	"MI250X":       {{"", 14080, 1700, 8192, 3277, 560}},
	"M4-Max":       {{"", 0, 0, 512, 546, 0}},
	"M4-Pro":       {{"", 0, 0, 256, 273, 0}},
	"M3-Ultra":     {{"", 0, 0, 1024, 819, 0}},
}

// CompareGPUModels orders models from the weaker to the stronger: by
// dense FP16 throughput, then FP32, memory bandwidth and memory, then
// name so that the order is total. Where a GPU may be either of two
// models, it is taken for the weaker unless its figures rule that out,
// so that an ambiguous claim never resolves upward.
func CompareGPUModels(a, b GPUModel) int {
	return cmp.Or(
		cmp.Compare(a.FP16GFLOPS, b.FP16GFLOPS),
		cmp.Compare(a.FP32GFLOPS, b.FP32GFLOPS),
		cmp.Compare(a.MemoryBandwidthGBps, b.MemoryBandwidthGBps),
		cmp.Compare(a.MemoryBytes, b.MemoryBytes),
		strings.Compare(a.Name, b.Name),
	)
}
