package ledgertest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// testBatch: the ops of a batch apply in order, each on the state the ones
// before it left, as consecutive entries.
func testBatch(t *testing.T, l ledger.Ledger) {
	alice, bob, carol := Wallet(1), Wallet(2), Wallet(3)
	Open(t, l, alice)
	Open(t, l, bob)
	ops := []ledger.Op{
		{Kind: ledger.Open, Key: "open-carol", Reason: "sign-up", To: carol},
		{Kind: ledger.Mint, Key: "deposit", Reason: "deposit", To: carol, Amount: IO("10")},
		{Kind: ledger.Hold, Key: "escrow", Reason: "cluster escrow", From: carol, Amount: IO("8")},
		{Kind: ledger.Release, Key: "pay", Reason: "cluster payment", HoldKey: "escrow", To: bob, Amount: IO("5")},
		{Kind: ledger.Transfer, Key: "tip", Reason: "tip", From: carol, To: alice, Amount: IO("2")},
	}
	entries, err := l.ApplyAll(ctx, ops)
	require.NoError(t, err)
	require.Len(t, entries, len(ops))
	for i, e := range entries {
		require.Equal(t, uint64(3+i), e.Seq)
		require.Equal(t, ops[i], e.Op)
		found, err := l.Entry(ctx, ops[i].Key)
		require.NoError(t, err)
		require.Equal(t, e, found)
	}
	require.Equal(t, []ledger.Balance{
		{Account: carol, Currency: iog.IO, Available: IO("2"), Held: IO("3")},
		{Account: bob, Currency: iog.IO, Available: IO("5"), Held: IO("0")},
	}, entries[3].Balances)
	b, err := l.Balance(ctx, carol, iog.IO)
	require.NoError(t, err)
	require.Equal(t, IO("0"), b.Available)
	require.Equal(t, IO("3"), b.Held)
	require.Equal(t, IO("2"), Available(t, l, alice, iog.IO))
	e := Apply(t, l, ledger.Op{Kind: ledger.Release, Key: "refund", Reason: "refund", HoldKey: "escrow", To: carol, Amount: IO("3")})
	require.Equal(t, uint64(8), e.Seq, "single ops number on after a batch")
	verify(t, l)
}

// testBatchAtomic: a batch with one bad op applies none, whichever op it
// is, and its keys stay free.
func testBatchAtomic(t *testing.T, l ledger.Ledger) {
	alice, bob := Wallet(1), Wallet(2)
	before := setUpBad(t, l)
	good := []ledger.Op{
		{Kind: ledger.Transfer, Key: "good-1", Reason: "r", From: alice, To: bob, Amount: IO("4")},
		{Kind: ledger.Mint, Key: "good-2", Reason: "r", To: bob, Amount: IO("1")},
	}
	for _, tt := range badOps() {
		for at := range len(good) + 1 {
			batch := append(append(append([]ledger.Op(nil), good[:at]...), tt.op), good[at:]...)
			_, err := l.ApplyAll(ctx, batch)
			require.ErrorIs(t, err, tt.kind, "%s at %d", tt.name, at)
			require.Equal(t, before, Snapshot(t, l, alice, bob), "%s at %d changed the state", tt.name, at)
		}
	}
	for _, op := range good {
		_, err := l.Entry(ctx, op.Key)
		require.ErrorIs(t, err, iog.ErrNotFound, "a failed batch leaves no entry")
	}
	_, err := l.ApplyAll(ctx, nil)
	require.ErrorIs(t, err, iog.ErrInvalid, "an empty batch")
	dup := []ledger.Op{good[0], good[1], good[0]}
	_, err = l.ApplyAll(ctx, dup)
	require.ErrorIs(t, err, iog.ErrInvalid, "a key twice in a batch")
	// A batch whose second op spends what its first one would have, had
	// it been alone: the second fails, so the first is not applied either.
	overspend := []ledger.Op{
		{Kind: ledger.Transfer, Key: "all", Reason: "r", From: alice, To: bob, Amount: IO("10")},
		{Kind: ledger.Transfer, Key: "more", Reason: "r", From: alice, To: bob, Amount: IO("1")},
	}
	_, err = l.ApplyAll(ctx, overspend)
	require.ErrorIs(t, err, iog.ErrInsufficientFunds)
	require.Contains(t, err.Error(), "op 2 of 2")
	require.Equal(t, before, Snapshot(t, l, alice, bob))
	entries, err := l.ApplyAll(ctx, good)
	require.NoError(t, err)
	require.Equal(t, uint64(5), entries[0].Seq, "failed batches took no sequence numbers")
	verify(t, l)
}

// testBatchReplay: a batch retried whole is answered with its entries; one
// that overlaps an applied batch only in part is a conflict and applies
// nothing.
func testBatchReplay(t *testing.T, l ledger.Ledger) {
	alice, bob, _ := funded(t, l, "10")
	ops := []ledger.Op{
		{Kind: ledger.Transfer, Key: "a", Reason: "r", From: alice, To: bob, Amount: IO("1")},
		{Kind: ledger.Transfer, Key: "b", Reason: "r", From: alice, To: bob, Amount: IO("2")},
	}
	first, err := l.ApplyAll(ctx, ops)
	require.NoError(t, err)
	again, err := l.ApplyAll(ctx, ops)
	require.ErrorIs(t, err, ledger.ErrReplayed)
	require.Equal(t, first, again)
	require.Equal(t, IO("7"), Available(t, l, alice, iog.IO), "applied once")

	changed := append([]ledger.Op(nil), ops...)
	changed[1].Amount = IO("3")
	_, err = l.ApplyAll(ctx, changed)
	require.ErrorIs(t, err, iog.ErrConflict)
	require.NotErrorIs(t, err, ledger.ErrReplayed)

	partial := []ledger.Op{ops[0], {Kind: ledger.Transfer, Key: "c", Reason: "r", From: alice, To: bob, Amount: IO("1")}}
	_, err = l.ApplyAll(ctx, partial)
	require.ErrorIs(t, err, iog.ErrConflict)
	require.NotErrorIs(t, err, ledger.ErrReplayed)
	_, err = l.Entry(ctx, "c")
	require.ErrorIs(t, err, iog.ErrNotFound)
	require.Equal(t, IO("7"), Available(t, l, alice, iog.IO))

	// A single op already applied as part of a batch is a replay too.
	e, err := l.Apply(ctx, ops[1])
	require.ErrorIs(t, err, ledger.ErrReplayed)
	require.Equal(t, first[1], e)
}
