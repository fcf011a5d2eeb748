package ledger

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"

	"github.com/internetofgpus/iog"
)

// SQLPrefetch is what a transaction read of a SQL ledger ahead of a batch
// it applies there: the accounts the batch touches, with their balances,
// the entries under its keys, and the supply, read once for both the
// caller's own checks and the batch. tokenomics.Settle checks every
// staker's account and every mint's key, in a few reads (SQLPrefetch is a
// tokenomics.BatchReader), before it applies a thing; the batch applied
// through the same SQLPrefetch then reads none of them again. It is bound
// to its transaction, and not safe for concurrent use.
type SQLPrefetch struct {
	l    *SQL
	tx   *sql.Tx
	seq  uint64
	last []byte
	// book holds the accounts read and the supply; nil once a batch was
	// applied on it. read are the accounts and keysRead the keys read,
	// and entries what was found under the keys.
	book     *book
	read     map[iog.WalletAddress]bool
	keysRead map[string]bool
	entries  map[string]Entry
}

// PrefetchTx returns an empty prefetch in tx, a transaction on the
// ledger's database. It locks the ledger's head, as ApplyTx does, so that
// what it reads stays true until tx ends: take it where the caller's lock
// order puts the ledger's head.
func (l *SQL) PrefetchTx(ctx context.Context, tx *sql.Tx) (*SQLPrefetch, error) {
	seq, last, err := lockHead(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("prefetch the ledger: %w (%w)", err, iog.ErrUnavailable)
	}
	b := newBook()
	if err := loadSupply(ctx, tx, b); err != nil {
		return nil, fmt.Errorf("prefetch the ledger: %w (%w)", err, iog.ErrUnavailable)
	}
	return &SQLPrefetch{
		l: l, tx: tx, seq: seq, last: last, book: b,
		read: map[iog.WalletAddress]bool{}, keysRead: map[string]bool{}, entries: map[string]Entry{},
	}, nil
}

// Opened returns which of accounts are open (an account not open is
// absent), reading those it has not read, with their balances, a few
// hundred a query.
func (p *SQLPrefetch) Opened(ctx context.Context, accounts []iog.WalletAddress) (map[iog.WalletAddress]bool, error) {
	if p.book == nil {
		return p.l.OpenedTx(ctx, p.tx, accounts)
	}
	var unread []string
	for _, w := range accounts {
		if !p.read[w] {
			p.read[w] = true
			unread = append(unread, w.String())
		}
	}
	if err := loadAccountsIn(ctx, p.tx, p.book, unread); err != nil {
		return nil, fmt.Errorf("open accounts among %d: %w (%w)", len(accounts), err, iog.ErrUnavailable)
	}
	opened := make(map[iog.WalletAddress]bool, len(accounts))
	for _, w := range accounts {
		if p.book.accounts[w] != nil {
			opened[w] = true
		}
	}
	return opened, nil
}

// Entries returns the entries applied under any of keys, by key (a key
// never applied is absent), reading those it has not read, a few hundred
// a query.
func (p *SQLPrefetch) Entries(ctx context.Context, keys []string) (map[string]Entry, error) {
	if p.book == nil {
		return p.l.EntriesTx(ctx, p.tx, keys)
	}
	var unread []string
	for _, k := range keys {
		if !p.keysRead[k] {
			p.keysRead[k] = true
			unread = append(unread, k)
		}
	}
	found, err := p.l.entriesByKey(ctx, p.tx, unread)
	if err != nil {
		return nil, fmt.Errorf("entries of %d keys: %w (%w)", len(keys), err, iog.ErrUnavailable)
	}
	for k, e := range found {
		p.entries[k] = e
	}
	out := make(map[string]Entry, len(keys))
	for _, k := range keys {
		if e, ok := p.entries[k]; ok {
			out[k] = e
		}
	}
	return out, nil
}

// ApplyTx applies ops in the prefetch's transaction as SQL.ApplyTx does.
// While the ledger's head is where the prefetch found it (nothing was
// applied in between, through it or not), a batch whose keys and accounts
// it has all read, and that releases no hold (holds are not prefetched),
// is applied on what it read, reading nothing more; any other batch is
// applied by SQL.ApplyTx.
func (p *SQLPrefetch) ApplyTx(ctx context.Context, ops []Op) ([]Entry, error) {
	if err := startBatch(ctx, ops); err != nil {
		return nil, err
	}
	if !p.covers(ops) {
		return p.l.ApplyTx(ctx, p.tx, ops)
	}
	seq, last, err := lockHead(ctx, p.tx)
	if err != nil {
		return nil, fmt.Errorf("apply %v %q: %w (%w)", ops[0].Kind, ops[0].Key, err, iog.ErrUnavailable)
	}
	if seq != p.seq || !bytes.Equal(last, p.last) {
		return p.l.ApplyTx(ctx, p.tx, ops)
	}
	b := p.book
	// Applied or not, the book is spent: a failed batch may have left it
	// part changed, and a recorded one moved the head.
	p.book = nil
	return p.l.applyRead(ctx, p.tx, ops, p.entries, func() (*book, error) { return b, nil }, seq, last)
}

// covers reports whether the prefetch read all that ops touch.
func (p *SQLPrefetch) covers(ops []Op) bool {
	if p.book == nil {
		return false
	}
	for _, op := range ops {
		if op.Kind == Release || !p.keysRead[op.Key] {
			return false
		}
		for _, w := range []iog.WalletAddress{op.From, op.To} {
			if !w.IsZero() && !p.read[w] {
				return false
			}
		}
	}
	return true
}
