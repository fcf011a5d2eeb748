package main

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

// TestDerivedPriceNearCatalog is the end-to-end evidence: a GPU the
// catalog does not know, with the published figures of a catalog model,
// goes from NVML through gpu.DerivedSpec and pricing.ScoreOf to a price
// within 2% of that catalog model's. The "Prototype" names keep the
// catalog from recognizing them; the class comes from the catalog family
// the name contains.
func TestDerivedPriceNearCatalog(t *testing.T) {
	prototypes := []board{
		{name: "NVIDIA Prototype H100-SXM", memGiB: 80, ccMajor: 9, cores: 16896, boostMHz: 1980, busBits: 5120, memMHz: 2619, twin: "H100-SXM"},
		{name: "NVIDIA Prototype A100-40GB", memGiB: 40, ccMajor: 8, cores: 6912, boostMHz: 1410, busBits: 5120, memMHz: 1215, twin: "A100-40GB"},
		{name: "NVIDIA Prototype L4", memGiB: 24, ccMajor: 8, ccMinor: 9, cores: 7424, boostMHz: 2040, busBits: 192, memMHz: 6251, twin: "L4"},
		{name: "NVIDIA Prototype T4", memGiB: 16, ccMajor: 7, ccMinor: 5, cores: 2560, boostMHz: 1590, busBits: 256, memMHz: 5001, twin: "T4"},
		{name: "NVIDIA GeForce Prototype RTX 4090", memGiB: 24, ccMajor: 8, ccMinor: 9, cores: 16384, boostMHz: 2520, busBits: 384, memMHz: 10501, twin: "RTX-4090"},
		{name: "NVIDIA GeForce Prototype RTX 3090", memGiB: 24, ccMajor: 8, ccMinor: 6, cores: 10496, boostMHz: 1695, busBits: 384, memMHz: 9751, twin: "RTX-3090"},
	}
	var all []priced
	for _, host := range [][]board{prototypes, boards[:3]} {
		some, err := priceAll(context.Background(), host)
		require.NoError(t, err)
		all = append(all, some...)
	}
	require.Len(t, all, 9)
	for _, p := range all {
		twin, ok := iog.LookupGPUModel(p.twin)
		require.True(t, ok)
		_, known := iog.LookupGPUModel(p.spec.Name)
		require.False(t, known, "%s is unknown to the catalog", p.spec.Name)
		require.Equal(t, twin.Class, p.spec.Class, p.spec.Name)
		t.Logf("%-34s %s USD, %-9s %s USD: %s", p.spec.Name, p.hourly.RoundedDecimal(4, iog.RoundHalfUp), p.twin, p.twinHourly.RoundedDecimal(4, iog.RoundHalfUp), percent(p.difference()))
		require.LessOrEqual(t, max(p.difference(), -p.difference()), int64(200),
			"%s at %s USD is within 2%% of %s at %s USD", p.spec.Name, p.hourly, p.twin, p.twinHourly)
	}
}

// TestUnderivableGPU: a GPU whose driver does not report its cores
// cannot be priced from its figures, and says so.
func TestUnderivableGPU(t *testing.T) {
	b := boards[3]
	b.cores = 0
	_, err := priceAll(context.Background(), []board{b})
	require.ErrorIs(t, err, iog.ErrUnavailable)
	require.ErrorContains(t, err, `derive spec of GPU "NVIDIA L20": the driver did not report the number of CUDA cores`)

	_, err = priceAll(context.Background(), make([]board, 9))
	require.ErrorIs(t, err, iog.ErrInvalid, "the mock host has eight GPUs")
}

// The example's output: each unknown GPU's derived figures and price,
// beside the catalog model it resembles.
func Example_run() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// NVIDIA A800-SXM4-40GB (datacenter, derived): 19491 GFLOPS FP32, 311856 GFLOPS FP16, 1555 GB/s, 40 GiB
	//   0.7282 USD per GPU-hour; the catalog's A100-40GB: 0.7283 USD (-0.02%)
	// NVIDIA A800-SXM4-80GB (datacenter, derived): 19491 GFLOPS FP32, 311856 GFLOPS FP16, 2039 GB/s, 80 GiB
	//   0.9790 USD per GPU-hour; the catalog's A100-80GB: 0.9792 USD (-0.01%)
	// NVIDIA H800 (datacenter, derived): 66908 GFLOPS FP32, 986893 GFLOPS FP16, 3352 GB/s, 80 GiB
	//   1.9000 USD per GPU-hour; the catalog's H100-SXM: 1.9021 USD (-0.11%)
	// NVIDIA L20 (datacenter, derived): 59351 GFLOPS FP32, 237404 GFLOPS FP16, 864 GB/s, 48 GiB
	//   0.6456 USD per GPU-hour
}
