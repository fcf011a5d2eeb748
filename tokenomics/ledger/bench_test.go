package ledger_test

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/sqltest"
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
	benchmarkTransfers(b, ledger.NewMemory(ledger.MemoryConfig{Clock: iog.NewManualClock(t0)}))
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

// BenchmarkSQLTransfer applies transfers to the SQL ledger, each in a
// transaction of its own, committed (and on SQLite synced) before it
// returns.
func BenchmarkSQLTransfer(b *testing.B) {
	for _, d := range sqltest.Dialects {
		b.Run(d.String(), func(b *testing.B) { benchmarkTransfers(b, openSQL(b, sqltest.Open(b, d))) })
	}
}

// BenchmarkSQLBatch applies batches of 1,000 transfers between 1,000
// accounts to the SQL ledger, one transaction a batch, as an epoch's
// settlement does.
func BenchmarkSQLBatch(b *testing.B) {
	for _, d := range sqltest.Dialects {
		b.Run(d.String(), func(b *testing.B) {
			l := openSQL(b, sqltest.Open(b, d))
			const n = 1000
			ops := make([]ledger.Op, 0, n+2)
			treasury := wallet(0)
			open(b, l, treasury)
			apply(b, l, ledger.Op{Kind: ledger.Mint, Key: "mint", Reason: "genesis", To: treasury, Amount: io("1000000000")})
			for i := range n {
				ops = append(ops, ledger.Op{Kind: ledger.Open, Key: "open-" + strconv.Itoa(i), Reason: "supplier", To: supplier(i)})
			}
			if _, err := l.ApplyAll(ctx, ops); err != nil {
				b.Fatal(err)
			}
			round := 0
			for b.Loop() {
				ops = ops[:0]
				for i := range n {
					ops = append(ops, ledger.Op{Kind: ledger.Transfer, Key: "r" + strconv.Itoa(round) + "-" + strconv.Itoa(i), Reason: "epoch reward", From: treasury, To: supplier(i), Amount: iog.NewAmount(1, iog.IO)})
				}
				if _, err := l.ApplyAll(ctx, ops); err != nil {
					b.Fatal(err)
				}
				round++
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

// supplier is the i-th of many distinct wallets.
func supplier(i int) iog.WalletAddress {
	var w iog.WalletAddress
	w[0], w[1], w[2], w[31] = 0xee, byte(i>>8), byte(i), 7
	return w
}
