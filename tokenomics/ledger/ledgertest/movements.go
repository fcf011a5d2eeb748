package ledgertest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

var ctx = context.Background()

func testMovements(t *testing.T, l ledger.Ledger) {
	alice, bob, e := funded(t, l, "100")
	require.Equal(t, uint64(3), e.Seq)
	require.Equal(t, []ledger.Balance{{Account: alice, Currency: iog.IO, Available: IO("100"), Held: IO("0")}}, e.Balances)

	e = Apply(t, l, ledger.Op{Kind: ledger.Transfer, Key: "t1", Reason: "rent", From: alice, To: bob, Amount: IO("30")})
	require.Len(t, e.Balances, 2)
	require.Equal(t, IO("70"), Available(t, l, alice, iog.IO))
	require.Equal(t, IO("30"), Available(t, l, bob, iog.IO))

	// Escrow: hold 50, pay 20 to bob, refund 30 to alice.
	Apply(t, l, ledger.Op{Kind: ledger.Hold, Key: "h1", Reason: "cluster escrow", From: alice, Amount: IO("50")})
	b, err := l.Balance(ctx, alice, iog.IO)
	require.NoError(t, err)
	require.Equal(t, IO("20"), b.Available)
	require.Equal(t, IO("50"), b.Held)
	Apply(t, l, ledger.Op{Kind: ledger.Release, Key: "r1", Reason: "pay supplier", HoldKey: "h1", To: bob, Amount: IO("20")})
	Apply(t, l, ledger.Op{Kind: ledger.Release, Key: "r2", Reason: "refund", HoldKey: "h1", To: alice, Amount: IO("30")})
	b, err = l.Balance(ctx, alice, iog.IO)
	require.NoError(t, err)
	require.Equal(t, IO("50"), b.Available)
	require.True(t, b.Held.IsZero())
	_, err = l.Apply(ctx, ledger.Op{Kind: ledger.Release, Key: "r3", Reason: "again", HoldKey: "h1", To: bob, Amount: IO("1")})
	require.ErrorIs(t, err, iog.ErrNotFound, "a spent hold is closed")

	Apply(t, l, ledger.Op{Kind: ledger.Burn, Key: "b1", Reason: "buyback burn", From: bob, Amount: IO("50")})
	s, err := l.Supply(ctx, iog.IO)
	require.NoError(t, err)
	require.Equal(t, IO("50"), s)
	require.True(t, Available(t, l, bob, iog.IO).IsZero())
	// Other currencies are separate.
	require.Equal(t, iog.Zero(iog.USDC), Available(t, l, alice, iog.USDC))
	verify(t, l)
}

func testIdempotency(t *testing.T, l ledger.Ledger) {
	alice, bob, _ := funded(t, l, "10")
	op := ledger.Op{Kind: ledger.Transfer, Key: "pay-1", Reason: "r", From: alice, To: bob, Amount: IO("4")}
	first := Apply(t, l, op)
	again, err := l.Apply(ctx, op)
	require.ErrorIs(t, err, ledger.ErrReplayed)
	require.ErrorIs(t, err, iog.ErrConflict)
	require.Equal(t, first, again, "a retry returns the original entry")
	require.Equal(t, IO("6"), Available(t, l, alice, iog.IO), "and applies once")
	found, err := l.Entry(ctx, "pay-1")
	require.NoError(t, err)
	require.Equal(t, first, found, "the entry is found by its key")
	_, err = l.Entry(ctx, "pay-2")
	require.ErrorIs(t, err, iog.ErrNotFound)

	// What a caller does with an entry it was given does not change the
	// ledger's record of it.
	for _, e := range []ledger.Entry{first, again, found} {
		e.Balances[0].Available = IO("1000000")
		e.Balances = append(e.Balances[:0], ledger.Balance{})
		if len(e.Signature) > 0 {
			e.Signature[0] ^= 1
		}
	}
	kept, err := l.Entry(ctx, "pay-1")
	require.NoError(t, err)
	require.Equal(t, IO("6"), kept.Balances[0].Available)
	require.Len(t, kept.Balances, 2)
	_, err = l.Apply(ctx, op)
	require.ErrorIs(t, err, ledger.ErrReplayed)

	other := op
	other.Amount = IO("5")
	_, err = l.Apply(ctx, other)
	require.ErrorIs(t, err, iog.ErrConflict)
	require.NotErrorIs(t, err, ledger.ErrReplayed)
	require.Equal(t, IO("6"), Available(t, l, alice, iog.IO))
}

