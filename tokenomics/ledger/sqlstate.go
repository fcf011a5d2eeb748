package ledger

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/parallel"
	"github.com/internetofgpus/iog/internal/sqldb"
)

// sqlMigrations are the SQL ledger's tables. An account is a row of
// ledger_accounts, its balances rows of ledger_balances (a currency it
// never held has none); amounts are base units. Holds stay, spent, with
// nothing remaining, as the book keeps them. Each entry's body is the
// JSON record body of the file format (record.go); hash and signature
// chain and sign it as there.
var sqlMigrations = []sqldb.Migration{{
	Version: 1,
	Name:    "accounts, balances, holds, supply, entries and the chain head",
	Statements: []string{
		`CREATE TABLE ledger_head (
			id BIGINT PRIMARY KEY,
			authority BYTEA NOT NULL,
			seq BIGINT NOT NULL,
			hash BYTEA NOT NULL
		)`,
		`CREATE TABLE ledger_entries (
			seq BIGINT PRIMARY KEY,
			key TEXT NOT NULL UNIQUE,
			prev BYTEA NOT NULL,
			hash BYTEA NOT NULL,
			signature BYTEA NOT NULL,
			body BYTEA NOT NULL
		)`,
		`CREATE TABLE ledger_accounts (
			account TEXT PRIMARY KEY,
			opened BIGINT NOT NULL
		)`,
		`CREATE TABLE ledger_balances (
			account TEXT NOT NULL REFERENCES ledger_accounts (account),
			currency BIGINT NOT NULL,
			available BIGINT NOT NULL,
			held BIGINT NOT NULL,
			PRIMARY KEY (account, currency)
		)`,
		`CREATE TABLE ledger_holds (
			key TEXT PRIMARY KEY,
			account TEXT NOT NULL REFERENCES ledger_accounts (account),
			currency BIGINT NOT NULL,
			remaining BIGINT NOT NULL
		)`,
		`CREATE TABLE ledger_supply (
			currency BIGINT PRIMARY KEY,
			units BIGINT NOT NULL
		)`,
	},
}, {
	Version: 2,
	Name:    "the entries that touched each account",
	Statements: []string{
		// One row for each entry that moved an account's balances: what
		// it changed of them (negative for a debit), in the entry's
		// currency, so that an account's entries and its totals are read
		// by the account, without scanning the chain. Entries recorded
		// before this step are not in it.
		`CREATE TABLE ledger_account_entries (
			account TEXT NOT NULL,
			seq BIGINT NOT NULL,
			currency BIGINT NOT NULL,
			available BIGINT NOT NULL,
			held BIGINT NOT NULL,
			PRIMARY KEY (account, seq)
		)`,
	},
}}

// querier is what reads need of a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// inChunk is how many values one IN (…) list carries, well under both
// databases' limits on parameters.
const inChunk = 500

// rowSet selects rows of a table: query is a SELECT without a WHERE
// clause, column the column a set of values picks rows by.
type rowSet func(ctx context.Context, q querier, query, column string, scan func(*sql.Rows) error) error

// allRows selects every row.
func allRows(ctx context.Context, q querier, query, _ string, scan func(*sql.Rows) error) error {
	return scanRows(ctx, q, query, nil, scan)
}

// rowsIn selects the rows whose column is one of values (none for no
// values), in chunks, in the order of the values: each chunk then reads
// one range of the column's index, and a batch over many keys reads each
// of the index's pages once, rather than once a chunk from a page cache
// too small to keep them between chunks.
func rowsIn(values []string) rowSet {
	values = slices.Clone(values)
	slices.Sort(values)
	return func(ctx context.Context, q querier, query, column string, scan func(*sql.Rows) error) error {
		for start := 0; start < len(values); start += inChunk {
			chunk := values[start:min(start+inChunk, len(values))]
			marks := make([]string, len(chunk))
			args := make([]any, len(chunk))
			for i, v := range chunk {
				marks[i] = fmt.Sprintf("$%d", i+1)
				args[i] = v
			}
			if err := scanRows(ctx, q, query+" WHERE "+column+" IN ("+strings.Join(marks, ", ")+")", args, scan); err != nil {
				return err
			}
		}
		return nil
	}
}

