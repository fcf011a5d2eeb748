package iog_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

func TestLookupGPUModel(t *testing.T) {
	for name, want := range map[string]string{
		"NVIDIA H100 80GB HBM3":          "H100-SXM",
		"NVIDIA H100 PCIe":               "H100-PCIe",
		"h100-sxm":                       "H100-SXM",
		"NVIDIA A100-SXM4-80GB":          "A100-80GB",
		"NVIDIA A100-PCIE-40GB":          "A100-40GB",
		"NVIDIA A100 80GB PCIe":          "A100-80GB",
		"Tesla V100-SXM2-32GB":           "V100-32GB",
		"V100M16":                        "V100-16GB",
		"Tesla T4":                       "T4",
		"Tesla P100-PCIE-16GB":           "P100",
		"NVIDIA GeForce RTX 4090":        "RTX-4090",
		"NVIDIA GeForce RTX 4070":        "RTX-4070",
		"NVIDIA GeForce RTX 4070 Ti":     "RTX-4070-Ti",
		"NVIDIA RTX A6000":               "RTX-A6000",
		"NVIDIA RTX 6000 Ada Generation": "RTX-6000-Ada",
		"NVIDIA L40S":                    "L40S",
		"NVIDIA A10":                     "A10",
		"AMD Instinct MI300X":            "MI300X",
		"L4":                             "L4",
		"NVIDIA-H100-80GB-HBM3":          "H100-SXM",
		"nvidia geforce rtx 4090":        "RTX-4090",
		"(Tesla) T4":                     "T4",
		"Apple M4 Max":                   "M4-Max",
		"Apple M4 Pro":                   "M4-Pro",
		"Apple M3 Ultra":                 "M3-Ultra",
	} {
		m, ok := iog.LookupGPUModel(name)
		require.True(t, ok, name)
		require.Equal(t, want, m.Name, name)
	}
	for _, name := range []string{"", "A100", "H100", "G1", "Voodoo 5", "RTX 40900"} {
		_, ok := iog.LookupGPUModel(name)
		require.False(t, ok, name)
	}
}

func TestIdentifyGPU(t *testing.T) {
	for _, tt := range []struct {
		model  string
		memory uint64
		want   string
	}{
		{"NVIDIA A100-SXM4", 81920 << 20, "A100-80GB"},
		{"NVIDIA A100-SXM4", 40960 << 20, "A100-40GB"},
		{"NVIDIA A100-PCIE", 39 << 30, "A100-40GB"},
		{"Tesla V100-SXM2", 16 << 30, "V100-16GB"},
		{"NVIDIA H100 80GB HBM3", 79 << 30, "H100-SXM"},
		// A family's name, which the memory does not decide: the weaker.
		{"NVIDIA H100 NVL", 94 << 30, "H100-PCIe"},
		{"NVIDIA H100", 80 << 30, "H100-PCIe"},
		{"NVIDIA H100 totally fake", 80 << 30, "H100-PCIe"},
	} {
		m, ok := iog.IdentifyGPU(iog.GPU{Model: tt.model, MemoryBytes: tt.memory})
		require.True(t, ok, tt.model)
		require.Equal(t, tt.want, m.Name, tt.model)
	}
	for _, model := range []string{"NVIDIA RTX A1000", "G2", ""} {
		_, ok := iog.IdentifyGPU(iog.GPU{Model: model, MemoryBytes: 8 << 30})
		require.False(t, ok, model)
	}
}

// A name that does not tell a family's models apart lists those nearest
// in memory, the weakest first, and never only the strongest.
func TestGPUCandidates(t *testing.T) {
	names := func(ms []iog.GPUModel) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Name)
		}
		return out
	}
	for _, tt := range []struct {
		model  string
		memory uint64
		want   []string
	}{
		{"NVIDIA H100", 80 << 30, []string{"H100-PCIe", "H100-SXM"}},
		{"NVIDIA H100 totally fake", 79 << 30, []string{"H100-PCIe", "H100-SXM"}},
		{"NVIDIA H100 80GB HBM3", 80 << 30, []string{"H100-SXM"}},
		{"NVIDIA A100-SXM4", 40 << 30, []string{"A100-40GB"}},
		{"NVIDIA A100-SXM4", 60 << 30, []string{"A100-40GB", "A100-80GB"}},
		{"NVIDIA H900", 80 << 30, nil},
	} {
		require.Equal(t, tt.want, names(iog.GPUCandidates(iog.GPU{Model: tt.model, MemoryBytes: tt.memory})), tt.model)
	}
}

func TestCompareGPUModels(t *testing.T) {
	models := iog.GPUModels()
	for _, a := range models {
		for _, b := range models {
			c := iog.CompareGPUModels(a, b)
			require.Equal(t, -c, iog.CompareGPUModels(b, a), "%s, %s", a.Name, b.Name)
			require.Equal(t, a.Name == b.Name, c == 0, "%s, %s", a.Name, b.Name)
			if a.FP16GFLOPS < b.FP16GFLOPS {
				require.Negative(t, c, "%s is weaker than %s", a.Name, b.Name)
			}
		}
	}
}

