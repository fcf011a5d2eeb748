package solana_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"

	"github.com/internetofgpus/iog/tokenomics/ledger"
	"github.com/internetofgpus/iog/tokenomics/ledger/ledgertest"
	"github.com/internetofgpus/iog/tokenomics/solana"
)

// payouts returns a ledger with a funded treasury and n suppliers whose
// token accounts exist (an epoch after their first), and the payout of
// one IO to each, keyed for epoch.
func payouts(t testing.TB, l *solana.Ledger, n int, epoch int) []ledger.Op {
	t.Helper()
	treasury := ledgertest.Wallet(0)
	ops := make([]ledger.Op, n)
	for i := range ops {
		w := supplier(i)
		ops[i] = ledger.Op{Kind: ledger.Transfer, Key: fmt.Sprintf("epoch-%d:reward:%d", epoch, i), Reason: fmt.Sprintf("epoch %d block reward", epoch), From: treasury, To: w, Amount: ledgertest.IO("1")}
	}
	return ops
}

// supplier i's wallet: distinct for each i below 65,536.
func supplier(i int) iog.WalletAddress {
	w := ledgertest.Wallet(0xee)
	w[1], w[2] = byte(i>>8), byte(i)
	return w
}

// fundSuppliers opens the treasury and n suppliers, mints the treasury
// IO, and credits every supplier once so that its account exists.
func fundSuppliers(t testing.TB, l *solana.Ledger, n int) {
	t.Helper()
	treasury := ledgertest.Wallet(0)
	ledgertest.Open(t, l, treasury)
	ledgertest.Apply(t, l, ledger.Op{Kind: ledger.Mint, Key: "fund", Reason: "treasury", To: treasury, Amount: ledgertest.IO("10000000")})
	var setup []ledger.Op
	for i := range n {
		setup = append(setup, ledger.Op{Kind: ledger.Open, Key: fmt.Sprintf("open-%d", i), Reason: "supplier", To: supplier(i)})
	}
	settle(t, l, setup)
	settle(t, l, payouts(t, l, n, 0))
}

// settle applies ops as transactions packed by Fit, in order, and returns
// how many transactions it took.
func settle(t testing.TB, l *solana.Ledger, ops []ledger.Op) int {
	t.Helper()
	txs := 0
	for len(ops) > 0 {
		n := l.Fit(ops)
		require.Positive(t, n)
		_, err := l.ApplyAll(ctx, ops[:n])
		require.NoError(t, err)
		ops = ops[n:]
		txs++
	}
	return txs
}

// BenchmarkPayoutBatched measures an epoch's payouts settled on LiteSVM
// through its RPC server, packed as many to a transaction as fit, one
// transaction at a time: the figure per transfer to compare with
// LiteSVM's raw rate (bench.mjs).
func BenchmarkPayoutBatched(b *testing.B) {
	benchmarkPayout(b, func(l *solana.Ledger, ops []ledger.Op) int { return settle(b, l, ops) })
}

// BenchmarkPayoutWindowed measures the same payouts packed by Fit and
// sent a window of transactions at once (ApplyEach, Config.Window), an
// epoch's payouts to a call: Fit packs them against the accounts the
// chain has.
func BenchmarkPayoutWindowed(b *testing.B) {
	benchmarkPayout(b, func(l *solana.Ledger, ops []ledger.Op) int {
		batches := packs(b, l, ops)
		_, err := l.ApplyEach(ctx, batches)
		require.NoError(b, err)
		return len(batches)
	})
}

// BenchmarkPayoutSingle measures the same payouts one to a transaction.
func BenchmarkPayoutSingle(b *testing.B) {
	benchmarkPayout(b, func(l *solana.Ledger, ops []ledger.Op) int {
		for _, op := range ops {
			ledgertest.Apply(b, l, op)
		}
		return len(ops)
	})
}

// benchmarkPayout settles b.N payouts to 1,000 suppliers an epoch's at a
// time with settleEpoch, which returns how many transactions it took.
func benchmarkPayout(b *testing.B, settleEpoch func(l *solana.Ledger, ops []ledger.Op) int) {
	v := testValidator(b)
	l := newNetwork(b, v, b.Name()).open(b)
	const suppliers = 1000
	fundSuppliers(b, l, suppliers)
	var ops []ledger.Op
	for epoch := 1; len(ops) < b.N; epoch++ {
		ops = append(ops, payouts(b, l, suppliers, epoch)...)
	}
	ops = ops[:b.N]
	b.ResetTimer()
	txs := 0
	for len(ops) > 0 {
		epoch := ops[:min(len(ops), suppliers)]
		txs += settleEpoch(l, epoch)
		ops = ops[len(epoch):]
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "transfers/s")
	b.ReportMetric(float64(b.N)/float64(txs), "transfers/tx")
}
