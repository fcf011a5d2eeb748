package tokenomics

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// PriceOracle reports the market price of IO.
type PriceOracle interface {
	// IOPrice returns the current price of one IO in US dollars. An
	// oracle that cannot answer returns an error matching
	// iog.ErrUnavailable.
	IOPrice(ctx context.Context) (Price, error)
}

// Price is a quote of IO in US dollars.
type Price struct {
	// USDPerIO is what one whole IO costs in dollars, such as 1.85.
	USDPerIO iog.Rate
	// At is when the price was observed.
	At time.Time
}

// FixedPrice is a PriceOracle that always quotes the same price, stamped
// with its clock's time: for tests, simulations and examples.
type FixedPrice struct {
	USDPerIO iog.Rate
	// Clock stamps the quotes. Nil means iog.SystemClock.
	Clock iog.Clock
}

// IOPrice implements PriceOracle.
func (f FixedPrice) IOPrice(ctx context.Context) (Price, error) {
	return Price{USDPerIO: f.USDPerIO, At: orSystem(f.Clock).Now()}, nil
}

// orSystem returns c, or iog.SystemClock when c is nil.
func orSystem(c iog.Clock) iog.Clock {
	if c == nil {
		return iog.SystemClock
	}
	return c
}

// isDollar reports whether c is worth one US dollar a unit: USD, USDC and
// IOSD (pegged 1:1).
func isDollar(c iog.Currency) bool { return c == iog.USD || c == iog.USDC || c == iog.IOSD }

// IOForRevenue returns how much IO revenue buys at price p, rounded down
// to a base unit: revenue in dollars (USD, USDC or IOSD) ÷ the price of
// IO. Revenue already in IO is returned as it is. A zero price, a
// negative revenue or another currency is ErrInvalid.
func IOForRevenue(revenue iog.Amount, p Price) (iog.Amount, error) {
	if err := revenue.CheckNonNegative("buyback revenue"); err != nil {
		return iog.Amount{}, err
	}
	if revenue.Currency() == iog.IO {
		return revenue, nil
	}
	if !isDollar(revenue.Currency()) {
		return iog.Amount{}, fmt.Errorf("buyback revenue %v: want IO or a dollar currency: %w", revenue, iog.ErrInvalid)
	}
	if p.USDPerIO.IsZero() {
		return iog.Amount{}, fmt.Errorf("buyback at a price of 0: %w", iog.ErrInvalid)
	}
	perDollar, err := iog.NewRate(p.USDPerIO.Den(), p.USDPerIO.Num())
	if err != nil {
		return iog.Amount{}, err
	}
	return revenue.Convert(iog.IO, perDollar, iog.RoundDown)
}

// IOSDForIO returns the IOSD that burning io is worth at price p, rounded
// down to a base unit: io × the price of IO, IOSD being pegged 1:1 to the
// dollar. An amount that is not IO, or a zero price, is ErrInvalid.
func IOSDForIO(io iog.Amount, p Price) (iog.Amount, error) {
	if err := checkIO("IOSD mint: IO to burn", io, false); err != nil {
		return iog.Amount{}, err
	}
	if p.USDPerIO.IsZero() {
		return iog.Amount{}, fmt.Errorf("IOSD mint at an IO price of 0: %w", iog.ErrInvalid)
	}
	return io.Convert(iog.IOSD, p.USDPerIO, iog.RoundDown)
}

// Treasury applies what happens to fee revenue on a ledger: buyback and
// burn of IO, and the minting of $IOSD credits by burning IO. Fee rates
// are not its business (package pricing computes fees); it takes the
// revenue as given.
//
// Every method takes a price quote (from Quote) and an idempotency key,
// and records one or more ledger entries under keys derived from it. A
// call interrupted between its entries is completed by repeating it with
// the same quote and key: entries already made are recognized, not
// repeated, and the quote may by then be older than MaxPriceAge (a stale
// quote can finish what it started, never start anything).
type Treasury struct {
	// Ledger records the movements.
	Ledger ledger.Ledger
	// Oracle prices IO.
	Oracle PriceOracle
	// Clock judges the age of quotes. Nil means iog.SystemClock.
	Clock iog.Clock
	// MaxPriceAge is how old a quote may be to start a buyback or a mint,
	// and how far ahead of the clock it may be dated. Zero means 10
	// minutes.
	MaxPriceAge time.Duration
	// Account is the treasury's wallet: it holds fee revenue and the IO
	// it buys back, and burns it.
	Account iog.WalletAddress
	// Market is the counterparty of buybacks, the wallet that stands for
	// the exchange or liquidity pool the IO is bought from.
	Market iog.WalletAddress
}

