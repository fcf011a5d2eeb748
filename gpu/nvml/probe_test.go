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

func TestProbeDGXA100(t *testing.T) {
	s := newDGX()
	inv, err := nvml.NewProbe(s).Probe(context.Background())
	require.NoError(t, err)

	require.Equal(t, gpu.Driver{Version: "550.54.15", CUDAVersion: "12.4"}, inv.Driver)
	require.Equal(t, gpu.Host{}, inv.Host, "NVML does not look at the host")
	require.Len(t, inv.GPUs, 8)
	for i, r := range inv.GPUs {
		g := r.GPU
		require.Equal(t, dgxDevice(s, i).UUID, g.UUID)
		require.Equal(t, iog.VendorNVIDIA, g.Vendor)
		require.Equal(t, "NVIDIA A100-SXM4-40GB", g.Model)
		require.Equal(t, uint64(40<<30), g.MemoryBytes)
		require.Equal(t, iog.ComputeCapability{Major: 8, Minor: 0}, g.ComputeCapability)
		require.Equal(t, iog.PCIeLink{Generation: 4, Lanes: 16}, g.PCIe)
		require.False(t, g.MIG)
		require.Len(t, g.NVLinkPeers, 7, "GPU %d reaches the seven others", i)
		require.NotContains(t, g.NVLinkPeers, g.UUID)
		require.Equal(t, dgxDevice(s, (i+1)%8).UUID, g.NVLinkPeers[0])

		tm := r.Telemetry
		require.Equal(t, uint32(40+i), tm.TemperatureC)
		require.Greater(t, tm.PowerMilliwatts, uint32(90_000))
		require.Equal(t, uint32(400_000), tm.PowerLimitMilliwatts)
		require.Equal(t, uint32(97), tm.UtilizationPercent)
		require.Equal(t, uint32(60), tm.MemoryUtilizationPercent)
		require.Equal(t, uint64(1<<30), tm.MemoryUsedBytes)
		require.Equal(t, uint64(39<<30), tm.MemoryFreeBytes)
		require.Equal(t, uint32(1410), tm.SMClockMHz)
		require.Equal(t, uint32(1215), tm.MemoryClockMHz)
		require.Equal(t, uint64(3), tm.ECCCorrected)
		require.Equal(t, uint64(gonvml.ClocksEventReasonSwPowerCap), tm.ThrottleReasons)
		require.Empty(t, tm.Missing)
		require.Equal(t, gpu.Specs{Cores: 6912, MaxSMClockMHz: 1410, BoostClockMHz: 1410, MemoryBusWidthBits: 5120, MaxMemoryClockMHz: 1215}, r.Specs)
	}
	require.Len(t, s.InitCalls(), 1)
	require.Len(t, s.ShutdownCalls(), 1, "the probe releases NVML")

	models, err := gpu.CheckHardware("dgx-1", inv, gpu.Limits{})
	require.NoError(t, err, "a DGX A100 passes every hardware check")
	require.Equal(t, "A100-40GB", models[0].Name)
}

// An A100 40GB whose driver names a stronger model is refused by the
// figures NVML reports of it, the refusal naming the figure.
func TestProbedFiguresRefuseAStrongerName(t *testing.T) {
	for _, tt := range []struct {
		name   string
		memory uint64
		cc     [2]int
		figure string
	}{
		{"NVIDIA A100-SXM4-80GB", 80 << 30, [2]int{8, 0}, "a memory bandwidth of 1555 GB/s (5120 bits at 1215 MHz), a A100-80GB SXM4 has 2039 GB/s"},
		{"NVIDIA H100 80GB HBM3", 80 << 30, [2]int{9, 0}, "6912 CUDA cores, a H100-SXM has 16896"},
		{"NVIDIA H100", 80 << 30, [2]int{9, 0}, "6912 CUDA cores, a H100-PCIe has 14592"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newDGX()
			for i := range s.Devices {
				d := dgxDevice(s, i)
				d.Name = tt.name
				d.MemoryInfo = gonvml.Memory{Total: tt.memory, Used: 1 << 30, Free: tt.memory - 1<<30}
				d.CudaComputeCapability.Major, d.CudaComputeCapability.Minor = tt.cc[0], tt.cc[1]
			}
			inv, err := nvml.NewProbe(s).Probe(context.Background())
			require.NoError(t, err)
			_, err = gpu.CheckHardware("dgx-1", inv, gpu.Limits{})
			require.Equal(t, gpu.CheckSpec, gpu.FailedCheck(err), "%v", err)
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.ErrorContains(t, err, tt.figure)
		})
	}
}

