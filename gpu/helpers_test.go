package gpu_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// seeded returns a deterministic random source for keys, nonces and IDs.
func seeded(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	return rand.NewChaCha8(s)
}

// uuidFrom draws an NVIDIA GPU UUID from rng.
func uuidFrom(rng *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return fmt.Sprintf("GPU-%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// h100Specs are the figures an H100 SXM reports.
var h100Specs = gpu.PublishedSpecs(mustVariant("H100-SXM"))

// mustVariant returns the first board of catalog model name.
func mustVariant(name string) iog.GPUVariant {
	m, ok := iog.LookupGPUModel(name)
	if !ok {
		panic("no catalog model " + name)
	}
	return m.Variants()[0]
}

// h100Host returns an honest host with n H100 SXM GPUs, their telemetry
// drawn from rng.
func h100Host(rng *rand.Rand, n int) gpu.Inventory {
	inv := gpu.Inventory{
		Host: gpu.Host{
			CPU:         iog.CPU{Model: "AMD EPYC 9454 48-Core Processor", Arch: "amd64", Cores: 96, Threads: 192},
			MemoryBytes: 2 << 40, DiskBytes: 30 << 40, OS: "linux", Kernel: "6.8.0-45-generic",
		},
		Driver: gpu.Driver{Version: "550.54.15", CUDAVersion: "12.4"},
	}
	for range n {
		inv.GPUs = append(inv.GPUs, gpu.GPUReading{
			GPU: iog.GPU{
				UUID: uuidFrom(rng), Vendor: iog.VendorNVIDIA, Model: "NVIDIA H100 80GB HBM3",
				MemoryBytes: 81559 << 20, ComputeCapability: iog.ComputeCapability{Major: 9},
				PCIe: iog.PCIeLink{Generation: 5, Lanes: 16},
			},
			Specs:     h100Specs,
			Telemetry: liveTelemetry(rng),
		})
	}
	return inv
}

// liveTelemetry is what an H100 at work (at its maximum clocks, h100Specs)
// reports, different at each call.
func liveTelemetry(rng *rand.Rand) gpu.Telemetry {
	return gpu.Telemetry{
		TemperatureC: 40 + rng.Uint32N(30), PowerMilliwatts: 300_000 + rng.Uint32N(300_000), PowerLimitMilliwatts: 700_000,
		UtilizationPercent: rng.Uint32N(101), MemoryUtilizationPercent: rng.Uint32N(101),
		MemoryUsedBytes: 10 << 30, MemoryFreeBytes: 69 << 30, SMClockMHz: h100Specs.MaxSMClockMHz, MemoryClockMHz: h100Specs.MaxMemoryClockMHz,
	}
}
