package gpu_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// TestMinimumsCheck checks io.net's worker minimums at their boundaries:
// 12 GB RAM, 256 GB disk, compute capability 8.0 or an Apple M3/M4,
// 100/75 Mb/s required and 500/250 Mb/s and under 30 ms recommended.
func TestMinimumsCheck(t *testing.T) {
	nvidia := func(model string, major, minor uint8) gpu.GPUReading {
		return gpu.GPUReading{GPU: iog.GPU{Vendor: iog.VendorNVIDIA, Model: model, ComputeCapability: iog.ComputeCapability{Major: major, Minor: minor}}}
	}
	apple := func(model string) gpu.GPUReading {
		return gpu.GPUReading{GPU: iog.GPU{Vendor: iog.VendorApple, Model: model}}
	}
	// 100 Mb/s is 12,500,000 bytes per second, 75 Mb/s 9,375,000, 500
	// Mb/s 62,500,000 and 250 Mb/s 31,250,000.
	good := gpu.SpeedResult{Bandwidth: iog.Bandwidth{DownBytesPerSec: 62_500_000, UpBytesPerSec: 31_250_000}, Latency: 29 * time.Millisecond}
	host := gpu.Host{MemoryBytes: 12e9, DiskBytes: 256e9}
	tests := []struct {
		name   string
		host   gpu.Host
		gpus   []gpu.GPUReading
		speed  gpu.SpeedResult
		unmet  []string
		advice []string
	}{
		{name: "a CPU worker at every minimum", host: host, speed: good},
		{name: "RAM 8 GB", host: gpu.Host{MemoryBytes: 8e9, DiskBytes: 256e9}, speed: good, unmet: []string{"RAM 8 GB, 12 GB needed"}},
		{name: "RAM a byte short of 12 GB", host: gpu.Host{MemoryBytes: 12e9 - 1, DiskBytes: 256e9}, speed: good, unmet: []string{"RAM 11.9 GB, 12 GB needed"}},
		{name: "disk a byte short of 256 GB", host: gpu.Host{MemoryBytes: 12e9, DiskBytes: 256e9 - 1}, speed: good, unmet: []string{"disk 255.9 GB, 256 GB needed"}},
		{name: "an A100, compute capability 8.0", host: host, gpus: []gpu.GPUReading{nvidia("NVIDIA A100-SXM4-80GB", 8, 0)}, speed: good},
		{name: "an RTX 3060, the smallest RTX 30", host: host, gpus: []gpu.GPUReading{nvidia("NVIDIA GeForce RTX 3060", 8, 6)}, speed: good},
		{name: "an RTX 5090", host: host, gpus: []gpu.GPUReading{nvidia("NVIDIA GeForce RTX 5090", 12, 0)}, speed: good},
		{name: "a T4, compute capability 7.5", host: host, gpus: []gpu.GPUReading{nvidia("Tesla T4", 7, 5)}, speed: good,
			unmet: []string{"GPU 0 (Tesla T4): compute capability 7.5, 8.0 or newer needed"}},
		{name: "a V100 beside an H100", host: host, gpus: []gpu.GPUReading{nvidia("NVIDIA H100 80GB HBM3", 9, 0), nvidia("Tesla V100-SXM2-32GB", 7, 0)}, speed: good,
			unmet: []string{"GPU 1 (Tesla V100-SXM2-32GB): compute capability 7.0, 8.0 or newer needed"}},
		{name: "no capability reported, the catalog's", host: host, gpus: []gpu.GPUReading{nvidia("Tesla P100-PCIE-16GB", 0, 0)}, speed: good,
			unmet: []string{"GPU 0 (Tesla P100-PCIE-16GB): compute capability 6.0, 8.0 or newer needed"}},
		{name: "an AMD GPU", host: host, gpus: []gpu.GPUReading{{GPU: iog.GPU{Vendor: iog.VendorAMD, Model: "AMD Instinct MI300X"}}}, speed: good,
			unmet: []string{"GPU 0 (AMD Instinct MI300X): no compute capability; an NVIDIA GPU of compute capability 8.0 or newer or an Apple M3 or M4 needed"}},
		{name: "an Apple M4 Max", host: host, gpus: []gpu.GPUReading{apple("Apple M4 Max")}, speed: good},
		{name: "an Apple M3", host: host, gpus: []gpu.GPUReading{apple("M3")}, speed: good},
		{name: "an Apple M2 Ultra", host: host, gpus: []gpu.GPUReading{apple("Apple M2 Ultra")}, speed: good,
			unmet: []string{"GPU 0 (Apple M2 Ultra): an Apple M3 or M4 needed"}},
		{name: "an Apple M40 is no M4", host: host, gpus: []gpu.GPUReading{apple("Apple M40")}, speed: good,
			unmet: []string{"GPU 0 (Apple M40): an Apple M3 or M4 needed"}},
		{name: "exactly 100/75 Mb/s", host: host, speed: gpu.SpeedResult{Bandwidth: iog.Bandwidth{DownBytesPerSec: 12_500_000, UpBytesPerSec: 9_375_000}, Latency: 10 * time.Millisecond},
			advice: []string{"bandwidth 100 Mb/s down and 75 Mb/s up, 500 Mb/s and 250 Mb/s recommended"}},
		{name: "a byte a second short of 100/75 Mb/s", host: host, speed: gpu.SpeedResult{Bandwidth: iog.Bandwidth{DownBytesPerSec: 12_499_999, UpBytesPerSec: 9_374_999}, Latency: 10 * time.Millisecond},
			unmet:  []string{"download 99.9 Mb/s, 100 Mb/s needed", "upload 74.9 Mb/s, 75 Mb/s needed"},
			advice: []string{"bandwidth 99.9 Mb/s down and 74.9 Mb/s up, 500 Mb/s and 250 Mb/s recommended"}},
		{name: "upload a byte a second short of 250 Mb/s", host: host, speed: gpu.SpeedResult{Bandwidth: iog.Bandwidth{DownBytesPerSec: 62_500_000, UpBytesPerSec: 31_249_999}, Latency: 10 * time.Millisecond},
			advice: []string{"bandwidth 500 Mb/s down and 249.9 Mb/s up, 500 Mb/s and 250 Mb/s recommended"}},
		{name: "latency exactly 30 ms", host: host, speed: gpu.SpeedResult{Bandwidth: good.Bandwidth, Latency: 30 * time.Millisecond},
			advice: []string{"latency 30 ms, under 30 ms recommended"}},
		{name: "no speed test", host: host,
			unmet: []string{"bandwidth not measured, 100 Mb/s down and 75 Mb/s up needed: run the speed test"}},
		{name: "nothing met", gpus: []gpu.GPUReading{nvidia("Tesla T4", 7, 5)},
			unmet: []string{"RAM 0 GB, 12 GB needed", "disk 0 GB, 256 GB needed", "GPU 0 (Tesla T4): compute capability 7.5, 8.0 or newer needed", "bandwidth not measured, 100 Mb/s down and 75 Mb/s up needed: run the speed test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := gpu.DefaultMinimums().Check(gpu.Inventory{Host: tt.host, GPUs: tt.gpus}, tt.speed)
			require.Equal(t, tt.unmet, got.Unmet)
			require.Equal(t, tt.advice, got.Advice)
			require.Equal(t, len(tt.unmet) == 0, got.Met())
		})
	}
}

