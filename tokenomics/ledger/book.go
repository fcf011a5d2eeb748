package ledger

import (
	"fmt"
	"math"
	"slices"

	"github.com/internetofgpus/iog"
)

// book is the state both ledgers keep: balances, holds, supply and the
// entries by idempotency key. It is not safe for concurrent use; the
// ledgers lock around it.
type book struct {
	accounts map[iog.WalletAddress]*account
	holds    map[string]*hold
	keys     map[string]Entry
	supply   [numCurrencies]int64
	seq      uint64
}

// numCurrencies bounds the currency index (iog currencies are small
// integers from 1).
const numCurrencies = 8

type account struct {
	avail, held [numCurrencies]int64
}

// hold is an escrow hold; a fully released hold stays, with nothing
// remaining, so that a failed write can be undone.
type hold struct {
	from      iog.WalletAddress
	currency  iog.Currency
	remaining int64
}

func newBook() *book {
	return &book{
		accounts: make(map[iog.WalletAddress]*account),
		holds:    make(map[string]*hold),
		keys:     make(map[string]Entry),
	}
}

// prior returns the entry applied under key, if any, for replayedBatch.
func (b *book) prior(key string) (Entry, bool, error) {
	e, ok := b.keys[key]
	return e.clone(), ok, nil
}

// sameOp returns ErrReplayed when e, found under op's key, records op, and
// iog.ErrConflict when it records another.
func sameOp(e Entry, op Op) error {
	if e.Op != op {
		return fmt.Errorf("%v %q: the key was used by entry %d for a different %v: %w", op.Kind, op.Key, e.Seq, e.Op.Kind, iog.ErrConflict)
	}
	return fmt.Errorf("%v %q: entry %d: %w", op.Kind, op.Key, e.Seq, ErrReplayed)
}

// clone returns a copy of e that shares no memory with it, so that what a
// caller does with an entry it was given cannot change the ledger's
// record.
func (e Entry) clone() Entry {
	e.Balances = slices.Clone(e.Balances)
	e.Signature = slices.Clone(e.Signature)
	return e
}

// check returns why op cannot be applied to the current state, or nil.
// It changes nothing. The key must not have been used (see replayed).
func (b *book) check(op Op) error {
	if err := op.validate(); err != nil {
		return fmt.Errorf("%v %q: %w", op.Kind, op.Key, err)
	}
	if int(op.Amount.Currency()) >= numCurrencies {
		return fmt.Errorf("%v %q: unsupported currency %v: %w", op.Kind, op.Key, op.Amount.Currency(), iog.ErrInvalid)
	}
	c, units := op.Amount.Currency(), op.Amount.Units()
	wrap := func(err error) error { return fmt.Errorf("%v %q: %w", op.Kind, op.Key, err) }
	switch op.Kind {
	case Open:
		if _, ok := b.accounts[op.To]; ok {
			return wrap(fmt.Errorf("account %v is already open: %w", op.To, iog.ErrConflict))
		}
	case Mint:
		to, err := b.account(op.To)
		if err != nil {
			return wrap(err)
		}
		if units > math.MaxInt64-b.supply[c] || units > math.MaxInt64-to.avail[c]-to.held[c] {
			return wrap(fmt.Errorf("minting %v: supply beyond what an amount holds: %w", op.Amount, iog.ErrOverflow))
		}
	case Burn, Transfer, Hold:
		from, err := b.account(op.From)
		if err != nil {
			return wrap(err)
		}
		if from.avail[c] < units {
			return wrap(fmt.Errorf("account %v has %v available, %v needed: %w", op.From, iog.NewAmount(from.avail[c], c), op.Amount, iog.ErrInsufficientFunds))
		}
		if op.Kind == Transfer {
			to, err := b.account(op.To)
			if err != nil {
				return wrap(err)
			}
			if units > math.MaxInt64-to.avail[c]-to.held[c] {
				return wrap(fmt.Errorf("crediting %v to %v: %w", op.Amount, op.To, iog.ErrOverflow))
			}
		}
		if op.Kind == Hold {
			if _, ok := b.holds[op.Key]; ok {
				return wrap(fmt.Errorf("hold %q exists: %w", op.Key, iog.ErrConflict))
			}
		}
	case Release:
		h, ok := b.holds[op.HoldKey]
		if !ok || h.remaining == 0 {
			return wrap(fmt.Errorf("no open hold %q: %w", op.HoldKey, iog.ErrNotFound))
		}
		if h.currency != c {
			return wrap(fmt.Errorf("hold %q is in %v, not %v: %w (%w)", op.HoldKey, h.currency, c, iog.ErrCurrencyMismatch, iog.ErrInvalid))
		}
		if h.remaining < units {
			return wrap(fmt.Errorf("hold %q has %v left, %v asked: %w", op.HoldKey, iog.NewAmount(h.remaining, c), op.Amount, iog.ErrInsufficientFunds))
		}
		to, err := b.account(op.To)
		if err != nil {
			return wrap(err)
		}
		if to != b.accounts[h.from] && units > math.MaxInt64-to.avail[c]-to.held[c] {
			return wrap(fmt.Errorf("crediting %v to %v: %w", op.Amount, op.To, iog.ErrOverflow))
		}
	}
	return nil
}

