package gpu_test

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// publishedFigures are the vendors' published figures of the catalog's
// NVIDIA models: CUDA cores, the rated boost clock, the memory bus width
// and the memory clock as NVML reports it (half the per-pin data rate:
// 21 Gbps GDDR6X is 10 501 MHz, 2.43 Gbps HBM2 is 1 215 MHz). P100 is the
// PCIe card, whose 9.3 TFLOPS the catalog lists.
var publishedFigures = map[string]struct {
	cores, boostMHz, busBits, memMHz uint32
}{
	"H200":         {16896, 1980, 6144, 3125}, // HBM3e 6.25 Gbps
	"H100-SXM":     {16896, 1980, 5120, 2619}, // HBM3 5.24 Gbps
	"H100-PCIe":    {14592, 1755, 5120, 1593}, // HBM2e 3.19 Gbps
	"A100-80GB":    {6912, 1410, 5120, 1593},  // HBM2e 3.19 Gbps
	"A100-40GB":    {6912, 1410, 5120, 1215},  // HBM2 2.43 Gbps
	"L40S":         {18176, 2520, 384, 9001},  // GDDR6 18 Gbps
	"L40":          {18176, 2490, 384, 9001},  // GDDR6 18 Gbps
	"L4":           {7424, 2040, 192, 6251},   // GDDR6 12.5 Gbps
	"A40":          {10752, 1740, 384, 7251},  // GDDR6 14.5 Gbps
	"A10":          {9216, 1695, 384, 6251},   // GDDR6 12.5 Gbps
	"V100-32GB":    {5120, 1530, 4096, 877},   // HBM2 1.75 Gbps
	"V100-16GB":    {5120, 1530, 4096, 877},   // HBM2 1.75 Gbps
	"T4":           {2560, 1590, 256, 5001},   // GDDR6 10 Gbps
	"P100":         {3584, 1303, 4096, 715},   // HBM2 1.43 Gbps
	"RTX-6000-Ada": {18176, 2505, 384, 10001}, // GDDR6 20 Gbps
	"RTX-A6000":    {10752, 1800, 384, 8001},  // GDDR6 16 Gbps
	"RTX-A5000":    {8192, 1695, 384, 8001},   // GDDR6 16 Gbps
	"RTX-A4000":    {6144, 1560, 256, 7001},   // GDDR6 14 Gbps
	"RTX-5090":     {21760, 2407, 512, 14001}, // GDDR7 28 Gbps
	"RTX-4090":     {16384, 2520, 384, 10501}, // GDDR6X 21 Gbps
	"RTX-4080":     {9728, 2505, 256, 11201},  // GDDR6X 22.4 Gbps
	"RTX-4070-Ti":  {7680, 2610, 192, 10501},  // GDDR6X 21 Gbps
	"RTX-4070":     {5888, 2475, 192, 10501},  // GDDR6X 21 Gbps
	"RTX-4060-Ti":  {4352, 2535, 128, 9001},   // GDDR6 18 Gbps
	"RTX-3090-Ti":  {10752, 1860, 384, 10501}, // GDDR6X 21 Gbps
	"RTX-3090":     {10496, 1695, 384, 9751},  // GDDR6X 19.5 Gbps
	"RTX-3080-Ti":  {10240, 1665, 384, 9501},  // GDDR6X 19 Gbps
	"RTX-3080":     {8704, 1710, 320, 9501},   // GDDR6X 19 Gbps
	"RTX-3070":     {5888, 1725, 256, 7001},   // GDDR6 14 Gbps
	"RTX-3060":     {3584, 1777, 192, 7501},   // GDDR6 15 Gbps
}

// notDerivable are the catalog models the validation leaves out: NVIDIA
// has not published the B200's core count and clocks, and AMD and Apple
// GPUs are not read through NVML (Apple publishes no core count or clock
// either).
var notDerivable = map[string]string{
	"B200":     "no published core count or clock",
	"MI300X":   "AMD",
	"MI250X":   "AMD",
	"M4-Max":   "Apple",
	"M4-Pro":   "Apple",
	"M3-Ultra": "Apple",
}

