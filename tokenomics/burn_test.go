package tokenomics_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

var ctx = context.Background()

func price(t testing.TB, usd string) tokenomics.Price {
	return tokenomics.Price{USDPerIO: rate(t, usd), At: t0}
}

func TestIOForRevenue(t *testing.T) {
	tests := []struct {
		revenue, price, want string
	}{
		{"100 USDC", "2", "50 IO"},
		{"100 IOSD", "1.85", "54.05405405 IO"}, // rounded down
		{"1 USD", "3", "0.33333333 IO"},
		{"7 IO", "2", "7 IO"},
		{"0 USDC", "2", "0 IO"},
	}
	for _, tt := range tests {
		got, err := tokenomics.IOForRevenue(iog.MustParseAmount(tt.revenue), price(t, tt.price))
		require.NoError(t, err, tt.revenue)
		require.Equal(t, tt.want, got.String(), tt.revenue)
	}
	_, err := tokenomics.IOForRevenue(iog.MustParseAmount("1 USDC"), price(t, "0"))
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = tokenomics.IOForRevenue(iog.MustParseAmount("-1 USDC"), price(t, "1"))
	require.ErrorIs(t, err, iog.ErrInvalid)

	iosd, err := tokenomics.IOSDForIO(io("10"), price(t, "1.85"))
	require.NoError(t, err)
	require.Equal(t, "18.5 IOSD", iosd.String())
	_, err = tokenomics.IOSDForIO(iog.MustParseAmount("10 USDC"), price(t, "1.85"))
	require.ErrorIs(t, err, iog.ErrInvalid)
}

type treasuryFixture struct {
	l                        *ledger.Memory
	tr                       *tokenomics.Treasury
	clock                    *iog.ManualClock
	treasury, market, holder iog.WalletAddress
}

func newTreasury(t *testing.T) treasuryFixture {
	clock := iog.NewManualClock(t0)
	f := treasuryFixture{l: ledger.NewMemory(ledger.MemoryConfig{Clock: clock}), clock: clock, treasury: wallet(1), market: wallet(2), holder: wallet(3)}
	f.tr = &tokenomics.Treasury{
		Ledger: f.l, Oracle: tokenomics.FixedPrice{USDPerIO: rate(t, "2"), Clock: clock}, Clock: clock,
		Account: f.treasury, Market: f.market,
	}
	for i, w := range []iog.WalletAddress{f.treasury, f.market, f.holder} {
		_, err := f.l.Apply(ctx, ledger.Op{Kind: ledger.Open, Key: "open-" + strconv.Itoa(i), Reason: "test", To: w})
		require.NoError(t, err)
	}
	for i, m := range []struct {
		to iog.WalletAddress
		a  string
	}{{f.treasury, "1000 USDC"}, {f.market, "1000000 IO"}, {f.holder, "100 IO"}} {
		_, err := f.l.Apply(ctx, ledger.Op{Kind: ledger.Mint, Key: "fund-" + strconv.Itoa(i), Reason: "test", To: m.to, Amount: iog.MustParseAmount(m.a)})
		require.NoError(t, err)
	}
	return f
}

func balance(t *testing.T, l ledger.Ledger, w iog.WalletAddress, c iog.Currency) iog.Amount {
	b, err := l.Balance(ctx, w, c)
	require.NoError(t, err)
	return b.Available
}

func supply(t *testing.T, l ledger.Ledger, c iog.Currency) iog.Amount {
	s, err := l.Supply(ctx, c)
	require.NoError(t, err)
	return s
}

