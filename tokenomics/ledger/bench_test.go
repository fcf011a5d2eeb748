package ledger_test

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

func benchmarkTransfers(b *testing.B, l ledger.Ledger) {
	open(b, l, wallet(1))
	open(b, l, wallet(2))
	apply(b, l, ledger.Op{Kind: ledger.Mint, Key: "mint", Reason: "genesis", To: wallet(1), Amount: io("1000000000")})
	i := 0
	for b.Loop() {
		op := ledger.Op{Kind: ledger.Transfer, Key: "t-" + strconv.Itoa(i), Reason: "bench", From: wallet(1), To: wallet(2), Amount: iog.NewAmount(1, iog.IO)}
		if _, err := l.Apply(ctx, op); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "transfers/s")
}

// BenchmarkMemoryTransfer applies transfers to the in-memory ledger.
func BenchmarkMemoryTransfer(b *testing.B) {
	benchmarkTransfers(b, ledger.NewMemory(iog.NewManualClock(t0)))
}

// BenchmarkFileTransfer applies transfers to the durable ledger: each is
// encoded, hashed, signed, written and fsynced before it returns.
func BenchmarkFileTransfer(b *testing.B) {
	benchmarkTransfers(b, openFile(b, filepath.Join(b.TempDir(), "ledger")))
}

// BenchmarkFileOpen10k reopens a durable ledger of 10,000 transfers:
// reading, hash-chain and signature checks, and the replay of every entry.
func BenchmarkFileOpen10k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "ledger")
	l, err := ledger.OpenFile(ctx, path, ledger.FileConfig{Authority: authority, Clock: iog.NewManualClock(t0)})
	if err != nil {
		b.Fatal(err)
	}
	open(b, l, wallet(1))
	open(b, l, wallet(2))
	apply(b, l, ledger.Op{Kind: ledger.Mint, Key: "mint", Reason: "genesis", To: wallet(1), Amount: io("1000")})
	for i := range 10_000 {
		apply(b, l, transferOp(i))
	}
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		l, err := ledger.OpenFile(ctx, path, ledger.FileConfig{Authority: authority, Clock: iog.NewManualClock(t0)})
		if err != nil {
			b.Fatal(err)
		}
		l.Close()
	}
}
