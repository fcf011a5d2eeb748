package ledger

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/parallel"
	"github.com/internetofgpus/iog/internal/sqldb"
)

// SQLConfig configures a SQL ledger.
type SQLConfig struct {
	// Authority is the ledger's ed25519 key (a Solana keypair; see
	// iog.ParseSolanaKeypair): it signs every entry, and a database whose
	// ledger another key signed is refused. Required.
	Authority ed25519.PrivateKey
	// Clock stamps the entries. Nil means iog.SystemClock.
	Clock iog.Clock
}

// SQL is a Ledger in a SQL database (SQLite or PostgreSQL, through any
// database/sql driver), hash-chained and signed as the File ledger is: each
// entry's body is the File's record body, chained to the entry before and
// signed by the authority. Balances, holds and supply live in tables beside
// the entries, so a query reads one row and a restart replays nothing.
//
// Its point is ApplyTx: the ops of a batch applied inside the caller's own
// transaction, so that a server's state rows and the ledger entries that
// pay for them commit together or not at all. Several processes may share
// the database: writers of the ledger are serialized by its head row.
// Create one with OpenSQL; it keeps no state of its own in memory.
type SQL struct {
	db      *sql.DB
	dialect sqldb.Dialect
	cfg     SQLConfig
	pub     ed25519.PublicKey
}

var _ Ledger = (*SQL)(nil)

// OpenSQL opens the ledger in db, creating or migrating its tables (named
// ledger_*). A ledger signed by another authority is iog.ErrUnauthorized.
// The caller keeps db and closes it after it is done with the ledger.
func OpenSQL(ctx context.Context, db *sql.DB, cfg SQLConfig) (*SQL, error) {
	if len(cfg.Authority) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("open SQL ledger: no ed25519 authority key: %w", iog.ErrInvalid)
	}
	cfg.Clock = clockOr(cfg.Clock)
	d, err := migrateSQL(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("open SQL ledger: %w", err)
	}
	l := &SQL{db: db, dialect: d, cfg: cfg, pub: cfg.Authority.Public().(ed25519.PublicKey)}
	genesis := genesisHash(l.pub)
	if _, err := db.ExecContext(ctx, "INSERT INTO ledger_head (id, authority, seq, hash) VALUES (1, $1, 0, $2) ON CONFLICT (id) DO NOTHING", []byte(l.pub), genesis[:]); err != nil {
		return nil, fmt.Errorf("open SQL ledger: %w", err)
	}
	var stored []byte
	if err := db.QueryRowContext(ctx, "SELECT authority FROM ledger_head WHERE id = 1").Scan(&stored); err != nil {
		return nil, fmt.Errorf("open SQL ledger: %w", err)
	}
	if !l.pub.Equal(ed25519.PublicKey(stored)) {
		return nil, fmt.Errorf("open SQL ledger: signed by authority %x, not the key given (%x): %w", stored[:min(8, len(stored))], []byte(l.pub[:8]), iog.ErrUnauthorized)
	}
	return l, nil
}

// MigrateSQL creates or migrates the ledger's tables in db, as OpenSQL
// does, and writes nothing else: the ledger's first entry, its authority,
// is written when it is first opened.
func MigrateSQL(ctx context.Context, db *sql.DB) error {
	if _, err := migrateSQL(ctx, db); err != nil {
		return fmt.Errorf("migrate SQL ledger: %w", err)
	}
	return nil
}

func migrateSQL(ctx context.Context, db *sql.DB) (sqldb.Dialect, error) {
	d, err := sqldb.Detect(ctx, db)
	if err != nil {
		return d, err
	}
	return d, sqldb.Migrate(ctx, db, d, "ledger", sqlMigrations)
}

// Authority returns the wallet address of the ledger's authority key.
func (l *SQL) Authority() iog.WalletAddress {
	w, _ := iog.WalletAddressOf(l.pub)
	return w
}

// Apply implements Ledger, in a transaction of its own.
func (l *SQL) Apply(ctx context.Context, op Op) (Entry, error) {
	entries, err := l.ApplyAll(ctx, []Op{op})
	return first(entries), err
}

// ApplyAll implements Ledger, in a transaction of its own.
func (l *SQL) ApplyAll(ctx context.Context, ops []Op) ([]Entry, error) {
	if err := startBatch(ctx, ops); err != nil {
		return nil, err
	}
	var entries []Entry
	err := sqldb.InTx(ctx, l.db, func(tx *sql.Tx) error {
		var err error
		entries, err = l.ApplyTx(ctx, tx, ops)
		return err
	})
	if errors.Is(err, ErrReplayed) {
		return entries, err
	}
	if err != nil {
		return nil, err
	}
	return entries, nil
}