func TestBuybackAndBurn(t *testing.T) {
	f := newTreasury(t)
	q, err := f.tr.Quote(ctx)
	require.NoError(t, err)
	before := supply(t, f.l, iog.IO)
	b, err := f.tr.BuybackAndBurn(ctx, iog.MustParseAmount("250 USDC"), q, "epoch-1:buyback")
	require.NoError(t, err)
	require.Equal(t, "125 IO", b.Burned.String())
	require.Equal(t, "750 USDC", balance(t, f.l, f.treasury, iog.USDC).String())
	require.True(t, balance(t, f.l, f.treasury, iog.IO).IsZero())
	after := supply(t, f.l, iog.IO)
	require.Equal(t, before.Units()-125e8, after.Units(), "the supply fell by the IO burned")

	// A retry changes nothing.
	_, err = f.tr.BuybackAndBurn(ctx, iog.MustParseAmount("250 USDC"), q, "epoch-1:buyback")
	require.NoError(t, err)
	require.Equal(t, after, supply(t, f.l, iog.IO))
	require.Equal(t, "750 USDC", balance(t, f.l, f.treasury, iog.USDC).String())

	// Stale quotes are refused, and change nothing.
	f.clock.Advance(11 * time.Minute)
	_, err = f.tr.BuybackAndBurn(ctx, iog.MustParseAmount("1 USDC"), q, "late")
	require.ErrorIs(t, err, iog.ErrExpired)
	require.Equal(t, after, supply(t, f.l, iog.IO))
	// A market short of the IO to sell changes nothing: the revenue is
	// not paid for IO that cannot come back.
	usdc := balance(t, f.l, f.treasury, iog.USDC)
	_, err = f.l.Apply(ctx, ledger.Op{Kind: ledger.Burn, Key: "drain", Reason: "test", From: f.market, Amount: balance(t, f.l, f.market, iog.IO)})
	require.NoError(t, err)
	q, err = f.tr.Quote(ctx)
	require.NoError(t, err)
	_, err = f.tr.BuybackAndBurn(ctx, iog.MustParseAmount("2 USDC"), q, "short")
	require.ErrorIs(t, err, iog.ErrInsufficientFunds)
	require.Equal(t, usdc, balance(t, f.l, f.treasury, iog.USDC))
	_, err = f.l.Entry(ctx, "short:pay")
	require.ErrorIs(t, err, iog.ErrNotFound)
	_, err = f.l.Apply(ctx, ledger.Op{Kind: ledger.Mint, Key: "refill", Reason: "test", To: f.market, Amount: io("1000")})
	require.NoError(t, err)

	// More revenue than the treasury has changes nothing.
	q, err = f.tr.Quote(ctx)
	require.NoError(t, err)
	_, err = f.tr.BuybackAndBurn(ctx, iog.MustParseAmount("751 USDC"), q, "too-much")
	require.ErrorIs(t, err, iog.ErrInsufficientFunds)
	require.Equal(t, "750 USDC", balance(t, f.l, f.treasury, iog.USDC).String())
}

// TestTreasuryRetryOutlivesItsQuote: a buyback cut short after its first
// entry is completed by repeating the call with the same quote and key,
// even once the quote is too old to start a new buyback; a stale or
// future-dated quote cannot start one.
func TestTreasuryRetryOutlivesItsQuote(t *testing.T) {
	f := newTreasury(t)
	q, err := f.tr.Quote(ctx)
	require.NoError(t, err)
	revenue := iog.MustParseAmount("500 USDC") // buys 250 IO
	cut := *f.tr
	cut.Ledger = &cutLedger{Ledger: f.l, n: 1} // the call stops after paying
	_, err = cut.BuybackAndBurn(ctx, revenue, q, "day-1")
	require.ErrorIs(t, err, iog.ErrUnavailable)
	require.Equal(t, "500 USDC", balance(t, f.l, f.treasury, iog.USDC).String(), "the payment stands")

	f.clock.Advance(time.Hour)
	before := supply(t, f.l, iog.IO)
	_, err = f.tr.BuybackAndBurn(ctx, iog.MustParseAmount("400 USDC"), q, "day-1")
	require.ErrorIs(t, err, iog.ErrExpired, "another buyback under the key is a new one, at a stale price")
	b, err := f.tr.BuybackAndBurn(ctx, revenue, q, "day-1")
	require.NoError(t, err, "the interrupted buyback completes at its own quote")
	require.Equal(t, "250 IO", b.Burned.String())
	require.Equal(t, before.Units()-250e8, supply(t, f.l, iog.IO).Units())
	require.Equal(t, "500 USDC", balance(t, f.l, f.treasury, iog.USDC).String(), "paid once")

	_, err = f.tr.BuybackAndBurn(ctx, revenue, q, "day-2")
	require.ErrorIs(t, err, iog.ErrExpired)
	future := tokenomics.Price{USDPerIO: q.USDPerIO, At: f.clock.Now().Add(time.Hour)}
	_, err = f.tr.BuybackAndBurn(ctx, revenue, future, "day-2")
	require.ErrorIs(t, err, iog.ErrExpired, "a quote dated ahead would stay fresh too long")
	_, err = f.tr.MintIOSD(ctx, f.holder, io("1"), future, "iosd")
	require.ErrorIs(t, err, iog.ErrExpired)
	require.Equal(t, "500 USDC", balance(t, f.l, f.treasury, iog.USDC).String())
}

func TestTreasuryNeedsItsParts(t *testing.T) {
	f := newTreasury(t)
	q, err := f.tr.Quote(ctx)
	require.NoError(t, err)
	for name, broken := range map[string]tokenomics.Treasury{
		"no ledger": {Oracle: f.tr.Oracle, Clock: f.clock, Account: f.treasury, Market: f.market},
		"no oracle": {Ledger: f.l, Clock: f.clock, Account: f.treasury, Market: f.market},
		"no market": {Ledger: f.l, Oracle: f.tr.Oracle, Clock: f.clock, Account: f.treasury},
	} {
		_, err := broken.Quote(ctx)
		require.ErrorIs(t, err, iog.ErrInvalid, name)
		_, err = broken.BuybackAndBurn(ctx, iog.MustParseAmount("1 USDC"), q, "k")
		require.ErrorIs(t, err, iog.ErrInvalid, name)
		_, err = broken.MintIOSD(ctx, f.holder, io("1"), q, "k")
		require.ErrorIs(t, err, iog.ErrInvalid, name)
	}
	zero := *f.tr
	zero.Oracle = tokenomics.FixedPrice{Clock: f.clock}
	_, err = zero.Quote(ctx)
	require.ErrorIs(t, err, iog.ErrInvalid)
}