// fp16Exceptions are catalog models whose FP16 figure is not the one the
// tensor table derives: the catalog lists the L40's FP16 tensor rate with
// FP32 accumulate (181 TFLOPS), half its FP16-accumulate rate.
var fp16Exceptions = map[string]bool{"L40": true}

// prototype is a reading of a GPU the catalog does not know (a
// prototype of m), with m's figures: DerivedSpec must derive it.
func prototype(m iog.GPUModel, cores, boost, bus, mem uint32) gpu.GPUReading {
	return gpu.GPUReading{
		GPU: iog.GPU{
			UUID: "GPU-00000000-0000-0000-0000-000000000001", Vendor: iog.VendorNVIDIA,
			Model: "Prototype " + m.Name, MemoryBytes: m.MemoryBytes, ComputeCapability: m.ComputeCapability,
		},
		Specs: gpu.Specs{Cores: cores, BoostClockMHz: boost, MaxSMClockMHz: boost, MemoryBusWidthBits: bus, MaxMemoryClockMHz: mem},
	}
}

// withinPercent asserts that got is within pct percent of want.
func withinPercent(t *testing.T, want, got uint32, pct float64, msg string, args ...any) {
	t.Helper()
	require.InDelta(t, float64(want), float64(got), float64(want)*pct/100, append([]any{msg}, args...)...)
}

// TestDerivedSpecMatchesCatalog is the evidence that the derivation is
// fair: from the published figures of every catalog model it can derive,
// it comes within 10% of the catalog's FP32, bandwidth and FP16 figures,
// and puts the model in its catalog class.
func TestDerivedSpecMatchesCatalog(t *testing.T) {
	for _, m := range iog.GPUModels() {
		t.Run(m.Name, func(t *testing.T) {
			f, ok := publishedFigures[m.Name]
			if !ok {
				require.Contains(t, notDerivable, m.Name, "every catalog model is validated or named as not derivable")
				return
			}
			r := prototype(m, f.cores, f.boostMHz, f.busBits, f.memMHz)
			_, known := iog.IdentifyGPU(r.GPU)
			require.False(t, known, "the catalog must not know %q", r.GPU.Model)

			d, err := gpu.DerivedSpec(r)
			require.NoError(t, err)
			t.Logf("%-13s FP32 %6d / %6d  GB/s %5d / %5d  FP16 %7d / %7d", m.Name, d.FP32GFLOPS, m.FP32GFLOPS, d.MemoryBandwidthGBps, m.MemoryBandwidthGBps, d.FP16GFLOPS, m.FP16GFLOPS)
			withinPercent(t, m.FP32GFLOPS, d.FP32GFLOPS, 10, "FP32")
			withinPercent(t, m.MemoryBandwidthGBps, d.MemoryBandwidthGBps, 10, "bandwidth")
			if fp16Exceptions[m.Name] {
				require.Equal(t, 2*m.FP16GFLOPS/1000, d.FP16GFLOPS/1000, "FP16 with FP16 accumulate is twice the catalog's FP32-accumulate figure")
			} else {
				withinPercent(t, m.FP16GFLOPS, d.FP16GFLOPS, 10, "FP16")
			}
			require.Equal(t, m.Class, d.Class, "the class of the catalog family")
			require.Equal(t, m.Family, d.Family)
			require.Equal(t, r.GPU.Model, d.Name)
			require.Equal(t, m.MemoryBytes, d.MemoryBytes)
			require.Equal(t, m.ComputeCapability, d.ComputeCapability)
		})
	}
}

// TestDerivedSpecGeForceMaxClock: GeForce cards report no customer boost
// clock, only the top of their clock table (as nvidia-smi -q shows it),
// and 4/5 of it still lands within 10% of the catalog.
func TestDerivedSpecGeForceMaxClock(t *testing.T) {
	maxClock := map[string]uint32{"RTX-4090": 3120, "RTX-3090": 2100, "RTX-3080": 2100}
	for name, clock := range maxClock {
		m, ok := iog.LookupGPUModel(name)
		require.True(t, ok)
		f := publishedFigures[name]
		r := prototype(m, f.cores, 0, f.busBits, f.memMHz)
		r.Specs.MaxSMClockMHz = clock
		d, err := gpu.DerivedSpec(r)
		require.NoError(t, err)
		withinPercent(t, m.FP32GFLOPS, d.FP32GFLOPS, 10, "%s FP32 from the max clock", name)
	}
}

