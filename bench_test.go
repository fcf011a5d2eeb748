package iog_test

import (
	"math/rand/v2"
	"testing"

	"github.com/internetofgpus/iog"
)

func BenchmarkParseAmount(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := iog.ParseAmount("4566.21004566 IO"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAmountString(b *testing.B) {
	a := iog.MustParseAmount("4566.21004566 IO")
	b.ReportAllocs()
	for b.Loop() {
		_ = a.String()
	}
}

func BenchmarkMulRate(b *testing.B) {
	a := iog.MustParseAmount("1234.567891 USDC")
	fee := iog.BasisPoints(25)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.MulRate(fee, iog.RoundHalfEven); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSplit100k splits one epoch's emission among 100,000 devices
// with uneven weights, as the block-reward distribution does every hour.
func BenchmarkSplit100k(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	weights := make([]uint64, 100_000)
	for i := range weights {
		weights[i] = 1 + r.Uint64N(1_000_000)
	}
	reward := iog.MustParseAmount("4566.21004566 IO")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reward.Split(weights); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseLocation(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := iog.ParseLocation("US/California/San Francisco@37.7749,-122.4194"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookupGPUModel(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := iog.LookupGPUModel("NVIDIA H100 80GB HBM3"); !ok {
			b.Fatal("H100 not found")
		}
	}
}