// A nil clock is the system clock, as everywhere in the module: a quote
// stamped now is fresh, and the treasury judges it so.
func TestNilClockIsTheSystemClock(t *testing.T) {
	f := newTreasury(t)
	p, err := tokenomics.FixedPrice{USDPerIO: rate(t, "2")}.IOPrice(ctx)
	require.NoError(t, err)
	require.WithinDuration(t, time.Now(), p.At, time.Minute)
	sys := *f.tr
	sys.Clock, sys.Oracle = nil, tokenomics.FixedPrice{USDPerIO: rate(t, "2")}
	q, err := sys.Quote(ctx)
	require.NoError(t, err)
	_, err = sys.BuybackAndBurn(ctx, iog.MustParseAmount("1 USDC"), q, "sys")
	require.NoError(t, err)
	_, err = f.tr.BuybackAndBurn(ctx, iog.MustParseAmount("1 USDC"), q, "manual")
	require.ErrorIs(t, err, iog.ErrExpired, "the manual clock is far from the system clock")
}

func TestMintIOSD(t *testing.T) {
	f := newTreasury(t)
	q, err := f.tr.Quote(ctx)
	require.NoError(t, err)
	m, err := f.tr.MintIOSD(ctx, f.holder, io("40"), q, "iosd-1")
	require.NoError(t, err)
	require.Equal(t, "80 IOSD", m.Minted.String())
	require.Equal(t, "60 IO", balance(t, f.l, f.holder, iog.IO).String())
	require.Equal(t, "80 IOSD", balance(t, f.l, f.holder, iog.IOSD).String())
	require.Equal(t, "80 IOSD", supply(t, f.l, iog.IOSD).String(), "IOSD exists only as minted by burning IO")

	_, err = f.tr.MintIOSD(ctx, f.holder, io("61"), q, "iosd-2")
	require.ErrorIs(t, err, iog.ErrInsufficientFunds)
	require.Equal(t, "80 IOSD", supply(t, f.l, iog.IOSD).String())
	m, err = f.tr.MintIOSD(ctx, f.holder, iog.NewAmount(1, iog.IO), q, "iosd-3")
	require.NoError(t, err)
	require.Equal(t, "0.00000002 IOSD", m.Minted.String())
	_, err = f.tr.MintIOSD(ctx, f.holder, iog.NewAmount(1, iog.IO), price(t, "0.5"), "iosd-4")
	require.ErrorIs(t, err, iog.ErrInvalid, "worth less than a base unit")
}

// TestTreasuryConservation: random buybacks and IOSD mints at random
// prices; for each currency, mint − burn equals the change in supply, and
// the IOSD supply is exactly what the IO burned for it was worth.
func TestTreasuryConservation(t *testing.T) {
	f := newTreasury(t)
	rng := rand.New(rand.NewPCG(7, 7))
	start := map[iog.Currency]int64{}
	for _, c := range iog.Currencies() {
		start[c] = supply(t, f.l, c).Units()
	}
	var ioBurned, iosdMinted int64
	for i := range 200 {
		q := tokenomics.Price{USDPerIO: iog.BasisPoints(uint64(1 + rng.IntN(50_000))), At: f.clock.Now()}
		key := "op-" + strconv.Itoa(i)
		if rng.IntN(2) == 0 {
			b, err := f.tr.BuybackAndBurn(ctx, iog.NewAmount(rng.Int64N(20e6), iog.USDC), q, key)
			if err == nil {
				ioBurned += b.Burned.Units()
			}
		} else {
			m, err := f.tr.MintIOSD(ctx, f.holder, iog.NewAmount(1+rng.Int64N(2e8), iog.IO), q, key)
			if err == nil {
				ioBurned += m.Burned.Units()
				iosdMinted += m.Minted.Units()
				want, err := m.Burned.Convert(iog.IOSD, q.USDPerIO, iog.RoundDown)
				require.NoError(t, err)
				require.Equal(t, want, m.Minted)
			}
		}
		require.Equal(t, start[iog.IO]-ioBurned, supply(t, f.l, iog.IO).Units())
		require.Equal(t, start[iog.IOSD]+iosdMinted, supply(t, f.l, iog.IOSD).Units())
		require.Equal(t, start[iog.USDC], supply(t, f.l, iog.USDC).Units(), "USDC only changes hands")
		for _, w := range []iog.WalletAddress{f.treasury, f.market, f.holder} {
			for _, c := range iog.Currencies() {
				require.GreaterOrEqual(t, balance(t, f.l, w, c).Sign(), 0)
			}
		}
	}
	require.Positive(t, ioBurned)
	require.Positive(t, iosdMinted)
}