func (b *book) account(w iog.WalletAddress) (*account, error) {
	a, ok := b.accounts[w]
	if !ok {
		return nil, fmt.Errorf("account %v is not open: %w", w, iog.ErrNotFound)
	}
	return a, nil
}

// apply applies an op that check accepted and returns the balances it
// touched, after it.
func (b *book) apply(op Op) []Balance {
	c, units := op.Amount.Currency(), op.Amount.Units()
	var touched []iog.WalletAddress
	switch op.Kind {
	case Open:
		b.accounts[op.To] = &account{}
		touched = []iog.WalletAddress{op.To}
	case Mint:
		b.accounts[op.To].avail[c] += units
		b.supply[c] += units
		touched = []iog.WalletAddress{op.To}
	case Burn:
		b.accounts[op.From].avail[c] -= units
		b.supply[c] -= units
		touched = []iog.WalletAddress{op.From}
	case Transfer:
		b.accounts[op.From].avail[c] -= units
		b.accounts[op.To].avail[c] += units
		touched = []iog.WalletAddress{op.From, op.To}
	case Hold:
		from := b.accounts[op.From]
		from.avail[c] -= units
		from.held[c] += units
		b.holds[op.Key] = &hold{from: op.From, currency: c, remaining: units}
		touched = []iog.WalletAddress{op.From}
	case Release:
		h := b.holds[op.HoldKey]
		b.accounts[h.from].held[c] -= units
		b.accounts[op.To].avail[c] += units
		h.remaining -= units
		touched = []iog.WalletAddress{h.from}
		if op.To != h.from {
			touched = append(touched, op.To)
		}
	}
	out := make([]Balance, 0, len(touched))
	for _, w := range touched {
		out = append(out, b.balance(w, c))
	}
	return out
}

// undo reverts apply(op), the last op applied, when its entry could not be
// made durable.
func (b *book) undo(op Op) {
	c, units := op.Amount.Currency(), op.Amount.Units()
	switch op.Kind {
	case Open:
		delete(b.accounts, op.To)
	case Mint:
		b.accounts[op.To].avail[c] -= units
		b.supply[c] -= units
	case Burn:
		b.accounts[op.From].avail[c] += units
		b.supply[c] += units
	case Transfer:
		b.accounts[op.From].avail[c] += units
		b.accounts[op.To].avail[c] -= units
	case Hold:
		from := b.accounts[op.From]
		from.avail[c] += units
		from.held[c] -= units
		delete(b.holds, op.Key)
	case Release:
		h := b.holds[op.HoldKey]
		b.accounts[h.from].held[c] += units
		b.accounts[op.To].avail[c] -= units
		h.remaining += units
	}
}

// balance returns w's balance in c; w must be open. The currency of an
// Open (none) reports as IO.
func (b *book) balance(w iog.WalletAddress, c iog.Currency) Balance {
	if c == 0 {
		c = iog.IO
	}
	a := b.accounts[w]
	return Balance{Account: w, Currency: c, Available: iog.NewAmount(a.avail[c], c), Held: iog.NewAmount(a.held[c], c)}
}

// commit records e, applied, under its key. The ledgers give callers
// clones of it.
func (b *book) commit(e Entry) {
	b.seq = e.Seq
	b.keys[e.Op.Key] = e
}

// lookup returns a balance, for the Ledger method.
func (b *book) lookup(w iog.WalletAddress, c iog.Currency) (Balance, error) {
	if !c.Valid() || int(c) >= numCurrencies {
		return Balance{}, fmt.Errorf("balance of %v: %v is not a currency: %w", w, c, iog.ErrInvalid)
	}
	if _, err := b.account(w); err != nil {
		return Balance{}, fmt.Errorf("balance: %w", err)
	}
	return b.balance(w, c), nil
}

func (b *book) supplyOf(c iog.Currency) (iog.Amount, error) {
	if !c.Valid() || int(c) >= numCurrencies {
		return iog.Amount{}, fmt.Errorf("supply: %v is not a currency: %w", c, iog.ErrInvalid)
	}
	return iog.NewAmount(b.supply[c], c), nil
}

// diff compares two books' balances, holds and supply, and names the
// first difference; it is empty when they agree.
func (b *book) diff(o *book) string {
	if b.supply != o.supply {
		return fmt.Sprintf("supply %v, replayed %v", b.supply, o.supply)
	}
	if len(b.accounts) != len(o.accounts) {
		return fmt.Sprintf("%d accounts, replayed %d", len(b.accounts), len(o.accounts))
	}
	for w, a := range b.accounts {
		if oa, ok := o.accounts[w]; !ok || *a != *oa {
			return fmt.Sprintf("account %v differs from its replay", w)
		}
	}
	if len(b.holds) != len(o.holds) {
		return fmt.Sprintf("%d open holds, replayed %d", len(b.holds), len(o.holds))
	}
	for k, h := range b.holds {
		if oh, ok := o.holds[k]; !ok || *h != *oh {
			return fmt.Sprintf("hold %q differs from its replay", k)
		}
	}
	return ""
}