// TestGPUVariants: every catalog model has its published boards, and
// the catalog's figures are those of the first: its bandwidth, and for
// NVIDIA models with a published core count and clock its FP32 figure,
// cores × 2 operations × boost clock, within 1%.
func TestGPUVariants(t *testing.T) {
	for _, m := range iog.GPUModels() {
		vs := m.Variants()
		require.NotEmpty(t, vs, m.Name)
		first := vs[0]
		require.Equal(t, m.MemoryBandwidthGBps, first.MemoryBandwidthGBps, m.Name)
		if m.Vendor == iog.VendorNVIDIA && first.Cores != 0 && first.BoostClockMHz != 0 {
			fp32 := float64(first.Cores) * 2 * float64(first.BoostClockMHz) / 1000
			require.InEpsilon(t, float64(m.FP32GFLOPS), fp32, 0.01, m.Name)
		}
		for _, v := range vs {
			require.NotZero(t, v.MemoryBusWidthBits, m.Name)
			require.NotZero(t, v.MemoryBandwidthGBps, m.Name)
			// Apple publishes no power figure for its GPUs.
			require.Equal(t, m.Vendor != iog.VendorApple, v.PowerWatts != 0, m.Name)
		}
		vs[0].Cores++
		require.Equal(t, first, m.Variants()[0], "Variants returns a copy")
	}
	require.Nil(t, iog.GPUModel{Name: "NVIDIA GeForce RTX 4090 D"}.Variants())
}

func TestMatchesGPUModel(t *testing.T) {
	a100, _ := iog.LookupGPUModel("A100-80GB")
	require.True(t, a100.MatchesGPUModel(""))
	require.True(t, a100.MatchesGPUModel("A100"))
	require.True(t, a100.MatchesGPUModel("a100-80gb"))
	require.True(t, a100.MatchesGPUModel("NVIDIA A100-SXM4-80GB"))
	require.False(t, a100.MatchesGPUModel("A100-40GB"))
	require.False(t, a100.MatchesGPUModel("H100"))
	require.False(t, a100.MatchesGPUModel("A10"))
}

func TestGPUCatalogIsConsistent(t *testing.T) {
	names := map[string]bool{}
	for _, m := range iog.GPUModels() {
		require.False(t, names[m.Name], "duplicate %s", m.Name)
		names[m.Name] = true
		got, ok := iog.LookupGPUModel(m.Name)
		require.True(t, ok, m.Name)
		require.Equal(t, m, got)
		require.NotEmpty(t, m.Family)
		require.NotZero(t, m.MemoryBytes, m.Name)
		require.NotZero(t, m.MemoryBandwidthGBps, m.Name)
		require.NotZero(t, m.FP32GFLOPS, m.Name)
		if m.Vendor == iog.VendorApple {
			require.Equal(t, m.FP16GFLOPS, m.FP32GFLOPS, "%s: Apple's GPUs run FP16 at the FP32 rate", m.Name)
		} else {
			require.Greater(t, m.FP16GFLOPS, m.FP32GFLOPS, m.Name)
		}
		require.NotEqual(t, iog.AnyGPUClass, m.Class, m.Name)
		require.Equal(t, m.Vendor == iog.VendorNVIDIA, m.ComputeCapability != iog.ComputeCapability{}, m.Name)
	}
}

// A name matches only as a reader sees it: not by dropping characters
// outside printable ASCII, nor vendor words that are not words of their
// own, and not with another maker's vendor words.
func TestGPUNamesMatchAsWritten(t *testing.T) {
	h100, _ := iog.LookupGPUModel("H100-SXM")
	for _, name := range []string{
		"H\u200b100 80GB HBM3", "NVIDIA H100 80GB HBM3\x00", "NVIDIA H100\u00a080GB HBM3", "NVIDIA\tH100 80GB HBM3",
		"H1NVIDIA00 80GB HBM3", "H100 NVI DIA 80GB HBM3", "NVIDIAH100 80GB HBM3",
		"AMD H100 80GB HBM3", "NVIDIA H100 80GB HBM3 Radeon", "NVIDIA Instinct MI300X", "Tesla A100-SXM4 Radeon",
	} {
		_, ok := iog.LookupGPUModel(name)
		require.False(t, ok, "%q", name)
		_, ok = iog.IdentifyGPU(iog.GPU{Model: name, MemoryBytes: 80 << 30})
		require.False(t, ok, "%q", name)
		require.False(t, h100.MatchesGPUModel(name), "%q", name)
	}
}

// FuzzLookupGPUModel: a name that names a model is printable ASCII, and
// the model matches a request for it.
func FuzzLookupGPUModel(f *testing.F) {
	for _, s := range []string{"NVIDIA H100 80GB HBM3", "H\u200b100", "AMD Instinct MI300X", "H1NVIDIA00 80GB HBM3", "Tesla T4\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		m, ok := iog.LookupGPUModel(name)
		if !ok {
			return
		}
		for i := range len(name) {
			require.True(t, name[i] >= ' ' && name[i] <= '~', "%q names %s", name, m.Name)
		}
		require.True(t, m.MatchesGPUModel(name), "%q", name)
	})
}