func TestDerivedSpecCatalogModel(t *testing.T) {
	r := gpu.GPUReading{GPU: iog.GPU{Vendor: iog.VendorNVIDIA, Model: "NVIDIA A100-SXM4-80GB", MemoryBytes: 80 << 30}}
	d, err := gpu.DerivedSpec(r)
	require.NoError(t, err, "a catalog model needs no figures")
	want, _ := iog.LookupGPUModel("A100-80GB")
	require.Equal(t, want, d)
}

func TestDerivedSpecRejects(t *testing.T) {
	good := func() gpu.GPUReading {
		return gpu.GPUReading{
			GPU:   iog.GPU{Vendor: iog.VendorNVIDIA, Model: "NVIDIA X1", MemoryBytes: 24 << 30, ComputeCapability: iog.ComputeCapability{Major: 8, Minor: 9}},
			Specs: gpu.Specs{Cores: 10000, BoostClockMHz: 2000, MaxSMClockMHz: 2500, MemoryBusWidthBits: 256, MaxMemoryClockMHz: 10000},
		}
	}
	d, err := gpu.DerivedSpec(good())
	require.NoError(t, err)
	require.Equal(t, iog.GPUModel{
		Name: "NVIDIA X1", Family: "NVIDIA X1", Vendor: iog.VendorNVIDIA, Class: iog.AnyGPUClass,
		MemoryBytes: 24 << 30, MemoryBandwidthGBps: 640, ComputeCapability: iog.ComputeCapability{Major: 8, Minor: 9},
		FP32GFLOPS: 40000, FP16GFLOPS: 160000,
	}, d)

	tests := []struct {
		name   string
		change func(r *gpu.GPUReading)
		kind   error
		msg    string
	}{
		{"no name", func(r *gpu.GPUReading) { r.GPU.Model = "  " }, iog.ErrInvalid, "no model name"},
		{"no memory", func(r *gpu.GPUReading) { r.GPU.MemoryBytes = 0 }, iog.ErrInvalid, "no memory size"},
		{"AMD", func(r *gpu.GPUReading) { r.GPU.Vendor = iog.VendorAMD }, iog.ErrUnavailable, "only NVIDIA GPUs"},
		{"no cores", func(r *gpu.GPUReading) { r.Specs.Cores = 0 }, iog.ErrUnavailable, "CUDA cores"},
		{"no memory clock", func(r *gpu.GPUReading) { r.Specs.MaxMemoryClockMHz = 0 }, iog.ErrUnavailable, "maximum memory clock"},
		{"no compute capability", func(r *gpu.GPUReading) { r.GPU.ComputeCapability = iog.ComputeCapability{} }, iog.ErrUnavailable, "compute capability 0.0 is not in the tensor table"},
		{"Maxwell", func(r *gpu.GPUReading) { r.GPU.ComputeCapability = iog.ComputeCapability{Major: 5, Minor: 2} }, iog.ErrUnavailable, "compute capability 5.2"},
		{"FP32 overflows", func(r *gpu.GPUReading) {
			r.Specs.Cores, r.Specs.BoostClockMHz = math.MaxUint32, math.MaxUint32
		}, iog.ErrOverflow, "exceed"},
		{"bandwidth overflows", func(r *gpu.GPUReading) {
			r.Specs.MemoryBusWidthBits, r.Specs.MaxMemoryClockMHz = math.MaxUint32, math.MaxUint32
		}, iog.ErrOverflow, "GB/s"},
		{"FP16 overflows", func(r *gpu.GPUReading) {
			r.GPU.ComputeCapability = iog.ComputeCapability{Major: 10}
			r.Specs.Cores, r.Specs.BoostClockMHz = 1<<20, 1<<20 // 2.2e9 GFLOPS FP32 fits, ×28 does not
		}, iog.ErrOverflow, "FP32 GFLOPS × 28/1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := good()
			tt.change(&r)
			d, err := gpu.DerivedSpec(r)
			require.ErrorIs(t, err, tt.kind)
			require.ErrorContains(t, err, tt.msg)
			require.Equal(t, iog.GPUModel{}, d)
		})
	}
}

