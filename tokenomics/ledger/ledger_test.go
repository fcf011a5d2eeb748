package ledger_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

var (
	ctx = context.Background()
	t0  = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// authority is a fixed key, so tests and the crash child agree.
	authority = ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
)

func wallet(b byte) iog.WalletAddress {
	var w iog.WalletAddress
	w[0], w[31] = b, 7
	return w
}

func io(s string) iog.Amount { return iog.MustParseAmount(s + " IO") }

// ledgers returns a constructor for each implementation, so every
// behavioural test runs on both.
func ledgers() map[string]func(t *testing.T) ledger.Ledger {
	return map[string]func(t *testing.T) ledger.Ledger{
		"memory": func(t *testing.T) ledger.Ledger { return ledger.NewMemory(iog.NewManualClock(t0)) },
		"file":   func(t *testing.T) ledger.Ledger { return openFile(t, filepath.Join(t.TempDir(), "ledger")) },
	}
}

func openFile(t testing.TB, path string) *ledger.File {
	t.Helper()
	l, err := ledger.OpenFile(ctx, path, ledger.FileConfig{Authority: authority, Clock: iog.NewManualClock(t0)})
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return l
}

func apply(t testing.TB, l ledger.Ledger, op ledger.Op) ledger.Entry {
	t.Helper()
	e, err := l.Apply(ctx, op)
	require.NoError(t, err, "%v %q", op.Kind, op.Key)
	return e
}

func open(t testing.TB, l ledger.Ledger, w iog.WalletAddress) {
	t.Helper()
	apply(t, l, ledger.Op{Kind: ledger.Open, Key: "open-" + w.String(), Reason: "new account", To: w})
}

func available(t testing.TB, l ledger.Ledger, w iog.WalletAddress, c iog.Currency) iog.Amount {
	t.Helper()
	b, err := l.Balance(ctx, w, c)
	require.NoError(t, err)
	return b.Available
}

// funded opens wallets 1 and 2 on l and mints amount IO to wallet 1.
func funded(t *testing.T, l ledger.Ledger, amount string) (iog.WalletAddress, iog.WalletAddress, ledger.Entry) {
	t.Helper()
	alice, bob := wallet(1), wallet(2)
	open(t, l, alice)
	open(t, l, bob)
	e := apply(t, l, ledger.Op{Kind: ledger.Mint, Key: "m1", Reason: "epoch 1 reward", To: alice, Amount: io(amount)})
	return alice, bob, e
}

func TestLedgerMovements(t *testing.T) {
	for name, newLedger := range ledgers() {
		t.Run(name, func(t *testing.T) {
			l := newLedger(t)
			alice, bob, e := funded(t, l, "100")
			require.Equal(t, uint64(3), e.Seq)
			require.Equal(t, []ledger.Balance{{Account: alice, Currency: iog.IO, Available: io("100"), Held: io("0")}}, e.Balances)

			e = apply(t, l, ledger.Op{Kind: ledger.Transfer, Key: "t1", Reason: "rent", From: alice, To: bob, Amount: io("30")})
			require.Len(t, e.Balances, 2)
			require.Equal(t, io("70"), available(t, l, alice, iog.IO))
			require.Equal(t, io("30"), available(t, l, bob, iog.IO))

			// Escrow: hold 50, pay 20 to bob, refund 30 to alice.
			apply(t, l, ledger.Op{Kind: ledger.Hold, Key: "h1", Reason: "cluster escrow", From: alice, Amount: io("50")})
			b, err := l.Balance(ctx, alice, iog.IO)
			require.NoError(t, err)
			require.Equal(t, io("20"), b.Available)
			require.Equal(t, io("50"), b.Held)
			apply(t, l, ledger.Op{Kind: ledger.Release, Key: "r1", Reason: "pay supplier", HoldKey: "h1", To: bob, Amount: io("20")})
			apply(t, l, ledger.Op{Kind: ledger.Release, Key: "r2", Reason: "refund", HoldKey: "h1", To: alice, Amount: io("30")})
			b, err = l.Balance(ctx, alice, iog.IO)
			require.NoError(t, err)
			require.Equal(t, io("50"), b.Available)
			require.True(t, b.Held.IsZero())
			_, err = l.Apply(ctx, ledger.Op{Kind: ledger.Release, Key: "r3", Reason: "again", HoldKey: "h1", To: bob, Amount: io("1")})
			require.ErrorIs(t, err, iog.ErrNotFound, "a spent hold is closed")

			apply(t, l, ledger.Op{Kind: ledger.Burn, Key: "b1", Reason: "buyback burn", From: bob, Amount: io("50")})
			s, err := l.Supply(ctx, iog.IO)
			require.NoError(t, err)
			require.Equal(t, io("50"), s)
			require.True(t, available(t, l, bob, iog.IO).IsZero())
			// Other currencies are separate.
			require.Equal(t, iog.Zero(iog.USDC), available(t, l, alice, iog.USDC))
		})
	}
}

