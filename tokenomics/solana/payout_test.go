package solana_test

import (
	"crypto/ed25519"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/internal/sqltest"
	"github.com/internetofgpus/iog/tokenomics/ledger"
	"github.com/internetofgpus/iog/tokenomics/ledger/ledgertest"
)

// TestEpochPayoutMatchesDatabase: an epoch's payout to 1,000 suppliers,
// applied to the database ledger as the server applies it (one atomic
// batch) and settled on Solana as transactions packed by Fit, lands
// completely: every balance read back from the chain equals the
// database's, and so does every supply.
func TestEpochPayoutMatchesDatabase(t *testing.T) {
	const suppliers = 1000
	v := testValidator(t)
	chain := newNetwork(t, v, t.Name()).open(t)
	db, err := ledger.OpenSQL(ctx, sqltest.Open(t, sqldb.SQLite), ledger.SQLConfig{Authority: ed25519.NewKeyFromSeed(make([]byte, 32))})
	require.NoError(t, err)

	treasury := ledgertest.Wallet(0)
	setup := []ledger.Op{
		{Kind: ledger.Open, Key: "open-treasury", Reason: "the network's rewards", To: treasury},
		{Kind: ledger.Mint, Key: "epoch-1:emission", Reason: "epoch 1 emission", To: treasury, Amount: ledgertest.IO("100000")},
	}
	var payout []ledger.Op
	for i := range suppliers {
		setup = append(setup, ledger.Op{Kind: ledger.Open, Key: fmt.Sprintf("open-%d", i), Reason: "supplier", To: supplier(i)})
		// Rewards differ by supplier, to the base unit.
		payout = append(payout, ledger.Op{Kind: ledger.Transfer, Key: fmt.Sprintf("epoch-1:reward:%d", i), Reason: "epoch 1 block reward",
			From: treasury, To: supplier(i), Amount: iog.NewAmount(int64(1e8+i*1_234_567+i%7), iog.IO)})
	}
	for _, ops := range [][]ledger.Op{setup, payout} {
		_, err := db.ApplyAll(ctx, ops)
		require.NoError(t, err)
		txs := settle(t, chain, ops)
		t.Logf("%d ops settled in %d transactions", len(ops), txs)
	}
	require.NoError(t, chain.Verify(ctx))
	for _, w := range append([]iog.WalletAddress{treasury}, func() (ws []iog.WalletAddress) {
		for i := range suppliers {
			ws = append(ws, supplier(i))
		}
		return ws
	}()...) {
		want, err := db.Balance(ctx, w, iog.IO)
		require.NoError(t, err)
		got, err := chain.Balance(ctx, w, iog.IO)
		require.NoError(t, err)
		require.Equal(t, want, got, "wallet %v", w)
	}
	for _, c := range iog.Currencies() {
		want, err := db.Supply(ctx, c)
		require.NoError(t, err)
		got, err := chain.Supply(ctx, c)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
}