// TestDerivedSpecTensorFallback: a minor version not in the table takes
// the smallest ratio of its major version.
func TestDerivedSpecTensorFallback(t *testing.T) {
	for _, tt := range []struct {
		cc    iog.ComputeCapability
		ratio uint32 // FP16 / FP32
	}{
		{iog.ComputeCapability{Major: 8, Minor: 7}, 4},  // 8.0 is 16, 8.6 and 8.9 are 4
		{iog.ComputeCapability{Major: 12, Minor: 1}, 4}, // 12.0
		{iog.ComputeCapability{Major: 7, Minor: 2}, 8},
		{iog.ComputeCapability{Major: 8, Minor: 0}, 16},
	} {
		r := gpu.GPUReading{
			GPU:   iog.GPU{Vendor: iog.VendorNVIDIA, Model: "NVIDIA X1", MemoryBytes: 1 << 30, ComputeCapability: tt.cc},
			Specs: gpu.Specs{Cores: 1000, BoostClockMHz: 1000, MemoryBusWidthBits: 64, MaxMemoryClockMHz: 1000},
		}
		d, err := gpu.DerivedSpec(r)
		require.NoError(t, err)
		require.Equal(t, uint32(2000), d.FP32GFLOPS)
		require.Equal(t, tt.ratio*2000, d.FP16GFLOPS, "compute capability %d.%d", tt.cc.Major, tt.cc.Minor)
	}
}

func TestDerivedSpecClass(t *testing.T) {
	for _, tt := range []struct {
		name   string
		class  iog.GPUClass
		family string
	}{
		{"NVIDIA GeForce RTX 4090 D", iog.ConsumerGPU, "RTX-4090"},
		{"NVIDIA L4 Tensor Core", iog.DatacenterGPU, "L4"},
		{"NVIDIA L40S-PCIe-48GB", iog.DatacenterGPU, "L40S"},
		{"NVIDIA GeForce RTX 2080 Ti", iog.ConsumerGPU, ""},
		{"NVIDIA TITAN RTX", iog.ConsumerGPU, ""},
		{"Quadro RTX 8000", iog.WorkstationGPU, ""},
		{"NVIDIA RTX A2000 12GB", iog.WorkstationGPU, ""},
		{"NVIDIA RTX 4000 Ada Generation", iog.WorkstationGPU, ""},
		{"NVIDIA RTX PRO 6000 Blackwell Workstation Edition", iog.WorkstationGPU, ""},
		{"Tesla M60", iog.DatacenterGPU, ""},
		{"NVIDIA A800-SXM4-80GB", iog.DatacenterGPU, ""},
		{"NVIDIA A2", iog.DatacenterGPU, ""},
		{"NVIDIA GH200 480GB", iog.AnyGPUClass, ""},
		{"NVIDIA CMP 170HX", iog.AnyGPUClass, ""},
	} {
		r := gpu.GPUReading{
			GPU:   iog.GPU{Vendor: iog.VendorNVIDIA, Model: tt.name, MemoryBytes: 1 << 30, ComputeCapability: iog.ComputeCapability{Major: 8, Minor: 9}},
			Specs: gpu.Specs{Cores: 1000, BoostClockMHz: 1000, MemoryBusWidthBits: 64, MaxMemoryClockMHz: 1000},
		}
		_, known := iog.IdentifyGPU(r.GPU)
		require.False(t, known, tt.name)
		d, err := gpu.DerivedSpec(r)
		require.NoError(t, err)
		require.Equal(t, tt.class, d.Class, tt.name)
		if tt.family == "" {
			tt.family = tt.name
		}
		require.Equal(t, tt.family, d.Family, tt.name)
	}
}

