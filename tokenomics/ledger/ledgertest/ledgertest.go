// Package ledgertest is the behaviour every ledger.Ledger must have, as a
// test suite: an implementation's tests call Run with a constructor of
// empty ledgers, and the suite checks movements, escrow, idempotent
// retries, atomic batches, that bad input changes nothing, concurrency and
// conservation of every currency over random operations, against the
// in-memory ledger as the reference. The memory, file and SQL ledgers of
// package ledger pass it; so must any other.
package ledgertest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// Verifier is a ledger that can check its own record, as the file and SQL
// ledgers can; the suite verifies such a ledger after its heavier tests.
type Verifier interface {
	Verify(ctx context.Context) error
}

// Start is the time the suite's reference ledgers are stamped from.
var Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Run runs the suite on the ledgers newLedger returns: each call must give
// a new, empty ledger, cleaned up by t's Cleanup.
func Run(t *testing.T, newLedger func(t *testing.T) ledger.Ledger) {
	for _, tt := range []struct {
		name string
		test func(*testing.T, ledger.Ledger)
	}{
		{"Movements", testMovements},
		{"Idempotency", testIdempotency},
		{"BadInputChangesNothing", testBadInputChangesNothing},
		{"ContextCancelled", testContextCancelled},
		{"Batch", testBatch},
		{"BatchAtomic", testBatchAtomic},
		{"BatchReplay", testBatchReplay},
		{"Concurrent", testConcurrent},
		{"Conservation", testConservation},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.test(t, newLedger(t)) })
	}
}

// Wallet returns a test wallet address numbered b.
func Wallet(b byte) iog.WalletAddress {
	var w iog.WalletAddress
	w[0], w[31] = b, 7
	return w
}

// IO parses an amount of IO written as a decimal, such as "12.5".
func IO(s string) iog.Amount { return iog.MustParseAmount(s + " IO") }

// Apply applies op to l and fails t if it fails.
func Apply(t testing.TB, l ledger.Ledger, op ledger.Op) ledger.Entry {
	t.Helper()
	e, err := l.Apply(context.Background(), op)
	require.NoError(t, err, "%v %q", op.Kind, op.Key)
	return e
}

// Open opens account w on l, under the key "open-" + w.
func Open(t testing.TB, l ledger.Ledger, w iog.WalletAddress) {
	t.Helper()
	Apply(t, l, ledger.Op{Kind: ledger.Open, Key: "open-" + w.String(), Reason: "new account", To: w})
}

// Available returns w's available balance in c on l.
func Available(t testing.TB, l ledger.Ledger, w iog.WalletAddress, c iog.Currency) iog.Amount {
	t.Helper()
	b, err := l.Balance(context.Background(), w, c)
	require.NoError(t, err)
	return b.Available
}

// Snapshot is every balance of the given accounts and every supply.
func Snapshot(t testing.TB, l ledger.Ledger, accounts ...iog.WalletAddress) []any {
	t.Helper()
	ctx := context.Background()
	var out []any
	for _, c := range iog.Currencies() {
		s, err := l.Supply(ctx, c)
		require.NoError(t, err)
		out = append(out, s)
		for _, w := range accounts {
			b, err := l.Balance(ctx, w, c)
			require.NoError(t, err)
			out = append(out, b)
		}
	}
	return out
}

// funded opens wallets 1 and 2 on l and mints amount IO to wallet 1.
func funded(t *testing.T, l ledger.Ledger, amount string) (iog.WalletAddress, iog.WalletAddress, ledger.Entry) {
	t.Helper()
	alice, bob := Wallet(1), Wallet(2)
	Open(t, l, alice)
	Open(t, l, bob)
	e := Apply(t, l, ledger.Op{Kind: ledger.Mint, Key: "m1", Reason: "epoch 1 reward", To: alice, Amount: IO(amount)})
	return alice, bob, e
}

func verify(t *testing.T, l ledger.Ledger) {
	t.Helper()
	if v, ok := l.(Verifier); ok {
		require.NoError(t, v.Verify(context.Background()))
	}
}
