package ledger

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/internetofgpus/iog"
)

// AccountEntry is an entry as one account saw it: the entry, and what it
// changed of the account's balances in the entry's currency (negative for
// a debit). A Hold moves Available to Held; a Release debits the holder's
// Held and credits the payee's Available, both at once when the holder is
// paid back.
type AccountEntry struct {
	Entry
	Available, Held iog.Amount
}

// Flow is what came into an account and what left it in one currency,
// over all its entries: moves between its own available and held
// balances (a hold, a refund of it) are neither.
type Flow struct {
	Currency iog.Currency
	In, Out  iog.Amount
}

// accountDelta is what one entry changed of one account's balances.
type accountDelta struct {
	account         iog.WalletAddress
	available, held int64
}

// deltasOf returns what an entry's op changed of each account it moved,
// in the order they first appear; holder is the account a Release draws
// on.
func deltasOf(op Op, holder iog.WalletAddress) []accountDelta {
	var out []accountDelta
	add := func(w iog.WalletAddress, available, held int64) {
		for i := range out {
			if out[i].account == w {
				out[i].available += available
				out[i].held += held
				return
			}
		}
		out = append(out, accountDelta{account: w, available: available, held: held})
	}
	u := op.Amount.Units()
	switch op.Kind {
	case Mint:
		add(op.To, u, 0)
	case Burn:
		add(op.From, -u, 0)
	case Transfer:
		add(op.From, -u, 0)
		add(op.To, u, 0)
	case Hold:
		add(op.From, -u, u)
	case Release:
		add(holder, 0, -u)
		add(op.To, u, 0)
	}
	return out
}

// indexEntries records, in the batch's transaction, which accounts each
// of its entries moved and by how much. The rows go in the order of the
// table's key (account, seq): a batch over many accounts then inserts
// into its index from end to end, each page read once, rather than at
// random.
func indexEntries(ctx context.Context, tx *sql.Tx, b *book, entries []Entry, names addressTexts) error {
	type row struct {
		account string
		seq     int64
		d       accountDelta
		c       iog.Currency
	}
	rows := make([]row, 0, len(entries))
	for _, e := range entries {
		var holder iog.WalletAddress
		if e.Op.Kind == Release {
			holder = b.holds[e.Op.HoldKey].from
		}
		for _, d := range deltasOf(e.Op, holder) {
			rows = append(rows, row{names.of(d.account), int64(e.Seq), d, e.Op.Amount.Currency()})
		}
	}
	slices.SortFunc(rows, func(x, y row) int {
		return cmp.Or(strings.Compare(x.account, y.account), cmp.Compare(x.seq, y.seq))
	})
	return insertRows(ctx, tx, "INSERT INTO ledger_account_entries (account, seq, currency, available, held)", "", 5, len(rows), func(i int, args []any) []any {
		r := rows[i]
		return append(args, r.account, r.seq, int64(r.c), r.d.available, r.d.held)
	})
}

// EntriesOf returns up to limit of the entries that moved an account's
// balances, in order, from the first after seq (0 for the first of all),
// each with what it changed of them. It is empty past the last; an
// account never moved has none.
func (l *SQL) EntriesOf(ctx context.Context, account iog.WalletAddress, after uint64, limit int) ([]AccountEntry, error) {
	return l.accountEntries(ctx, account, "x.seq > $2 ORDER BY x.seq", after, limit)
}

// EntriesOfBefore is EntriesOf the other way: up to limit of the
// account's entries, the latest first, from the last before seq (0 for
// the last of all).
func (l *SQL) EntriesOfBefore(ctx context.Context, account iog.WalletAddress, before uint64, limit int) ([]AccountEntry, error) {
	if before == 0 {
		before = 1<<63 - 1
	}
	return l.accountEntries(ctx, account, "x.seq < $2 ORDER BY x.seq DESC", before, limit)
}