func TestLedgerIdempotency(t *testing.T) {
	for name, newLedger := range ledgers() {
		t.Run(name, func(t *testing.T) {
			l := newLedger(t)
			alice, bob, _ := funded(t, l, "10")
			op := ledger.Op{Kind: ledger.Transfer, Key: "pay-1", Reason: "r", From: alice, To: bob, Amount: io("4")}
			first := apply(t, l, op)
			again, err := l.Apply(ctx, op)
			require.ErrorIs(t, err, ledger.ErrReplayed)
			require.ErrorIs(t, err, iog.ErrConflict)
			require.Equal(t, first, again, "a retry returns the original entry")
			require.Equal(t, io("6"), available(t, l, alice, iog.IO), "and applies once")
			found, err := l.Entry(ctx, "pay-1")
			require.NoError(t, err)
			require.Equal(t, first, found, "the entry is found by its key")
			_, err = l.Entry(ctx, "pay-2")
			require.ErrorIs(t, err, iog.ErrNotFound)

			// What a caller does with an entry it was given does not change
			// the ledger's record of it.
			for _, e := range []ledger.Entry{first, again, found} {
				e.Balances[0].Available = io("1000000")
				e.Balances = append(e.Balances[:0], ledger.Balance{})
				if len(e.Signature) > 0 {
					e.Signature[0] ^= 1
				}
			}
			kept, err := l.Entry(ctx, "pay-1")
			require.NoError(t, err)
			require.Equal(t, io("6"), kept.Balances[0].Available)
			require.Len(t, kept.Balances, 2)
			_, err = l.Apply(ctx, op)
			require.ErrorIs(t, err, ledger.ErrReplayed)

			other := op
			other.Amount = io("5")
			_, err = l.Apply(ctx, other)
			require.ErrorIs(t, err, iog.ErrConflict)
			require.NotErrorIs(t, err, ledger.ErrReplayed)
			require.Equal(t, io("6"), available(t, l, alice, iog.IO))
		})
	}
}