func scanRows(ctx context.Context, q querier, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// entriesByKey returns the entries recorded under any of keys.
func (l *SQL) entriesByKey(ctx context.Context, q querier, keys []string) (map[string]Entry, error) {
	found := make(map[string]Entry)
	err := rowsIn(keys)(ctx, q, "SELECT seq, prev, hash, signature, body FROM ledger_entries", "key", func(rows *sql.Rows) error {
		e, _, err := scanEntry(rows)
		if err != nil {
			return err
		}
		found[e.Op.Key] = e
		return nil
	})
	return found, err
}

// scanEntry reads a row of seq, prev, hash, signature and body into an
// entry, and returns the body too. It checks the row's form, not its
// hashes: Verify does.
// Columns after those five are scanned into extra.
func scanEntry(rows *sql.Rows, extra ...any) (Entry, []byte, error) {
	var seq int64
	var prev, hash, sig, body []byte
	if err := rows.Scan(append([]any{&seq, &prev, &hash, &sig, &body}, extra...)...); err != nil {
		return Entry{}, nil, err
	}
	e, _, err := decodeBody(body)
	if err != nil || len(prev) != 32 || len(hash) != 32 || uint64(seq) != e.Seq {
		return Entry{}, nil, fmt.Errorf("entry %d: row does not hold a ledger entry (%v): %w", seq, err, ErrTampered)
	}
	e.Prev, e.Hash, e.Signature = [32]byte(prev), [32]byte(hash), signatureOf(sig)
	return e, body, nil
}

// loadBook reads into a new book the part of the ledger's state that ops
// touch: the holds they release from, the accounts they name or whose
// holds they release, and the supply.
func loadBook(ctx context.Context, q querier, ops []Op) (*book, error) {
	b := newBook()
	var holdKeys []string
	for _, op := range ops {
		if op.Kind == Release {
			holdKeys = append(holdKeys, op.HoldKey)
		}
	}
	if err := loadHolds(ctx, q, b, rowsIn(holdKeys)); err != nil {
		return nil, err
	}
	seen := make(map[iog.WalletAddress]bool)
	var accounts []string
	add := func(w iog.WalletAddress) {
		if !w.IsZero() && !seen[w] {
			seen[w] = true
			accounts = append(accounts, w.String())
		}
	}
	for _, op := range ops {
		add(op.From)
		add(op.To)
	}
	for _, h := range b.holds {
		add(h.from)
	}
	if err := loadAccountsIn(ctx, q, b, accounts); err != nil {
		return nil, err
	}
	return b, loadSupply(ctx, q, b)
}

// loadAccountsIn reads into b those of accounts that are open, with
// their balances, in one read: a batch over many accounts (an epoch's)
// reads each account's rows once.
func loadAccountsIn(ctx context.Context, q querier, b *book, accounts []string) error {
	return rowsIn(accounts)(ctx, q, `SELECT a.account, b.currency, b.available, b.held
		FROM ledger_accounts a LEFT JOIN ledger_balances b ON b.account = a.account`, "a.account", func(rows *sql.Rows) error {
		var text string
		var c, avail, held sql.NullInt64
		if err := rows.Scan(&text, &c, &avail, &held); err != nil {
			return err
		}
		w, err := storedWallet(text)
		if err != nil {
			return err
		}
		if b.accounts[w] == nil {
			b.accounts[w] = &account{}
		}
		if !c.Valid {
			// An account that holds no currency yet.
			return nil
		}
		return setBalance(b, text, w, c.Int64, avail.Int64, held.Int64)
	})
}

// loadAccounts reads into b every account, then every balance, each by
// its own query, so that Verify finds a balance row whose account is not
// open.
func loadAccounts(ctx context.Context, q querier, b *book) error {
	err := allRows(ctx, q, "SELECT account FROM ledger_accounts", "account", func(rows *sql.Rows) error {
		var text string
		if err := rows.Scan(&text); err != nil {
			return err
		}
		w, err := storedWallet(text)
		b.accounts[w] = &account{}
		return err
	})
	if err != nil {
		return err
	}
	return allRows(ctx, q, "SELECT account, currency, available, held FROM ledger_balances", "account", func(rows *sql.Rows) error {
		var text string
		var c, avail, held int64
		if err := rows.Scan(&text, &c, &avail, &held); err != nil {
			return err
		}
		w, err := storedWallet(text)
		if err != nil {
			return err
		}
		return setBalance(b, text, w, c, avail, held)
	})
}

// setBalance sets in b the balance row (text, c) of account w read, as
// an open account's in a currency, or reports the row tampered with.
func setBalance(b *book, text string, w iog.WalletAddress, c, avail, held int64) error {
	a, ok := b.accounts[w]
	if !ok || c <= 0 || c >= numCurrencies {
		return fmt.Errorf("balance row (%s, %d) names no open account or currency: %w", text, c, ErrTampered)
	}
	a.avail[c], a.held[c] = avail, held
	return nil
}

// loadHolds reads into b the holds of a set.
func loadHolds(ctx context.Context, q querier, b *book, set rowSet) error {
	return set(ctx, q, "SELECT key, account, currency, remaining FROM ledger_holds", "key", func(rows *sql.Rows) error {
		key, h, err := scanHold(rows)
		b.holds[key] = h
		return err
	})
}

func scanHold(rows *sql.Rows) (string, *hold, error) {
	var key, from string
	var c, remaining int64
	if err := rows.Scan(&key, &from, &c, &remaining); err != nil {
		return "", nil, err
	}
	w, err := storedWallet(from)
	if err != nil {
		return "", nil, err
	}
	if c <= 0 || c >= numCurrencies {
		return "", nil, fmt.Errorf("hold %q is in currency %d: %w", key, c, ErrTampered)
	}
	return key, &hold{from: w, currency: iog.Currency(c), remaining: remaining}, nil
}

func loadSupply(ctx context.Context, q querier, b *book) error {
	return scanRows(ctx, q, "SELECT currency, units FROM ledger_supply", nil, func(rows *sql.Rows) error {
		var c, units int64
		if err := rows.Scan(&c, &units); err != nil {
			return err
		}
		if c <= 0 || c >= numCurrencies {
			return fmt.Errorf("supply row of currency %d: %w", c, ErrTampered)
		}
		b.supply[c] = units
		return nil
	})
}

func storedWallet(text string) (iog.WalletAddress, error) {
	w, err := iog.ParseWalletAddress(text)
	if err != nil {
		return w, fmt.Errorf("stored account %q: %v: %w", text, err, ErrTampered)
	}
	return w, nil
}

// storeBook writes back what the entries of a batch changed in b: the
// accounts they opened, the balances, holds and supply they moved.
func storeBook(ctx context.Context, tx *sql.Tx, b *book, entries []Entry, names addressTexts) error {
	type balanceKey struct {
		w iog.WalletAddress
		c iog.Currency
	}
	type balanceRow struct {
		balanceKey
		text string
	}
	var balances []balanceRow
	seenBalance := make(map[balanceKey]bool)
	touch := func(w iog.WalletAddress, c iog.Currency) {
		k := balanceKey{w, c}
		if !w.IsZero() && !seenBalance[k] {
			seenBalance[k] = true
			balances = append(balances, balanceRow{k, names.of(w)})
		}
	}
	var holds []string
	seenHold := make(map[string]bool)
	supply := make(map[iog.Currency]bool)
	var opened []Entry
	for _, e := range entries {
		op, c := e.Op, e.Op.Amount.Currency()
		switch op.Kind {
		case Open:
			opened = append(opened, e)
			continue
		case Mint, Burn:
			supply[c] = true
		case Hold, Release:
			key := op.Key
			if op.Kind == Release {
				key = op.HoldKey
			}
			if !seenHold[key] {
				seenHold[key] = true
				holds = append(holds, key)
			}
			touch(b.holds[key].from, c)
		}
		touch(op.From, c)
		touch(op.To, c)
	}
	// The accounts first: balances and holds name them.
	err := insertRows(ctx, tx, "INSERT INTO ledger_accounts (account, opened)", "", 2, len(opened), func(i int, args []any) []any {
		return append(args, names.of(opened[i].Op.To), int64(opened[i].Seq))
	})
	if err != nil {
		return err
	}
	// Each balance and hold is once in the lists, as an upsert of
	// PostgreSQL's may touch a row only once a statement. The balances go
	// in the order of their key, so that the upserts walk the table's
	// index once from end to end.
	slices.SortFunc(balances, func(x, y balanceRow) int {
		return cmp.Or(strings.Compare(x.text, y.text), cmp.Compare(x.c, y.c))
	})
	err = insertRows(ctx, tx, "INSERT INTO ledger_balances (account, currency, available, held)",
		" ON CONFLICT (account, currency) DO UPDATE SET available = excluded.available, held = excluded.held", 4, len(balances), func(i int, args []any) []any {
			k := balances[i]
			a := b.accounts[k.w]
			return append(args, k.text, int64(k.c), a.avail[k.c], a.held[k.c])
		})
	if err != nil {
		return err
	}
	err = insertRows(ctx, tx, "INSERT INTO ledger_holds (key, account, currency, remaining)",
		" ON CONFLICT (key) DO UPDATE SET remaining = excluded.remaining", 4, len(holds), func(i int, args []any) []any {
			h := b.holds[holds[i]]
			return append(args, holds[i], names.of(h.from), int64(h.currency), h.remaining)
		})
	if err != nil {
		return err
	}
	for c := range supply {
		if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_supply (currency, units) VALUES ($1, $2)
			ON CONFLICT (currency) DO UPDATE SET units = excluded.units`, int64(c), b.supply[c]); err != nil {
			return err
		}
	}
	return indexEntries(ctx, tx, b, entries, names)
}

// addressTexts memoizes the text of wallet addresses over a batch: an
// epoch's names each of 100,000 accounts in several rows, and encoding an
// address in base58 costs more than a map lookup.
type addressTexts map[iog.WalletAddress]string

// textsOf returns the texts of the wallets entries name, encoded on
// every core.
func textsOf(entries []Entry) addressTexts {
	m := addressTexts{}
	var wallets []iog.WalletAddress
	add := func(w iog.WalletAddress) {
		if _, ok := m[w]; !ok && !w.IsZero() {
			m[w] = ""
			wallets = append(wallets, w)
		}
	}
	for _, e := range entries {
		add(e.Op.From)
		add(e.Op.To)
		for _, b := range e.Balances {
			add(b.Account)
		}
	}
	texts := make([]string, len(wallets))
	_ = parallel.Do(len(wallets), func(i int) error {
		texts[i] = wallets[i].String()
		return nil
	})
	for i, w := range wallets {
		m[w] = texts[i]
	}
	return m
}

// of returns w's text, memoizing it.
func (m addressTexts) of(w iog.WalletAddress) string {
	text, ok := m[w]
	if !ok {
		text = w.String()
		m[w] = text
	}
	return text
}

// known returns w's text without memoizing it, for readers of m on
// several goroutines.
func (m addressTexts) known(w iog.WalletAddress) string {
	if text, ok := m[w]; ok {
		return text
	}
	return w.String()
}

// Verify reads the whole ledger back in one consistent view and replays
// it: every entry's hash chain and signature, every operation against the
// balances before it, every recorded balance against the replayed one;
// then it compares the replayed balances, holds and supply with the
// tables, and the last entry with the head. A failure is ErrTampered and
// names the entry.
func (l *SQL) Verify(ctx context.Context) error {
	var opts *sql.TxOptions
	if l.dialect == sqldb.Postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := l.db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("verify SQL ledger: %w (%w)", err, iog.ErrUnavailable)
	}
	defer tx.Rollback()
	replayed, last, n, err := l.replay(ctx, tx)
	if err != nil {
		return fmt.Errorf("verify SQL ledger: %w", err)
	}
	var headSeq int64
	var headHash []byte
	if err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM ledger_head WHERE id = 1").Scan(&headSeq, &headHash); err != nil {
		return fmt.Errorf("verify SQL ledger: head: %w", err)
	}
	if uint64(headSeq) != n || string(headHash) != string(last[:]) {
		return fmt.Errorf("verify SQL ledger: the head names entry %d, the chain ends at %d: %w", headSeq, n, ErrTampered)
	}
	stored := newBook()
	err = loadAccounts(ctx, tx, stored)
	if err == nil {
		err = loadHolds(ctx, tx, stored, allRows)
	}
	if err == nil {
		err = loadSupply(ctx, tx, stored)
	}
	if err != nil {
		return fmt.Errorf("verify SQL ledger: %w", err)
	}
	if d := stored.diff(replayed); d != "" {
		return fmt.Errorf("verify SQL ledger: %s: %w", d, ErrTampered)
	}
	return nil
}

// replay replays every entry in order on a new book, checking each as
// the file's scan does, and returns the book, the last hash and the
// number of entries.
func (l *SQL) replay(ctx context.Context, q querier) (*book, [32]byte, uint64, error) {
	b := newBook()
	last := genesisHash(l.pub)
	rows, err := q.QueryContext(ctx, "SELECT seq, prev, hash, signature, body FROM ledger_entries ORDER BY seq")
	if err != nil {
		return nil, last, 0, err
	}
	defer rows.Close()
	var n uint64
	more := false
	for rows.Next() {
		n++
		e, body, err := scanEntry(rows)
		if err != nil {
			return nil, last, n, err
		}
		if e.Seq != n || e.Prev != last {
			return nil, last, n, fmt.Errorf("entry %d: does not follow entry %d: %w", e.Seq, n-1, ErrTampered)
		}
		if _, more, err = replayRecord(b, l.pub, n, last, body, e.Hash, e.Signature); err != nil {
			return nil, last, n, fmt.Errorf("entry %d: %v: %w", n, err, ErrTampered)
		}
		last = e.Hash
	}
	if err := rows.Err(); err != nil {
		return nil, last, n, err
	}
	if more {
		// A batch commits whole: one cut short is not the authority's.
		return nil, last, n, fmt.Errorf("entry %d: the ledger ends inside an atomic batch, its last entry unsigned: %w", n, ErrTampered)
	}
	return b, last, n, nil
}