// badOps are ops that fail on a ledger holding the state testBadInput
// sets up: wallets 1 and 2 open, 12 IO minted to 1, 2 of them held as "h".
func badOps() []struct {
	name string
	op   ledger.Op
	kind error
} {
	alice, bob, stranger := Wallet(1), Wallet(2), Wallet(9)
	return []struct {
		name string
		op   ledger.Op
		kind error
	}{
		{"no kind", ledger.Op{Key: "k", Reason: "r", To: alice}, iog.ErrInvalid},
		{"no key", ledger.Op{Kind: ledger.Mint, Reason: "r", To: alice, Amount: IO("1")}, iog.ErrInvalid},
		{"control in key", ledger.Op{Kind: ledger.Mint, Key: "a\nb", Reason: "r", To: alice, Amount: IO("1")}, iog.ErrInvalid},
		{"no reason", ledger.Op{Kind: ledger.Mint, Key: "k", To: alice, Amount: IO("1")}, iog.ErrInvalid},
		{"zero amount", ledger.Op{Kind: ledger.Mint, Key: "k", Reason: "r", To: alice, Amount: IO("0")}, iog.ErrInvalid},
		{"negative", ledger.Op{Kind: ledger.Transfer, Key: "k", Reason: "r", From: alice, To: bob, Amount: IO("-1")}, iog.ErrInvalid},
		{"no currency", ledger.Op{Kind: ledger.Mint, Key: "k", Reason: "r", To: alice}, iog.ErrInvalid},
		{"to self", ledger.Op{Kind: ledger.Transfer, Key: "k", Reason: "r", From: alice, To: alice, Amount: IO("1")}, iog.ErrInvalid},
		{"mint with from", ledger.Op{Kind: ledger.Mint, Key: "k", Reason: "r", From: bob, To: alice, Amount: IO("1")}, iog.ErrInvalid},
		{"open with amount", ledger.Op{Kind: ledger.Open, Key: "k", Reason: "r", To: stranger, Amount: IO("1")}, iog.ErrInvalid},
		{"release without hold", ledger.Op{Kind: ledger.Release, Key: "k", Reason: "r", To: alice, Amount: IO("1")}, iog.ErrInvalid},
		{"open twice", ledger.Op{Kind: ledger.Open, Key: "k", Reason: "r", To: alice}, iog.ErrConflict},
		{"unknown to", ledger.Op{Kind: ledger.Transfer, Key: "k", Reason: "r", From: alice, To: stranger, Amount: IO("1")}, iog.ErrNotFound},
		{"unknown from", ledger.Op{Kind: ledger.Burn, Key: "k", Reason: "r", From: stranger, Amount: IO("1")}, iog.ErrNotFound},
		{"overdraft", ledger.Op{Kind: ledger.Transfer, Key: "k", Reason: "r", From: alice, To: bob, Amount: IO("10.00000001")}, iog.ErrInsufficientFunds},
		{"wrong currency", ledger.Op{Kind: ledger.Transfer, Key: "k", Reason: "r", From: alice, To: bob, Amount: iog.MustParseAmount("1 USDC")}, iog.ErrInsufficientFunds},
		{"hold too much", ledger.Op{Kind: ledger.Hold, Key: "k", Reason: "r", From: alice, Amount: IO("11")}, iog.ErrInsufficientFunds},
		{"release too much", ledger.Op{Kind: ledger.Release, Key: "k", Reason: "r", HoldKey: "h", To: bob, Amount: IO("3")}, iog.ErrInsufficientFunds},
		{"release other currency", ledger.Op{Kind: ledger.Release, Key: "k", Reason: "r", HoldKey: "h", To: bob, Amount: iog.MustParseAmount("1 USDC")}, iog.ErrCurrencyMismatch},
		{"unknown hold", ledger.Op{Kind: ledger.Release, Key: "k", Reason: "r", HoldKey: "nope", To: bob, Amount: IO("1")}, iog.ErrNotFound},
		{"mint overflow", ledger.Op{Kind: ledger.Mint, Key: "k", Reason: "r", To: alice, Amount: iog.NewAmount(1<<63-1, iog.IO)}, iog.ErrOverflow},
	}
}