func TestLedgerBadInputChangesNothing(t *testing.T) {
	alice, bob, stranger := wallet(1), wallet(2), wallet(9)
	bad := []struct {
		name string
		op   ledger.Op
		kind error
	}{
		{"no kind", ledger.Op{Key: "k", Reason: "r", To: alice}, iog.ErrInvalid},
		{"no key", ledger.Op{Kind: ledger.Mint, Reason: "r", To: alice, Amount: io("1")}, iog.ErrInvalid},
		{"control in key", ledger.Op{Kind: ledger.Mint, Key: "a\nb", Reason: "r", To: alice, Amount: io("1")}, iog.ErrInvalid},
		{"no reason", ledger.Op{Kind: ledger.Mint, Key: "k", To: alice, Amount: io("1")}, iog.ErrInvalid},
		{"zero amount", ledger.Op{Kind: ledger.Mint, Key: "k", Reason: "r", To: alice, Amount: io("0")}, iog.ErrInvalid},
		{"negative", ledger.Op{Kind: ledger.Transfer, Key: "k", Reason: "r", From: alice, To: bob, Amount: io("-1")}, iog.ErrInvalid},
		{"no currency", ledger.Op{Kind: ledger.Mint, Key: "k", Reason: "r", To: alice}, iog.ErrInvalid},
		{"to self", ledger.Op{Kind: ledger.Transfer, Key: "k", Reason: "r", From: alice, To: alice, Amount: io("1")}, iog.ErrInvalid},
		{"mint with from", ledger.Op{Kind: ledger.Mint, Key: "k", Reason: "r", From: bob, To: alice, Amount: io("1")}, iog.ErrInvalid},
		{"open with amount", ledger.Op{Kind: ledger.Open, Key: "k", Reason: "r", To: stranger, Amount: io("1")}, iog.ErrInvalid},
		{"release without hold", ledger.Op{Kind: ledger.Release, Key: "k", Reason: "r", To: alice, Amount: io("1")}, iog.ErrInvalid},
		{"open twice", ledger.Op{Kind: ledger.Open, Key: "k", Reason: "r", To: alice}, iog.ErrConflict},
		{"unknown to", ledger.Op{Kind: ledger.Transfer, Key: "k", Reason: "r", From: alice, To: stranger, Amount: io("1")}, iog.ErrNotFound},
		{"unknown from", ledger.Op{Kind: ledger.Burn, Key: "k", Reason: "r", From: stranger, Amount: io("1")}, iog.ErrNotFound},
		{"overdraft", ledger.Op{Kind: ledger.Transfer, Key: "k", Reason: "r", From: alice, To: bob, Amount: io("10.00000001")}, iog.ErrInsufficientFunds},
		{"wrong currency", ledger.Op{Kind: ledger.Transfer, Key: "k", Reason: "r", From: alice, To: bob, Amount: iog.MustParseAmount("1 USDC")}, iog.ErrInsufficientFunds},
		{"hold too much", ledger.Op{Kind: ledger.Hold, Key: "k", Reason: "r", From: alice, Amount: io("11")}, iog.ErrInsufficientFunds},
		{"release too much", ledger.Op{Kind: ledger.Release, Key: "k", Reason: "r", HoldKey: "h", To: bob, Amount: io("3")}, iog.ErrInsufficientFunds},
		{"release other currency", ledger.Op{Kind: ledger.Release, Key: "k", Reason: "r", HoldKey: "h", To: bob, Amount: iog.MustParseAmount("1 USDC")}, iog.ErrCurrencyMismatch},
		{"unknown hold", ledger.Op{Kind: ledger.Release, Key: "k", Reason: "r", HoldKey: "nope", To: bob, Amount: io("1")}, iog.ErrNotFound},
		{"mint overflow", ledger.Op{Kind: ledger.Mint, Key: "k", Reason: "r", To: alice, Amount: iog.NewAmount(1<<63-1, iog.IO)}, iog.ErrOverflow},
	}
	for name, newLedger := range ledgers() {
		t.Run(name, func(t *testing.T) {
			l := newLedger(t)
			open(t, l, alice)
			open(t, l, bob)
			apply(t, l, ledger.Op{Kind: ledger.Mint, Key: "m", Reason: "r", To: alice, Amount: io("12")})
			apply(t, l, ledger.Op{Kind: ledger.Hold, Key: "h", Reason: "r", From: alice, Amount: io("2")})
			before := snapshot(t, l, alice, bob)
			for _, tt := range bad {
				_, err := l.Apply(ctx, tt.op)
				require.ErrorIs(t, err, tt.kind, tt.name)
				require.Equal(t, before, snapshot(t, l, alice, bob), tt.name)
			}
			// The key of a failed op is still free.
			apply(t, l, ledger.Op{Kind: ledger.Transfer, Key: "k", Reason: "r", From: alice, To: bob, Amount: io("1")})
			_, err := l.Balance(ctx, stranger, iog.IO)
			require.ErrorIs(t, err, iog.ErrNotFound)
			_, err = l.Supply(ctx, iog.Currency(0))
			require.ErrorIs(t, err, iog.ErrInvalid)
		})
	}
}

// snapshot is every balance of the given accounts and every supply.
func snapshot(t testing.TB, l ledger.Ledger, accounts ...iog.WalletAddress) []any {
	t.Helper()
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

func TestLedgerContextCancelled(t *testing.T) {
	for name, newLedger := range ledgers() {
		l := newLedger(t)
		c, cancel := context.WithCancel(ctx)
		cancel()
		_, err := l.Apply(c, ledger.Op{Kind: ledger.Open, Key: "k", Reason: "r", To: wallet(1)})
		require.True(t, errors.Is(err, context.Canceled), name)
	}
}

// TestLedgerConcurrentApply: goroutines transferring at once lose nothing
// and the durable file still verifies.
func TestLedgerConcurrentApply(t *testing.T) {
	for name, newLedger := range ledgers() {
		t.Run(name, func(t *testing.T) {
			l := newLedger(t)
			alice, bob, _ := funded(t, l, "1000")
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Go(func() {
					for i := range 25 {
						from, to := alice, bob
						if g%2 == 1 {
							from, to = bob, alice
						}
						// Transfers that find the payer short fail and change nothing.
						_, _ = l.Apply(ctx, ledger.Op{Kind: ledger.Transfer, Key: fmt.Sprintf("g%d-%d", g, i), Reason: "concurrent", From: from, To: to, Amount: io("3")})
					}
				})
			}
			wg.Wait()
			sum, err := available(t, l, alice, iog.IO).Add(available(t, l, bob, iog.IO))
			require.NoError(t, err)
			require.Equal(t, io("1000"), sum)
			if f, ok := l.(*ledger.File); ok {
				require.NoError(t, f.Verify(ctx))
			}
		})
	}
}