// DefaultMaxPriceAge is how old a quote may be when Treasury.MaxPriceAge
// is zero.
const DefaultMaxPriceAge = 10 * time.Minute

// check reports a Treasury missing a part it needs, as ErrInvalid.
func (t *Treasury) check(what string) error {
	switch {
	case t.Ledger == nil || t.Oracle == nil:
		return fmt.Errorf("%s: the treasury needs a ledger and an oracle: %w", what, iog.ErrInvalid)
	case t.Account.IsZero() || t.Market.IsZero():
		return fmt.Errorf("%s: the treasury needs its account and a market account: %w", what, iog.ErrInvalid)
	}
	return nil
}

// Quote asks the oracle for the price of IO. A zero price is ErrInvalid.
func (t *Treasury) Quote(ctx context.Context) (Price, error) {
	if err := t.check("quote IO"); err != nil {
		return Price{}, err
	}
	p, err := t.Oracle.IOPrice(ctx)
	if err != nil {
		return Price{}, fmt.Errorf("quote IO: %w", err)
	}
	if p.USDPerIO.IsZero() {
		return Price{}, fmt.Errorf("quote IO: the oracle says 0 USD: %w", iog.ErrInvalid)
	}
	return p, nil
}

// checkQuote refuses a quote older than MaxPriceAge, or dated more than
// MaxPriceAge ahead of the clock (ErrExpired), unless first, the call's
// first entry, is already on the ledger: then the call is the retry of
// one that started while its quote was fresh, and completing it at that
// quote is what was intended.
func (t *Treasury) checkQuote(ctx context.Context, what string, p Price, first ledger.Op) error {
	maxAge := t.MaxPriceAge
	if maxAge <= 0 {
		maxAge = DefaultMaxPriceAge
	}
	age := orSystem(t.Clock).Now().Sub(p.At)
	if -maxAge <= age && age <= maxAge {
		return nil
	}
	if e, err := t.Ledger.Entry(ctx, first.Key); err == nil && e.Op == first {
		return nil
	}
	if age < 0 {
		return fmt.Errorf("%s: the IO price quote is dated %v ahead of the clock, more than %v: %w", what, -age, maxAge, iog.ErrExpired)
	}
	return fmt.Errorf("%s: the IO price quote is %v old, more than %v: %w", what, age, maxAge, iog.ErrExpired)
}

// Buyback is the record of one buyback and burn.
type Buyback struct {
	// Revenue is what was spent, and Price the quote it was spent at.
	Revenue iog.Amount
	Price   Price
	// Burned is the IO bought and burned.
	Burned iog.Amount
}

// BuybackAndBurn spends revenue from the treasury account on IO at the
// quoted price and burns the IO: revenue goes to the market account, the
// IO it buys comes back from it (key+":pay", key+":buy"), and is burned
// (key+":burn"). Revenue in IO is burned directly. A stale quote is
// ErrExpired, unless the call repeats one that made its first step. A
// treasury or market short of funds is ErrInsufficientFunds and moves
// nothing. Each step is its own ledger entry: when one fails part way
// (the ledger unavailable, or the market emptied by a concurrent call)
// the steps before it stand, and repeating the call with the same quote
// and key, once the cause is fixed, completes the rest without repeating
// them.
func (t *Treasury) BuybackAndBurn(ctx context.Context, revenue iog.Amount, q Price, key string) (Buyback, error) {
	const what = "buyback and burn"
	if err := t.check(what); err != nil {
		return Buyback{}, err
	}
	io, err := IOForRevenue(revenue, q)
	if err != nil {
		return Buyback{}, fmt.Errorf("%s: %w", what, err)
	}
	if io.IsZero() {
		return Buyback{}, fmt.Errorf("%s: %v buys no IO at %v USD: %w", what, revenue, q.USDPerIO, iog.ErrInvalid)
	}
	reason := fmt.Sprintf("buyback: %v of revenue at %v USD/IO buys %v", revenue, q.USDPerIO, io)
	var ops []ledger.Op
	if revenue.Currency() != iog.IO {
		ops = append(ops,
			ledger.Op{Kind: ledger.Transfer, Key: key + ":pay", Reason: reason, From: t.Account, To: t.Market, Amount: revenue},
			ledger.Op{Kind: ledger.Transfer, Key: key + ":buy", Reason: reason, From: t.Market, To: t.Account, Amount: io})
	}
	ops = append(ops, ledger.Op{Kind: ledger.Burn, Key: key + ":burn", Reason: reason, From: t.Account, Amount: io})
	if err := t.checkQuote(ctx, what, q, ops[0]); err != nil {
		return Buyback{}, err
	}
	if err := t.checkMarket(ctx, what, ops[0], io); err != nil {
		return Buyback{}, err
	}
	if err := t.applyAll(ctx, what, ops); err != nil {
		return Buyback{}, err
	}
	return Buyback{Revenue: revenue, Price: q, Burned: io}, nil
}