// accountEntries reads up to limit of an account's entries by its index,
// those whose seq the range (on $2, seq) selects, in its order.
func (l *SQL) accountEntries(ctx context.Context, account iog.WalletAddress, seqRange string, seq uint64, limit int) ([]AccountEntry, error) {
	if limit < 1 {
		return nil, fmt.Errorf("entries of %v: a limit of %d: want at least 1: %w", account, limit, iog.ErrInvalid)
	}
	var out []AccountEntry
	err := scanRows(ctx, l.db, `SELECT e.seq, e.prev, e.hash, e.signature, e.body, x.available, x.held
		FROM ledger_account_entries x JOIN ledger_entries e ON e.seq = x.seq
		WHERE x.account = $1 AND `+seqRange+` LIMIT $3`,
		[]any{account.String(), int64(min(seq, 1<<63-1)), limit}, func(rows *sql.Rows) error {
			var available, held int64
			e, _, err := scanEntry(rows, &available, &held)
			if err != nil {
				return err
			}
			c := e.Op.Amount.Currency()
			out = append(out, AccountEntry{Entry: e, Available: iog.NewAmount(available, c), Held: iog.NewAmount(held, c)})
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("entries of %v: %w (%w)", account, err, iog.ErrUnavailable)
	}
	return out, nil
}

// EntriesAfter returns up to limit entries in the order of their seq,
// from the first after seq (0 for the first of all): the whole ledger a
// page at a time, as a reader that mirrors it elsewhere (an outbox) walks
// it. It is empty past the last entry. Seqs have no gaps, so the page
// after seq s holds s+1, s+2… as far as there are entries.
func (l *SQL) EntriesAfter(ctx context.Context, seq uint64, limit int) ([]Entry, error) {
	if limit < 1 {
		return nil, fmt.Errorf("entries after %d: a limit of %d: want at least 1: %w", seq, limit, iog.ErrInvalid)
	}
	var out []Entry
	err := scanRows(ctx, l.db, "SELECT seq, prev, hash, signature, body FROM ledger_entries WHERE seq > $1 ORDER BY seq LIMIT $2",
		[]any{int64(min(seq, 1<<63-1)), limit}, func(rows *sql.Rows) error {
			e, _, err := scanEntry(rows)
			out = append(out, e)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("entries after %d: %w (%w)", seq, err, iog.ErrUnavailable)
	}
	return out, nil
}

// Len returns how many entries the ledger holds: the seq of its last.
func (l *SQL) Len(ctx context.Context) (uint64, error) {
	var seq int64
	if err := l.db.QueryRowContext(ctx, "SELECT seq FROM ledger_head WHERE id = 1").Scan(&seq); err != nil {
		return 0, fmt.Errorf("the ledger's length: %w (%w)", err, iog.ErrUnavailable)
	}
	return uint64(seq), nil
}

// FlowsOf returns what came into an account and what left it, over all
// its entries, for each currency it moved, in the order of the
// currencies.
func (l *SQL) FlowsOf(ctx context.Context, account iog.WalletAddress) ([]Flow, error) {
	var out []Flow
	err := scanRows(ctx, l.db, `SELECT currency,
			CAST(SUM(CASE WHEN available + held > 0 THEN available + held ELSE 0 END) AS BIGINT),
			CAST(SUM(CASE WHEN available + held < 0 THEN -(available + held) ELSE 0 END) AS BIGINT)
		FROM ledger_account_entries WHERE account = $1 GROUP BY currency ORDER BY currency`,
		[]any{account.String()}, func(rows *sql.Rows) error {
			var c, in, outUnits int64
			if err := rows.Scan(&c, &in, &outUnits); err != nil {
				return err
			}
			if c <= 0 || c >= numCurrencies {
				return fmt.Errorf("an account entry in currency %d: %w", c, ErrTampered)
			}
			cur := iog.Currency(c)
			out = append(out, Flow{Currency: cur, In: iog.NewAmount(in, cur), Out: iog.NewAmount(outUnits, cur)})
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("flows of %v: %w (%w)", account, err, iog.ErrUnavailable)
	}
	return out, nil
}
