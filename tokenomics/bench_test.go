package tokenomics_test

import (
	"testing"

	"github.com/internetofgpus/iog/tokenomics"
)

// BenchmarkIONetSchedule computes the whole 20-year hourly schedule:
// 175,320 fixed-point epochs and the cumulative table.
func BenchmarkIONetSchedule(b *testing.B) {
	cfg := tokenomics.IONetConfig()
	for b.Loop() {
		if _, err := tokenomics.NewGeometric(cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIONetSupply looks up the cumulative supply at an epoch.
func BenchmarkIONetSupply(b *testing.B) { benchmarkSupply(b, tokenomics.IONet()) }

// BenchmarkHalvingSupply looks up the supply in a stepped schedule (a
// binary search over its 20 yearly steps).
func BenchmarkHalvingSupply(b *testing.B) { benchmarkSupply(b, tokenomics.IONetHalving()) }

func benchmarkSupply(b *testing.B, s tokenomics.EmissionSchedule) {
	var e uint64
	for b.Loop() {
		e = (e + 7919) % s.Epochs()
		_ = s.Supply(e)
	}
}
