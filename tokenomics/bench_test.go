package tokenomics_test

import (
	"fmt"
	"testing"

	"github.com/internetofgpus/iog"
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

// BenchmarkStakeBookRestore restores a book of 100,000 devices, each with
// its owner's stake and a co-staker's (one of its own: an account
// co-stakes on two devices at most), a tenth of them with a cooldown: the
// stake book's part of a server's start-up.
func BenchmarkStakeBookRestore(b *testing.B) {
	const n = 100_000
	clock := iog.NewManualClock(t0)
	book := tokenomics.NewStakeBook(tokenomics.StakingConfig{Clock: clock})
	for i := range n {
		dev := iog.DeviceID(fmt.Sprintf("dev-%06d", i))
		owner := iog.WalletAddress{byte(i), byte(i >> 8), byte(i >> 16), 1}
		co := iog.WalletAddress{byte(i), byte(i >> 8), byte(i >> 16), 2}
		if err := book.Register(dev, owner, io("200")); err != nil {
			b.Fatal(err)
		}
		if err := book.Stake(dev, owner, io("200")); err != nil {
			b.Fatal(err)
		}
		if err := book.Stake(dev, co, io("50")); err != nil {
			b.Fatal(err)
		}
		if i%10 == 0 {
			if _, err := book.Unstake(dev, co, io("10")); err != nil {
				b.Fatal(err)
			}
		}
	}
	r := book.Records()
	for b.Loop() {
		fresh := tokenomics.NewStakeBook(tokenomics.StakingConfig{Clock: clock})
		if err := fresh.Restore(r); err != nil {
			b.Fatal(err)
		}
	}
}