func TestProbeMIGEnabled(t *testing.T) {
	s := newDGX()
	_, ret := dgxDevice(s, 2).SetMigMode(gonvml.DEVICE_MIG_ENABLE)
	require.Equal(t, gonvml.SUCCESS, ret)
	inv, err := nvml.NewProbe(s).Probe(context.Background())
	require.NoError(t, err)
	require.True(t, inv.GPUs[2].GPU.MIG)
	require.False(t, inv.GPUs[1].GPU.MIG)
}

// TestProbeErrors breaks one call of the mock at a time: calls a report
// needs fail the probe with an error naming the GPU and the call; fields a
// GPU may lack are left zero and named in Telemetry.Missing.
func TestProbeErrors(t *testing.T) {
	tests := []struct {
		name    string
		breakIt func(s *dgxa100.Server)
		wantErr string   // "" for success
		missing []string // on GPU 3, when the probe succeeds
	}{
		{
			name:    "no library",
			breakIt: func(s *dgxa100.Server) { s.InitFunc = func() gonvml.Return { return gonvml.ERROR_LIBRARY_NOT_FOUND } },
			wantErr: "nvml: init: the NVML library (libnvidia-ml.so.1) was not found; is an NVIDIA driver installed?",
		},
		{
			name:    "driver not loaded",
			breakIt: func(s *dgxa100.Server) { s.InitFunc = func() gonvml.Return { return gonvml.ERROR_DRIVER_NOT_LOADED } },
			wantErr: "nvml: init: the NVIDIA driver is not loaded",
		},
		{
			name: "device count fails",
			breakIt: func(s *dgxa100.Server) {
				s.DeviceGetCountFunc = func() (int, gonvml.Return) { return 0, gonvml.ERROR_UNKNOWN }
			},
			wantErr: "nvml: device count: unknown error",
		},
		{
			name: "absurd device count",
			breakIt: func(s *dgxa100.Server) {
				s.DeviceGetCountFunc = func() (int, gonvml.Return) { return 1 << 20, gonvml.SUCCESS }
			},
			wantErr: "nvml: the driver reports 1048576 GPUs, more than 64",
		},
		{
			name: "driver version fails",
			breakIt: func(s *dgxa100.Server) {
				s.SystemGetDriverVersionFunc = func() (string, gonvml.Return) { return "", gonvml.ERROR_NO_PERMISSION }
			},
			wantErr: "nvml: driver version: no permission",
		},
		{
			name: "handle of GPU 3 fails",
			breakIt: func(s *dgxa100.Server) {
				s.DeviceGetHandleByIndexFunc = func(i int) (gonvml.Device, gonvml.Return) {
					if i == 3 {
						return nil, gonvml.ERROR_GPU_IS_LOST
					}
					return s.Devices[i], gonvml.SUCCESS
				}
			},
			wantErr: "nvml: GPU 3: get handle: the GPU has fallen off the bus or is otherwise inaccessible",
		},
		{
			name: "handle of GPU 3 is nil",
			breakIt: func(s *dgxa100.Server) {
				s.DeviceGetHandleByIndexFunc = func(i int) (gonvml.Device, gonvml.Return) {
					if i == 3 {
						return nil, gonvml.SUCCESS
					}
					return s.Devices[i], gonvml.SUCCESS
				}
			},
			wantErr: "nvml: GPU 3: get handle: unknown error",
		},
		{
			name: "GPU 3 loses its UUID",
			breakIt: func(s *dgxa100.Server) {
				dgxDevice(s, 3).GetUUIDFunc = func() (string, gonvml.Return) { return "", gonvml.ERROR_GPU_IS_LOST }
			},
			wantErr: "nvml: GPU 3: UUID: the GPU has fallen off the bus or is otherwise inaccessible",
		},
		{
			name:    "GPU 3 has no name function",
			breakIt: func(s *dgxa100.Server) { dgxDevice(s, 3).GetNameFunc = nil },
			wantErr: "nvml: GPU 3: name: the NVML library lacks this function",
		},
		{
			name: "GPU 3 memory info fails",
			breakIt: func(s *dgxa100.Server) {
				dgxDevice(s, 3).GetMemoryInfoFunc = func() (gonvml.Memory, gonvml.Return) { return gonvml.Memory{}, gonvml.ERROR_TIMEOUT }
			},
			wantErr: "nvml: GPU 3: memory info: timed out",
		},
		{
			name: "GPU 3 temperature fails",
			breakIt: func(s *dgxa100.Server) {
				dgxDevice(s, 3).GetTemperatureFunc = func(gonvml.TemperatureSensors) (uint32, gonvml.Return) { return 0, gonvml.ERROR_UNKNOWN }
			},
			wantErr: "nvml: GPU 3: temperature: unknown error",
		},
		{
			name: "GPU 3 compute capability out of range",
			breakIt: func(s *dgxa100.Server) {
				dgxDevice(s, 3).GetCudaComputeCapabilityFunc = func() (int, int, gonvml.Return) { return 300, 0, gonvml.SUCCESS }
			},
			wantErr: "nvml: GPU 3: compute capability 300.0 is out of range",
		},
		{
			name: "GPU 3 nvlink state fails",
			breakIt: func(s *dgxa100.Server) {
				dgxDevice(s, 3).GetNvLinkStateFunc = func(int) (gonvml.EnableState, gonvml.Return) { return 0, gonvml.ERROR_GPU_IS_LOST }
			},
			wantErr: "nvml: GPU 3: nvlink state: the GPU has fallen off the bus or is otherwise inaccessible",
		},
		{
			name: "GPU 3 without ECC (consumer card)",
			breakIt: func(s *dgxa100.Server) {
				dgxDevice(s, 3).GetTotalEccErrorsFunc = func(gonvml.MemoryErrorType, gonvml.EccCounterType) (uint64, gonvml.Return) {
					return 0, gonvml.ERROR_NOT_SUPPORTED
				}
			},
			missing: []string{"ecc"},
		},
		{
			name: "GPU 3 mock lacks power and throttle functions",
			breakIt: func(s *dgxa100.Server) {
				d := dgxDevice(s, 3)
				d.GetPowerUsageFunc, d.GetCurrentClocksEventReasonsFunc = nil, nil
			},
			missing: []string{"power", "throttle reasons"},
		},
		{
			name: "GPU 3 without NVLink or PCIe link info",
			breakIt: func(s *dgxa100.Server) {
				d := dgxDevice(s, 3)
				d.GetNvLinkStateFunc = func(int) (gonvml.EnableState, gonvml.Return) { return 0, gonvml.ERROR_NOT_SUPPORTED }
				d.GetCurrPcieLinkWidthFunc = func() (int, gonvml.Return) { return 0, gonvml.ERROR_NOT_SUPPORTED }
			},
			missing: []string{"pcie link"},
		},
		{
			name: "GPU 3 cores fail",
			breakIt: func(s *dgxa100.Server) {
				dgxDevice(s, 3).GetNumGpuCoresFunc = func() (int, gonvml.Return) { return 0, gonvml.ERROR_GPU_IS_LOST }
			},
			wantErr: "nvml: GPU 3: cores: the GPU has fallen off the bus or is otherwise inaccessible",
		},
		{
			name: "GPU 3 claims negative cores",
			breakIt: func(s *dgxa100.Server) {
				dgxDevice(s, 3).GetNumGpuCoresFunc = func() (int, gonvml.Return) { return -1, gonvml.SUCCESS }
			},
			wantErr: "nvml: GPU 3: -1 CUDA cores is out of range",
		},
		{
			name: "GPU 3 max clocks fail",
			breakIt: func(s *dgxa100.Server) {
				dgxDevice(s, 3).GetMaxClockInfoFunc = func(gonvml.ClockType) (uint32, gonvml.Return) { return 0, gonvml.ERROR_NO_PERMISSION }
			},
			wantErr: "nvml: GPU 3: max clocks: no permission",
		},
		{
			name: "CUDA version not supported",
			breakIt: func(s *dgxa100.Server) {
				s.SystemGetCudaDriverVersionFunc = func() (int, gonvml.Return) { return 0, gonvml.ERROR_NOT_SUPPORTED }
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newDGX()
			tt.breakIt(s)
			inv, err := nvml.NewProbe(s).Probe(context.Background())
			if tt.wantErr != "" {
				require.ErrorIs(t, err, iog.ErrUnavailable)
				require.ErrorContains(t, err, tt.wantErr)
				require.Empty(t, inv.GPUs)
				require.Equal(t, len(s.InitCalls()) > 0 && s.InitFunc() == gonvml.SUCCESS, len(s.ShutdownCalls()) == 1,
					"NVML is shut down exactly when it was started")
				return
			}
			require.NoError(t, err)
			require.Len(t, inv.GPUs, 8)
			require.Equal(t, tt.missing, inv.GPUs[3].Telemetry.Missing)
			require.Empty(t, inv.GPUs[2].Telemetry.Missing, "only GPU 3 was broken")
		})
	}
}

func TestProbeStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := nvml.NewProbe(newDGX()).Probe(ctx)
	require.ErrorIs(t, err, context.Canceled)
}

// TestProbeWithoutDriver runs the real library loader. This machine and
// CI have no NVIDIA driver, so the probe must say so, not crash; on a GPU
// host it finds GPUs.
func TestProbeWithoutDriver(t *testing.T) {
	inv, err := nvml.NewProbe(nil).Probe(context.Background())
	if err == nil {
		require.NotEmpty(t, inv.GPUs, "a machine with NVML has a GPU")
		return
	}
	require.ErrorIs(t, err, gpu.ErrNotPresent)
	require.ErrorIs(t, err, iog.ErrUnavailable)
	require.ErrorContains(t, err, "NVML")
}

// TestProbeInCombined: gpu.Combined skips a probe without a driver, whose
// error is gpu.ErrNotPresent, but not one with a GPU that fails.
func TestProbeInCombined(t *testing.T) {
	host := gpu.StaticProbe{Inventory: gpu.Inventory{Host: gpu.Host{OS: "linux", MemoryBytes: 1 << 30}}}
	noDriver := newDGX()
	noDriver.InitFunc = func() gonvml.Return { return gonvml.ERROR_LIBRARY_NOT_FOUND }
	lost := newDGX()
	dgxDevice(lost, 3).GetUUIDFunc = func() (string, gonvml.Return) { return "", gonvml.ERROR_GPU_IS_LOST }
	ctx := context.Background()

	inv, err := gpu.Combined{host, nvml.NewProbe(noDriver)}.Probe(ctx)
	require.NoError(t, err)
	require.Equal(t, host.Inventory, inv)

	inv, err = gpu.Combined{host, nvml.NewProbe(newDGX())}.Probe(ctx)
	require.NoError(t, err)
	require.Equal(t, host.Inventory.Host, inv.Host)
	require.Equal(t, "550.54.15", inv.Driver.Version)
	require.Len(t, inv.GPUs, 8)

	_, err = gpu.Combined{host, nvml.NewProbe(lost)}.Probe(ctx)
	require.ErrorIs(t, err, iog.ErrUnavailable)
	require.NotErrorIs(t, err, gpu.ErrNotPresent)
	require.ErrorContains(t, err, "GPU 3: UUID")

	_, err = gpu.Combined{nvml.NewProbe(noDriver)}.Probe(ctx)
	require.ErrorIs(t, err, gpu.ErrNotPresent, "nothing at all is present")
}