// checkMarket refuses, before anything moves, a buyback the market
// cannot sell the IO for (ErrInsufficientFunds), so the revenue is not
// paid for IO that cannot come back. A retry whose payment (first) is
// already made is not refused here: the steps that remain report it.
func (t *Treasury) checkMarket(ctx context.Context, what string, first ledger.Op, io iog.Amount) error {
	if first.Kind != ledger.Transfer { // revenue in IO: nothing to buy
		return nil
	}
	if _, err := t.Ledger.Entry(ctx, first.Key); err == nil {
		return nil
	}
	b, err := t.Ledger.Balance(ctx, t.Market, iog.IO)
	if err != nil {
		return fmt.Errorf("%s: market account: %w", what, err)
	}
	if b.Available.Units() < io.Units() {
		return fmt.Errorf("%s: the market has %v to sell, %v wanted: %w", what, b.Available, io, iog.ErrInsufficientFunds)
	}
	return nil
}

// IOSDMint is the record of IO burned for $IOSD.
type IOSDMint struct {
	Holder iog.WalletAddress
	Burned iog.Amount
	Price  Price
	Minted iog.Amount
}

// MintIOSD burns io from holder's account (key+":burn") and mints the
// IOSD it is worth at the quoted price to the same account
// (key+":mint"). IOSD is only ever minted this way. A stale quote is
// ErrExpired, unless the call repeats one that burned already; too
// little IO is ErrInsufficientFunds.
func (t *Treasury) MintIOSD(ctx context.Context, holder iog.WalletAddress, io iog.Amount, q Price, key string) (IOSDMint, error) {
	const what = "mint IOSD"
	if err := t.check(what); err != nil {
		return IOSDMint{}, err
	}
	iosd, err := IOSDForIO(io, q)
	if err != nil {
		return IOSDMint{}, fmt.Errorf("%s: %w", what, err)
	}
	if iosd.IsZero() {
		return IOSDMint{}, fmt.Errorf("%s: %v is worth less than a base unit of IOSD: %w", what, io, iog.ErrInvalid)
	}
	reason := fmt.Sprintf("IOSD: %v burned at %v USD/IO mints %v", io, q.USDPerIO, iosd)
	ops := []ledger.Op{
		{Kind: ledger.Burn, Key: key + ":burn", Reason: reason, From: holder, Amount: io},
		{Kind: ledger.Mint, Key: key + ":mint", Reason: reason, To: holder, Amount: iosd},
	}
	if err := t.checkQuote(ctx, what, q, ops[0]); err != nil {
		return IOSDMint{}, err
	}
	if err := t.applyAll(ctx, what, ops); err != nil {
		return IOSDMint{}, err
	}
	return IOSDMint{Holder: holder, Burned: io, Price: q, Minted: iosd}, nil
}

// applyAll applies ops in order; an op already applied (a retry) counts
// as done.
func (t *Treasury) applyAll(ctx context.Context, what string, ops []ledger.Op) error {
	for i, op := range ops {
		if _, err := t.Ledger.Apply(ctx, op); err != nil && !errors.Is(err, ledger.ErrReplayed) {
			return fmt.Errorf("%s: step %d of %d: %w", what, i+1, len(ops), err)
		}
	}
	return nil
}
