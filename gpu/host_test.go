package gpu_test

import (
	"context"
	"runtime"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// TestHostProbeThisMachine reads the machine the test runs on.
func TestHostProbeThisMachine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the host probe reads Linux's /proc and /sys")
	}
	inv, err := gpu.HostProbe{}.Probe(context.Background())
	require.NoError(t, err)
	h := inv.Host
	require.NotEmpty(t, h.CPU.Model)
	require.Equal(t, runtime.GOARCH, h.CPU.Arch)
	require.GreaterOrEqual(t, h.CPU.Threads, runtime.NumCPU(), "cpuinfo lists every CPU, NumCPU those this process may use")
	require.GreaterOrEqual(t, h.CPU.Cores, 1)
	require.LessOrEqual(t, h.CPU.Cores, h.CPU.Threads)
	require.Greater(t, h.MemoryBytes, uint64(64<<20))
	require.Greater(t, h.DiskBytes, uint64(0))
	require.Equal(t, "linux", h.OS)
	require.NotEmpty(t, h.Kernel)
	require.Empty(t, inv.GPUs)
}

const xeonCPUInfo = `processor	: 0
model name	: Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz
physical id	: 0
core id		: 0

processor	: 1
model name	: Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz
physical id	: 0
core id		: 0

processor	: 2
model name	: Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz
physical id	: 0
core id		: 1

processor	: 3
model name	: Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz
physical id	: 1
core id		: 0
`

const armCPUInfo = `processor	: 0
BogoMIPS	: 50.00
Features	: fp asimd

processor	: 1
BogoMIPS	: 50.00
`

func TestHostProbeParsing(t *testing.T) {
	meminfo := &fstest.MapFile{Data: []byte("MemTotal:       24683656 kB\nMemFree:        24140192 kB\n")}
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    iog.CPU
		wantMem uint64
		wantErr error
	}{
		{
			name:    "x86 with hyper-threads, cores from cpuinfo",
			files:   fstest.MapFS{"proc/cpuinfo": {Data: []byte(xeonCPUInfo)}, "proc/meminfo": meminfo},
			want:    iog.CPU{Model: "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", Arch: runtime.GOARCH, Cores: 3, Threads: 4},
			wantMem: 24683656 * 1024,
		},
		{
			name: "arm without model name, cores from /sys",
			files: fstest.MapFS{
				"proc/cpuinfo": {Data: []byte(armCPUInfo)}, "proc/meminfo": meminfo,
				"sys/devices/system/cpu/cpu0/topology/physical_package_id": {Data: []byte("0\n")},
				"sys/devices/system/cpu/cpu0/topology/core_id":             {Data: []byte("0\n")},
				"sys/devices/system/cpu/cpu1/topology/physical_package_id": {Data: []byte("0\n")},
				"sys/devices/system/cpu/cpu1/topology/core_id":             {Data: []byte("1\n")},
				"sys/devices/system/cpu/cpufreq/policy0":                   {Data: []byte("")},
			},
			want:    iog.CPU{Arch: runtime.GOARCH, Cores: 2, Threads: 2},
			wantMem: 24683656 * 1024,
		},
		{
			name:    "no /proc",
			files:   fstest.MapFS{},
			wantErr: gpu.ErrNotPresent,
		},
		{
			name:    "meminfo without MemTotal",
			files:   fstest.MapFS{"proc/cpuinfo": {Data: []byte(armCPUInfo)}, "proc/meminfo": {Data: []byte("MemFree: 1 kB\n")}},
			wantErr: iog.ErrUnavailable,
		},
		{
			name:    "meminfo in the wrong unit",
			files:   fstest.MapFS{"proc/cpuinfo": {Data: []byte(armCPUInfo)}, "proc/meminfo": {Data: []byte("MemTotal: 1 MB\n")}},
			wantErr: iog.ErrUnavailable,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := gpu.HostProbe{Root: tt.files}.Probe(context.Background())
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, inv.Host.CPU)
			require.Equal(t, tt.wantMem, inv.Host.MemoryBytes)
			require.Zero(t, inv.Host.DiskBytes, "a test root does not measure the disk")
		})
	}
}
