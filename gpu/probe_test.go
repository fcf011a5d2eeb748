package gpu_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// failingProbe is a DeviceProbe that fails with its error.
type failingProbe struct{ err error }

func (p failingProbe) Probe(context.Context) (gpu.Inventory, error) { return gpu.Inventory{}, p.err }

// TestCombined: Combined merges what its probes see, skips a probe whose
// hardware is absent, but not one whose hardware fails (gpu/nvml's
// TestProbeInCombined has the same with NVML's own errors).
func TestCombined(t *testing.T) {
	host := gpu.StaticProbe{Inventory: gpu.Inventory{Host: gpu.Host{OS: "linux", MemoryBytes: 1 << 30}}}
	gpus := gpu.StaticProbe{Inventory: gpu.Inventory{
		Driver: gpu.Driver{Version: "550.54.15", CUDAVersion: "12.4"},
		GPUs: []gpu.GPUReading{
			{GPU: iog.GPU{UUID: "GPU-00000000-0000-0000-0000-000000000001", Vendor: iog.VendorNVIDIA, Model: "NVIDIA L4"}},
			{GPU: iog.GPU{UUID: "GPU-00000000-0000-0000-0000-000000000002", Vendor: iog.VendorNVIDIA, Model: "NVIDIA L4"}},
		},
	}}
	absent := failingProbe{fmt.Errorf("no driver: %w", gpu.ErrNotPresent)}
	lost := failingProbe{fmt.Errorf("GPU 1: UUID: %w", iog.ErrUnavailable)}
	ctx := context.Background()

	inv, err := gpu.Combined{host, absent}.Probe(ctx)
	require.NoError(t, err)
	require.Equal(t, host.Inventory, inv)

	inv, err = gpu.Combined{host, absent, gpus, gpus}.Probe(ctx)
	require.NoError(t, err)
	require.Equal(t, host.Inventory.Host, inv.Host)
	require.Equal(t, gpus.Inventory.Driver, inv.Driver)
	require.Equal(t, slices.Concat(gpus.Inventory.GPUs, gpus.Inventory.GPUs), inv.GPUs, "the GPUs of every probe, in order")

	inv, err = gpu.Combined{host, lost, gpus}.Probe(ctx)
	require.ErrorIs(t, err, iog.ErrUnavailable)
	require.NotErrorIs(t, err, gpu.ErrNotPresent)
	require.ErrorContains(t, err, "GPU 1: UUID")
	require.Equal(t, gpu.Inventory{}, inv)

	_, err = gpu.Combined{absent, absent}.Probe(ctx)
	require.ErrorIs(t, err, gpu.ErrNotPresent, "nothing at all is present")
	require.ErrorContains(t, err, "every probe is unavailable")
}