// ApplyTx applies ops as ApplyAll does, inside tx, a transaction on the
// ledger's database that the caller commits or rolls back: the entries
// exist when tx commits, and never if it does not. A retried batch returns
// its entries and ErrReplayed, having written nothing. Any other error
// leaves tx for the caller to roll back.
//
// ApplyTx locks the ledger's head row until tx ends, so ledger writers
// (in any process) wait for one another; a caller that also locks rows of
// its own should take them in one order everywhere, or be ready to retry
// (sqldb.InTx does).
func (l *SQL) ApplyTx(ctx context.Context, tx *sql.Tx, ops []Op) ([]Entry, error) {
	if err := startBatch(ctx, ops); err != nil {
		return nil, err
	}
	wrap := func(err error) error {
		return fmt.Errorf("apply %v %q: %w (%w)", ops[0].Kind, ops[0].Key, err, iog.ErrUnavailable)
	}
	seq, last, err := lockHead(ctx, tx)
	if err != nil {
		return nil, wrap(err)
	}
	prior, err := l.entriesByKey(ctx, tx, opKeys(ops))
	if err != nil {
		return nil, wrap(err)
	}
	return l.applyRead(ctx, tx, ops, prior, func() (*book, error) { return loadBook(ctx, tx, ops) }, seq, last)
}

// lockHead returns the ledger's head, the number of entries and the last
// hash, and locks it until tx ends: writing the row takes its lock (a row
// lock on PostgreSQL; SQLite's write transactions exclude each other
// anyway).
func lockHead(ctx context.Context, tx *sql.Tx) (uint64, []byte, error) {
	var seq uint64
	var last []byte
	err := tx.QueryRowContext(ctx, "UPDATE ledger_head SET seq = seq WHERE id = 1 RETURNING seq, hash").Scan(&seq, &last)
	if err == nil && len(last) != 32 {
		err = fmt.Errorf("the head's hash is %d bytes: %w", len(last), ErrTampered)
	}
	return seq, last, err
}

// applyRead applies ops in tx, with the head (seq, last) locked, given
// prior, the entries under their keys, and load, which returns the part
// of the ledger's state they touch; it is ApplyTx past its reads.
func (l *SQL) applyRead(ctx context.Context, tx *sql.Tx, ops []Op, prior map[string]Entry, load func() (*book, error), seq uint64, last []byte) ([]Entry, error) {
	wrap := func(err error) error {
		return fmt.Errorf("apply %v %q: %w (%w)", ops[0].Kind, ops[0].Key, err, iog.ErrUnavailable)
	}
	if entries, found, err := replayedBatch(ops, func(key string) (Entry, bool, error) {
		e, ok := prior[key]
		return e, ok, nil
	}); found {
		return entries, err
	}
	b, err := load()
	if err != nil {
		return nil, wrap(err)
	}
	b.seq = seq
	entries, err := b.applyBatch(ops, l.cfg.Clock.Now().UTC())
	if err != nil {
		return nil, err
	}
	if err := l.record(ctx, tx, b, entries, [32]byte(last)); err != nil {
		return nil, wrap(err)
	}
	return entries, nil
}

func opKeys(ops []Op) []string {
	keys := make([]string, len(ops))
	for i, op := range ops {
		keys[i] = op.Key
	}
	return keys
}

// record seals the entries of a batch applied to b, the slice of the
// ledger's state the batch touched (sealBatch: one signature, of its
// last entry), and writes them with that state. The bodies are encoded
// on every core: only the chain of hashes between them is sequential.
func (l *SQL) record(ctx context.Context, tx *sql.Tx, b *book, entries []Entry, last [32]byte) error {
	names := textsOf(entries)
	bodies := make([][]byte, len(entries))
	err := parallel.Do(len(entries), func(i int) error {
		var err error
		bodies[i], err = encodeBody(&entries[i], i < len(entries)-1, names.known)
		return err
	})
	if err != nil {
		return err
	}
	last = sealBatch(entries, bodies, last, l.cfg.Authority)
	// The rows go in the order of their keys, the one index of the table
	// whose new rows do not all follow its last: a batch over many keys
	// then inserts into it from end to end, each page read once.
	byKey := make([]int, len(entries))
	for i := range byKey {
		byKey[i] = i
	}
	slices.SortFunc(byKey, func(i, j int) int { return strings.Compare(entries[i].Op.Key, entries[j].Op.Key) })
	err = insertRows(ctx, tx, "INSERT INTO ledger_entries (seq, key, prev, hash, signature, body)", "", 6, len(entries), func(i int, args []any) []any {
		e := &entries[byKey[i]]
		return append(args, int64(e.Seq), e.Op.Key, e.Prev[:], e.Hash[:], append([]byte{}, e.Signature...), bodies[byKey[i]])
	})
	if err != nil {
		return err
	}
	if err := storeBook(ctx, tx, b, entries, names); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "UPDATE ledger_head SET seq = $1, hash = $2 WHERE id = 1", int64(b.seq)+int64(len(entries)), last[:])
	return err
}

// Entry implements Ledger.
func (l *SQL) Entry(ctx context.Context, key string) (Entry, error) {
	return l.entry(ctx, l.db, key)
}