// TestMinimumsConfigurable checks that the figures are the configuration's.
func TestMinimumsConfigurable(t *testing.T) {
	m := gpu.DefaultMinimums()
	m.MemoryBytes = 16e9
	m.ComputeCapability = iog.ComputeCapability{Major: 8, Minor: 9}
	m.AdviseLatency = 0
	inv := gpu.Inventory{
		Host: gpu.Host{MemoryBytes: 12e9, DiskBytes: 256e9},
		GPUs: []gpu.GPUReading{{GPU: iog.GPU{Vendor: iog.VendorNVIDIA, Model: "NVIDIA GeForce RTX 3090", ComputeCapability: iog.ComputeCapability{Major: 8, Minor: 6}}}},
	}
	got := m.Check(inv, gpu.SpeedResult{Bandwidth: iog.Bandwidth{DownBytesPerSec: 1e9, UpBytesPerSec: 1e9}, Latency: time.Second})
	require.Equal(t, []string{"RAM 12 GB, 16 GB needed", "GPU 0 (NVIDIA GeForce RTX 3090): compute capability 8.6, 8.9 or newer needed"}, got.Unmet)
	require.Empty(t, got.Advice)
}

// TestMinimumsZero checks that the zero Minimums require nothing, so that
// a network may turn the rule off.
func TestMinimumsZero(t *testing.T) {
	inv := gpu.Inventory{GPUs: []gpu.GPUReading{{GPU: iog.GPU{Vendor: iog.VendorAMD, Model: "AMD Instinct MI300X"}}}}
	require.Equal(t, gpu.MinimumsResult{}, gpu.Minimums{}.Check(inv, gpu.SpeedResult{}))
}
