// Command probe shows what a supplier's worker does before it joins the
// network: it probes the machine (the host from /proc and /sys, NVIDIA
// GPUs through NVML when a driver is installed, or a static inventory
// file), prints the devices, signs a device report with the supplier's
// Solana key over a server nonce, and has a verifier (the server's side,
// run in-process here) check it, refuse its replay, and check a proof of
// compute.
//
//	go run ./examples/probe
//	go run ./examples/probe -static inventory.json -keypair ~/.config/solana/id.json
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/gpu/nvml"
)

func main() {
	static := flag.String("static", "", "a static inventory (JSON, see gpu.ParseStatic) to report instead of probing for GPUs")
	keypair := flag.String("keypair", "", "a Solana keypair file (solana-keygen's JSON); empty makes a throwaway key")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *static, *keypair); err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, staticPath, keypairPath string) error {
	// 1. Probe: the host always; GPUs from NVML (skipped with a note when
	// there is no driver) or from the static file.
	probe := gpu.Combined{gpu.HostProbe{}, nvml.NewProbe(nil)}
	if staticPath != "" {
		f, err := os.Open(staticPath)
		if err != nil {
			return fmt.Errorf("static inventory: %w", err)
		}
		inv, err := gpu.ParseStatic(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", staticPath, err)
		}
		probe = gpu.Combined{gpu.HostProbe{}, gpu.StaticProbe{Inventory: inv}}
	} else if _, err := nvml.NewProbe(nil).Probe(ctx); err != nil {
		fmt.Fprintf(w, "no NVIDIA GPUs: %v\n", err)
	}
	inv, err := probe.Probe(ctx)
	if err != nil {
		return err
	}
	printInventory(w, inv)

	score, err := gpu.MeasureHardware(ctx, gpu.MeasureConfig{}, inv)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "score: %d GFLOPS FP32 of GPUs (catalog or derived from NVML figures), %.2f G modular ops/s on one CPU core (measured)\n",
		score.GPUGFLOPS, float64(score.CPUOpsPerSec)/1e9)

	// 2. The supplier's key: a Solana wallet's.
	key, err := loadKey(keypairPath)
	if err != nil {
		return err
	}
	device, err := iog.NewDeviceID(rand.Reader)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "device %s, owner wallet %s\n", device, key.Address())

	// 3. The server registers the device to the wallet and issues a nonce;
	// the worker signs its report over it; the server verifies it.
	server := gpu.NewVerifier(gpu.VerifierConfig{Proof: gpu.ProofConfig{N: 128}})
	if err := server.Register(device, key.Address()); err != nil {
		return err
	}
	challenge, err := server.Challenge(device)
	if err != nil {
		return err
	}
	signed, err := key.SignReport(gpu.Report{Device: device, Nonce: challenge.Nonce, Inventory: inv})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "signed report: %d bytes, nonce %.16s… valid until %s\n", len(signed), challenge.Nonce, challenge.Expires.Format(time.RFC3339))
	if _, err := server.Verify(signed); err != nil {
		return fmt.Errorf("the server refused an honest report: %w", err)
	}
	fmt.Fprintln(w, "verified: accepted")
	_, err = server.Verify(signed)
	fmt.Fprintf(w, "replayed: refused by the %s check (%v)\n", gpu.FailedCheck(err), err)

	// 4. A proof of compute for each GPU, solved here on the CPU.
	for _, r := range inv.GPUs {
		task, err := server.ProofTask(device, r.GPU.UUID)
		if err != nil {
			return err
		}
		answer, err := gpu.Solve(ctx, task)
		if err != nil {
			return err
		}
		if err := server.SubmitProof(answer); err != nil {
			return fmt.Errorf("proof of compute for %s: %w", r.GPU.UUID, err)
		}
		fmt.Fprintf(w, "proof of compute for %s (%s): passed\n", r.GPU.UUID, task.Model)
	}
	trust, err := server.Trust(device)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "trust %d/1000, eligible for block rewards: %v\n", trust, server.Eligible(device))
	return nil
}

func loadKey(path string) (gpu.Keypair, error) {
	if path == "" {
		return gpu.NewKeypair(rand.Reader)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return gpu.Keypair{}, fmt.Errorf("keypair: %w", err)
	}
	k, err := gpu.ParseSolanaKeypair(b)
	if err != nil {
		return gpu.Keypair{}, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

func printInventory(w io.Writer, inv gpu.Inventory) {
	h := inv.Host
	fmt.Fprintf(w, "host: %s (%s), %d cores / %d threads, %.1f GiB RAM, %.1f GiB disk, %s %s\n",
		h.CPU.Model, h.CPU.Arch, h.CPU.Cores, h.CPU.Threads, gib(h.MemoryBytes), gib(h.DiskBytes), h.OS, h.Kernel)
	if inv.Driver.Version != "" {
		fmt.Fprintf(w, "driver %s, CUDA %s\n", inv.Driver.Version, inv.Driver.CUDAVersion)
	}
	for i, r := range inv.GPUs {
		g, t := r.GPU, r.Telemetry
		fmt.Fprintf(w, "gpu %d: %s %s, %.1f GiB, compute %s, PCIe gen %d x%d, %d NVLink peers, MIG %v\n",
			i, g.Model, g.UUID, gib(g.MemoryBytes), g.ComputeCapability, g.PCIe.Generation, g.PCIe.Lanes, len(g.NVLinkPeers), g.MIG)
		fmt.Fprintf(w, "       %d °C, %.1f of %.1f W, %d%% busy, %.1f GiB used\n",
			t.TemperatureC, float64(t.PowerMilliwatts)/1000, float64(t.PowerLimitMilliwatts)/1000, t.UtilizationPercent, gib(t.MemoryUsedBytes))
	}
	if len(inv.GPUs) == 0 {
		fmt.Fprintln(w, "no GPUs")
	}
}

func gib(b uint64) float64 { return float64(b) / (1 << 30) }