// EntryTx is Entry as tx sees it.
func (l *SQL) EntryTx(ctx context.Context, tx *sql.Tx, key string) (Entry, error) {
	return l.entry(ctx, tx, key)
}

func (l *SQL) entry(ctx context.Context, q querier, key string) (Entry, error) {
	found, err := l.entriesByKey(ctx, q, []string{key})
	if err != nil {
		return Entry{}, fmt.Errorf("entry %q: %w (%w)", key, err, iog.ErrUnavailable)
	}
	e, ok := found[key]
	if !ok {
		return Entry{}, fmt.Errorf("entry %q: no operation was applied under that key: %w", key, iog.ErrNotFound)
	}
	return e, nil
}

// EntriesTx returns the entries applied under any of keys, by key, as tx
// sees them: a key never applied is absent. It reads them a few hundred
// keys a query, where Entry reads one.
func (l *SQL) EntriesTx(ctx context.Context, tx *sql.Tx, keys []string) (map[string]Entry, error) {
	found, err := l.entriesByKey(ctx, tx, keys)
	if err != nil {
		return nil, fmt.Errorf("entries of %d keys: %w (%w)", len(keys), err, iog.ErrUnavailable)
	}
	return found, nil
}

// OpenedTx returns which of accounts are open, as tx sees them: an
// account not open is absent. It reads them a few hundred a query.
func (l *SQL) OpenedTx(ctx context.Context, tx *sql.Tx, accounts []iog.WalletAddress) (map[iog.WalletAddress]bool, error) {
	texts := make([]string, len(accounts))
	for i, w := range accounts {
		texts[i] = w.String()
	}
	opened := make(map[iog.WalletAddress]bool, len(accounts))
	err := rowsIn(texts)(ctx, tx, "SELECT account FROM ledger_accounts", "account", func(rows *sql.Rows) error {
		var text string
		if err := rows.Scan(&text); err != nil {
			return err
		}
		w, err := storedWallet(text)
		opened[w] = true
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("open accounts among %d: %w (%w)", len(accounts), err, iog.ErrUnavailable)
	}
	return opened, nil
}

// Balance implements Ledger.
func (l *SQL) Balance(ctx context.Context, account iog.WalletAddress, c iog.Currency) (Balance, error) {
	return l.balance(ctx, l.db, account, c)
}

// BalanceTx is Balance as tx sees it: with the entries tx applied and not
// yet committed.
func (l *SQL) BalanceTx(ctx context.Context, tx *sql.Tx, account iog.WalletAddress, c iog.Currency) (Balance, error) {
	return l.balance(ctx, tx, account, c)
}

func (l *SQL) balance(ctx context.Context, q rowQuerier, account iog.WalletAddress, c iog.Currency) (Balance, error) {
	if !c.Valid() || int(c) >= numCurrencies {
		return Balance{}, fmt.Errorf("balance of %v: %v is not a currency: %w", account, c, iog.ErrInvalid)
	}
	var avail, held sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT b.available, b.held FROM ledger_accounts a
		LEFT JOIN ledger_balances b ON b.account = a.account AND b.currency = $2
		WHERE a.account = $1`, account.String(), int64(c)).Scan(&avail, &held)
	if errors.Is(err, sql.ErrNoRows) {
		return Balance{}, fmt.Errorf("balance: account %v is not open: %w", account, iog.ErrNotFound)
	}
	if err != nil {
		return Balance{}, fmt.Errorf("balance of %v: %w (%w)", account, err, iog.ErrUnavailable)
	}
	return Balance{Account: account, Currency: c, Available: iog.NewAmount(avail.Int64, c), Held: iog.NewAmount(held.Int64, c)}, nil
}

// Supply implements Ledger.
func (l *SQL) Supply(ctx context.Context, c iog.Currency) (iog.Amount, error) {
	return l.supply(ctx, l.db, c)
}

// SupplyTx is Supply as tx sees it.
func (l *SQL) SupplyTx(ctx context.Context, tx *sql.Tx, c iog.Currency) (iog.Amount, error) {
	return l.supply(ctx, tx, c)
}

// rowQuerier is what single-row reads need of a *sql.DB or a *sql.Tx.
type rowQuerier interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

func (l *SQL) supply(ctx context.Context, q rowQuerier, c iog.Currency) (iog.Amount, error) {
	if !c.Valid() || int(c) >= numCurrencies {
		return iog.Amount{}, fmt.Errorf("supply: %v is not a currency: %w", c, iog.ErrInvalid)
	}
	var units int64
	err := q.QueryRowContext(ctx, "SELECT units FROM ledger_supply WHERE currency = $1", int64(c)).Scan(&units)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return iog.Amount{}, fmt.Errorf("supply of %v: %w (%w)", c, err, iog.ErrUnavailable)
	}
	return iog.NewAmount(units, c), nil
}
