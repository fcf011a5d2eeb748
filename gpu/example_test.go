package gpu_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// A supplier's device registers, answers a nonce with a signed report,
// proves its GPU with a proof of compute, and becomes eligible for block
// rewards; a replay of its report is refused.
func Example() {
	ctx := context.Background()
	clock := iog.NewManualClock(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	server := gpu.NewVerifier(gpu.VerifierConfig{
		Clock:  clock,
		Random: rand.NewChaCha8([32]byte{1}), // crypto/rand.Reader in production
		Proof:  gpu.ProofConfig{N: 64},
	})
	owner, _ := gpu.KeypairFromSeed(bytes.Repeat([]byte{7}, 32)) // the supplier's Solana wallet key
	_ = server.Register("rig-1", owner.Address())

	inv, _ := gpu.StaticProbe{Inventory: gpu.Inventory{GPUs: []gpu.GPUReading{{
		GPU: iog.GPU{UUID: "GPU-5f0c2a1e-93b4-4d7e-a1c2-7b9e0d4f6a18", Vendor: iog.VendorNVIDIA,
			Model: "NVIDIA GeForce RTX 4090", MemoryBytes: 24564 << 20, ComputeCapability: iog.ComputeCapability{Major: 8, Minor: 9}},
		Telemetry: gpu.Telemetry{TemperatureC: 45, PowerMilliwatts: 31_000, PowerLimitMilliwatts: 450_000},
	}}}}.Probe(ctx)

	challenge, _ := server.Challenge("rig-1")
	signed, _ := owner.SignReport(gpu.Report{Device: "rig-1", Nonce: challenge.Nonce, Inventory: inv})
	report, err := server.Verify(signed)
	fmt.Println("accepted:", err == nil, report.Inventory.GPUs[0].GPU.Model)

	_, err = server.Verify(signed)
	fmt.Println("replay:", gpu.FailedCheck(err), errors.Is(err, iog.ErrConflict))

	task, _ := server.ProofTask("rig-1", inv.GPUs[0].GPU.UUID)
	answer, _ := gpu.Solve(ctx, task)
	fmt.Println("proof:", server.SubmitProof(answer))
	trust, _ := server.Trust("rig-1")
	fmt.Println("trust:", trust, "eligible:", server.Eligible("rig-1"))
	// Output:
	// accepted: true RTX-4090
	// replay: nonce true
	// proof: <nil>
	// trust: 750 eligible: true
}

// A GPU the catalog does not know, the A800 (the A100's export variant),
// gets a specification derived from the figures NVML reported for it.
func ExampleDerivedSpec() {
	r := gpu.GPUReading{
		GPU: iog.GPU{Vendor: iog.VendorNVIDIA, Model: "NVIDIA A800 40GB PCIe", MemoryBytes: 40 << 30,
			ComputeCapability: iog.ComputeCapability{Major: 8, Minor: 0}},
		Specs: gpu.Specs{Cores: 6912, BoostClockMHz: 1410, MaxSMClockMHz: 1410, MemoryBusWidthBits: 5120, MaxMemoryClockMHz: 1215},
	}
	m, err := gpu.DerivedSpec(r)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s (%s): %d GFLOPS FP32, %d GFLOPS FP16, %d GB/s\n", m.Name, m.Class, m.FP32GFLOPS, m.FP16GFLOPS, m.MemoryBandwidthGBps)

	r.Specs.Cores = 0 // an older driver without nvmlDeviceGetNumGpuCores
	_, err = gpu.DerivedSpec(r)
	fmt.Println(errors.Is(err, iog.ErrUnavailable), err)
	// Output:
	// NVIDIA A800 40GB PCIe (datacenter): 19491 GFLOPS FP32, 311856 GFLOPS FP16, 1555 GB/s
	// true derive spec of GPU "NVIDIA A800 40GB PCIe": the driver did not report the number of CUDA cores: unavailable
}