// setUpBad gives l the state badOps fail on and returns its snapshot.
func setUpBad(t *testing.T, l ledger.Ledger) []any {
	alice, bob := Wallet(1), Wallet(2)
	Open(t, l, alice)
	Open(t, l, bob)
	Apply(t, l, ledger.Op{Kind: ledger.Mint, Key: "m", Reason: "r", To: alice, Amount: IO("12")})
	Apply(t, l, ledger.Op{Kind: ledger.Hold, Key: "h", Reason: "r", From: alice, Amount: IO("2")})
	return Snapshot(t, l, alice, bob)
}

func testBadInputChangesNothing(t *testing.T, l ledger.Ledger) {
	alice, bob, stranger := Wallet(1), Wallet(2), Wallet(9)
	before := setUpBad(t, l)
	for _, tt := range badOps() {
		_, err := l.Apply(ctx, tt.op)
		require.ErrorIs(t, err, tt.kind, tt.name)
		require.Equal(t, before, Snapshot(t, l, alice, bob), tt.name)
	}
	// The key of a failed op is still free.
	Apply(t, l, ledger.Op{Kind: ledger.Transfer, Key: "k", Reason: "r", From: alice, To: bob, Amount: IO("1")})
	_, err := l.Balance(ctx, stranger, iog.IO)
	require.ErrorIs(t, err, iog.ErrNotFound)
	_, err = l.Supply(ctx, iog.Currency(0))
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = l.Balance(ctx, alice, iog.Currency(0))
	require.ErrorIs(t, err, iog.ErrInvalid)
	verify(t, l)
}

func testContextCancelled(t *testing.T, l ledger.Ledger) {
	c, cancel := context.WithCancel(ctx)
	cancel()
	_, err := l.Apply(c, ledger.Op{Kind: ledger.Open, Key: "k", Reason: "r", To: Wallet(1)})
	require.True(t, errors.Is(err, context.Canceled), "%v", err)
	_, err = l.ApplyAll(c, []ledger.Op{{Kind: ledger.Open, Key: "k", Reason: "r", To: Wallet(1)}})
	require.True(t, errors.Is(err, context.Canceled), "%v", err)
	_, err = l.Balance(ctx, Wallet(1), iog.IO)
	require.ErrorIs(t, err, iog.ErrNotFound, "nothing was applied")
}

// testConcurrent: goroutines transferring at once lose nothing and the
// ledger still verifies.
func testConcurrent(t *testing.T, l ledger.Ledger) {
	alice, bob, _ := funded(t, l, "1000")
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 25 {
				from, to := alice, bob
				if g%2 == 1 {
					from, to = bob, alice
				}
				op := ledger.Op{Kind: ledger.Transfer, Key: fmt.Sprintf("g%d-%d", g, i), Reason: "concurrent", From: from, To: to, Amount: IO("3")}
				if i%5 == 4 {
					// A batch of two, racing the single ops.
					second := op
					second.Key += "-b"
					_, _ = l.ApplyAll(ctx, []ledger.Op{op, second})
					continue
				}
				// Transfers that find the payer short fail and change nothing.
				_, _ = l.Apply(ctx, op)
			}
		})
	}
	wg.Wait()
	sum, err := Available(t, l, alice, iog.IO).Add(Available(t, l, bob, iog.IO))
	require.NoError(t, err)
	require.Equal(t, IO("1000"), sum)
	verify(t, l)
}
