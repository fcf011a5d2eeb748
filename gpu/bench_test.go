package gpu_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// BenchmarkSignedReportOpen measures checking the signature of an 8-GPU
// report and decoding it: the cryptographic core of Verify.
func BenchmarkSignedReportOpen(b *testing.B) {
	key, r := sampleReport(b, 1)
	s, err := key.SignReport(r)
	require.NoError(b, err)
	owner := key.Address()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if _, err := s.Open(owner); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEd25519Verify is the floor under the two benchmarks around it:
// the standard library's check of one signature over an 8-GPU report.
func BenchmarkEd25519Verify(b *testing.B) {
	key, r := sampleReport(b, 1)
	s, err := key.SignReport(r)
	require.NoError(b, err)
	payload, sig, err := s.Split()
	require.NoError(b, err)
	owner := key.Address()
	for b.Loop() {
		if !ed25519.Verify(owner[:], payload, sig) {
			b.Fatal("bad signature")
		}
	}
}

// BenchmarkVerifierVerify measures the whole acceptance of an 8-GPU
// report: decode, owner, nonce, signature, catalog checks, duplicate and
// telemetry state. Reports are prepared in batches off the clock, for
// devices registered beforehand.
func BenchmarkVerifierVerify(b *testing.B) {
	n := newNet(99)
	const devices = 512
	type dev struct {
		key gpu.Keypair
		id  iog.DeviceID
		inv gpu.Inventory
	}
	pool := make([]dev, devices)
	for i := range pool {
		id := iog.DeviceID(fmt.Sprintf("bench-%d", i))
		key, inv := n.supplier(b, id, 8)
		pool[i] = dev{key, id, inv}
	}
	batch := make([]gpu.SignedReport, 0, devices)
	refill := func() {
		batch = batch[:0]
		for i := range pool {
			pool[i].inv = n.moved(pool[i].inv)
			batch = append(batch, n.signed(b, pool[i].key, pool[i].id, pool[i].inv))
		}
	}
	b.StopTimer()
	refill()
	b.StartTimer()
	next := 0
	for b.Loop() {
		if next == len(batch) {
			b.StopTimer()
			refill()
			next = 0
			b.StartTimer()
		}
		if _, err := n.v.Verify(batch[next]); err != nil {
			b.Fatal(err)
		}
		next++
	}
}

func BenchmarkEncodeReport(b *testing.B) {
	_, r := sampleReport(b, 1)
	for b.Loop() {
		if _, err := gpu.EncodeReport(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeReport(b *testing.B) {
	_, r := sampleReport(b, 1)
	enc, err := gpu.EncodeReport(r)
	require.NoError(b, err)
	for b.Loop() {
		if _, err := gpu.DecodeReport(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHostProbe(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		if _, err := (gpu.HostProbe{}).Probe(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProof measures the worker's Solve and the server's check of a
// one-step task of order 256.
func BenchmarkProof(b *testing.B) {
	task := gpu.ProofTask{ID: gpu.Nonce{1}, Model: "H100-SXM", N: 256, Steps: 1, Issued: epoch, Deadline: epoch.Add(1 << 40)}
	answer, err := gpu.Solve(context.Background(), task)
	require.NoError(b, err)
	b.Run("Solve", func(b *testing.B) {
		for b.Loop() {
			if _, err := gpu.Solve(context.Background(), task); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Verify", func(b *testing.B) {
		rng := rand.New(seeded(1))
		for b.Loop() {
			if err := gpu.VerifyProof(task, answer, epoch, 2, rng); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDerivedSpec derives the specification of a GPU the catalog
// does not know (an A800), and looks up one it knows (an A100).
func BenchmarkDerivedSpec(b *testing.B) {
	for _, r := range []struct {
		name    string
		reading gpu.GPUReading
	}{
		{"derived", gpu.GPUReading{
			GPU:   iog.GPU{Vendor: iog.VendorNVIDIA, Model: "NVIDIA A800-SXM4-40GB", MemoryBytes: 40 << 30, ComputeCapability: iog.ComputeCapability{Major: 8}},
			Specs: gpu.Specs{Cores: 6912, BoostClockMHz: 1410, MemoryBusWidthBits: 5120, MaxMemoryClockMHz: 1215},
		}},
		{"catalog", gpu.GPUReading{GPU: iog.GPU{Vendor: iog.VendorNVIDIA, Model: "NVIDIA A100-SXM4-40GB", MemoryBytes: 40 << 30}}},
	} {
		b.Run(r.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := gpu.DerivedSpec(r.reading); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