// FuzzDerivedSpec feeds DerivedSpec readings with arbitrary figures, as a
// static inventory file may carry them: it never panics, fails only with
// the documented kinds and a zero model, and what it derives follows the
// formula.
func FuzzDerivedSpec(f *testing.F) {
	f.Add("NVIDIA A800-SXM4-40GB", uint64(40<<30), uint8(8), uint8(0), uint32(6912), uint32(1410), uint32(1410), uint32(5120), uint32(1215))
	f.Add("NVIDIA GeForce RTX 4090 D", uint64(24<<30), uint8(8), uint8(9), uint32(14592), uint32(0), uint32(3120), uint32(384), uint32(10501))
	f.Add("NVIDIA H100 80GB HBM3", uint64(80<<30), uint8(9), uint8(0), uint32(0), uint32(0), uint32(0), uint32(0), uint32(0))
	f.Add("x", uint64(1), uint8(10), uint8(0), uint32(math.MaxUint32), uint32(math.MaxUint32), uint32(1), uint32(1), uint32(1))
	f.Add("", uint64(0), uint8(5), uint8(2), uint32(1), uint32(1), uint32(1), uint32(1), uint32(1))
	f.Add("A10", uint64(80<<30), uint8(9), uint8(92), uint32(98), uint32(0), uint32(72), uint32(83), uint32(14)) // a catalog name, figures of no A10
	f.Fuzz(func(t *testing.T, name string, mem uint64, major, minor uint8, cores, boost, maxClock, bus, memClock uint32) {
		r := gpu.GPUReading{
			GPU:   iog.GPU{Vendor: iog.VendorNVIDIA, Model: name, MemoryBytes: mem, ComputeCapability: iog.ComputeCapability{Major: major, Minor: minor}},
			Specs: gpu.Specs{Cores: cores, BoostClockMHz: boost, MaxSMClockMHz: maxClock, MemoryBusWidthBits: bus, MaxMemoryClockMHz: memClock},
		}
		m, err := gpu.DerivedSpec(r)
		if err != nil {
			require.True(t, errors.Is(err, iog.ErrInvalid) || errors.Is(err, iog.ErrUnavailable) || errors.Is(err, iog.ErrOverflow), "%v", err)
			require.Equal(t, iog.GPUModel{}, m)
			return
		}
		if known := iog.GPUCandidates(r.GPU); len(known) > 0 {
			require.Contains(t, known, m, "a name the catalog knows is one of its models")
			return
		}
		clock := uint64(boost)
		if clock == 0 {
			clock = uint64(maxClock) * 4 / 5
		}
		require.Equal(t, uint64(cores)*2*clock/1000, uint64(m.FP32GFLOPS))
		require.Equal(t, uint64(bus)*2*uint64(memClock)/8000, uint64(m.MemoryBandwidthGBps))
		require.Equal(t, mem, m.MemoryBytes)
		require.True(t, m.Class.Valid())
	})
}

// TestPublishedSpecsMatchNVML: the catalog's boards (iog.GPUVariant) give
// the figures NVML reports of the cards, as publishedFigures lists them:
// the same cores, boost clock and bus, and a memory clock within 2.5%,
// the rounding of a published bandwidth (the H100 PCIe's "2 TB/s" is
// 5 120 bits at 1 593 MHz, 2 039 GB/s).
func TestPublishedSpecsMatchNVML(t *testing.T) {
	for name, f := range publishedFigures {
		s := gpu.PublishedSpecs(mustVariant(name))
		require.Equal(t, gpu.Specs{Cores: f.cores, MaxSMClockMHz: f.boostMHz, BoostClockMHz: f.boostMHz, MemoryBusWidthBits: f.busBits, MaxMemoryClockMHz: s.MaxMemoryClockMHz}, s, name)
		withinPercent(t, f.memMHz, s.MaxMemoryClockMHz, 2.5, "%s memory clock", name)
	}
}
