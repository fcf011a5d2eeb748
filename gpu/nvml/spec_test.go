package nvml_test

import (
	"context"
	"testing"

	gonvml "github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxa100"
	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/gpu/nvml"
)

// TestDerivedSpecFromNVML probes go-nvml's DGX A100 mock whose GPUs carry
// a name the catalog does not know (the A800, the A100's export variant)
// and derives their specification from what NVML reported.
func TestDerivedSpecFromNVML(t *testing.T) {
	s := newDGX()
	for i := range s.Devices {
		dgxDevice(s, i).Name = "NVIDIA A800-SXM4-40GB"
	}
	inv, err := nvml.NewProbe(s).Probe(context.Background())
	require.NoError(t, err)
	a100, _ := iog.LookupGPUModel("A100-40GB")
	for _, r := range inv.GPUs {
		_, known := iog.IdentifyGPU(r.GPU)
		require.False(t, known)
		d, err := gpu.DerivedSpec(r)
		require.NoError(t, err)
		require.Equal(t, iog.GPUModel{
			Name: "NVIDIA A800-SXM4-40GB", Family: "NVIDIA A800-SXM4-40GB", Vendor: iog.VendorNVIDIA,
			Class: iog.DatacenterGPU, MemoryBytes: 40 << 30, MemoryBandwidthGBps: 1555,
			ComputeCapability: iog.ComputeCapability{Major: 8}, FP32GFLOPS: 19491, FP16GFLOPS: 311856,
		}, d)
		require.InDelta(t, float64(a100.FP32GFLOPS), float64(d.FP32GFLOPS), float64(a100.FP32GFLOPS)/100, "an A800 computes as an A100, within 1%")
	}
}

// TestDerivedSpecNVMLMissing: figures NVML does not offer are named in
// Missing and leave DerivedSpec unavailable (TestProbeErrors has the
// NVML failures that fail the probe).
func TestDerivedSpecNVMLMissing(t *testing.T) {
	tests := []struct {
		name    string
		breakIt func(d *dgxa100.Device)
		missing []string // on GPU 3
		specErr string   // "" when DerivedSpec succeeds
	}{
		{
			name:    "no cores function in the mock",
			breakIt: func(d *dgxa100.Device) { d.GetNumGpuCoresFunc = nil },
			missing: []string{"cores"},
			specErr: "did not report the number of CUDA cores",
		},
		{
			name: "bus width not supported",
			breakIt: func(d *dgxa100.Device) {
				d.GetMemoryBusWidthFunc = func() (uint32, gonvml.Return) { return 0, gonvml.ERROR_NOT_SUPPORTED }
			},
			missing: []string{"memory bus width"},
			specErr: "did not report the memory bus width",
		},
		{
			name: "no boost clock (a GeForce card) uses the max clock",
			breakIt: func(d *dgxa100.Device) {
				d.GetMaxCustomerBoostClockFunc = func(gonvml.ClockType) (uint32, gonvml.Return) { return 0, gonvml.ERROR_NOT_SUPPORTED }
			},
			missing: []string{"boost clock"},
		},
		{
			name: "no clocks at all",
			breakIt: func(d *dgxa100.Device) {
				d.GetMaxCustomerBoostClockFunc = nil
				d.GetMaxClockInfoFunc = func(c gonvml.ClockType) (uint32, gonvml.Return) {
					if c == gonvml.CLOCK_MEM {
						return 1215, gonvml.SUCCESS
					}
					return 0, gonvml.ERROR_NOT_SUPPORTED
				}
			},
			missing: []string{"max clocks", "boost clock"},
			specErr: "neither a boost clock nor a maximum SM clock",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newDGX()
			dgxDevice(s, 3).Name = "NVIDIA A800-SXM4-40GB"
			tt.breakIt(dgxDevice(s, 3))
			inv, err := nvml.NewProbe(s).Probe(context.Background())
			require.NoError(t, err)
			r := inv.GPUs[3]
			require.Equal(t, tt.missing, r.Telemetry.Missing)
			d, err := gpu.DerivedSpec(r)
			if tt.specErr != "" {
				require.ErrorIs(t, err, iog.ErrUnavailable)
				require.ErrorContains(t, err, tt.specErr)
				require.Equal(t, iog.GPUModel{}, d)
				return
			}
			require.NoError(t, err)
			require.Equal(t, uint32(6912*2*1410*4/5/1000), d.FP32GFLOPS, "4/5 of the max clock")
		})
	}
}
