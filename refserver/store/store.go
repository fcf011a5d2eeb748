// Package store is the reference server's one source of truth: a SQL
// database, SQLite in the data directory by default or PostgreSQL by a
// DSN, with one schema for both under versioned migrations, and the
// network's ledger (a ledger.SQL) in the same database. Every acknowledged
// action of the server is one transaction (Store.Tx) over its state rows,
// its ledger entries, its audit row and its idempotency record, so a crash
// loses nothing acknowledged and applies nothing by half.
//
// # Lock order
//
// On PostgreSQL the queries that read a row to change it lock it (FOR
// UPDATE, or an UPDATE that changes nothing), and the database aborts one
// of two transactions that wait for each other in a cycle. So that none
// does, a transaction takes its locks in this order, never one while it
// holds one listed after it (SQLite's write transactions exclude each
// other, and the same code runs on both):
//
//  1. what a request or a loop's round takes first: the request's nonce
//     and idempotency rows (Tx.UseNonce, Tx.Idempotent), before its
//     handler runs; the epoch genesis row (Tx.EpochGenesis), which
//     serializes the epochs' settlements;
//  2. cluster rows (Tx.Cluster);
//  3. device rows (Tx.Device, and by ID those of Tx.LiveDevices and
//     Tx.SilentDevices);
//  4. the stake counter, then the stake book's rows (Tx.LoadStake), then
//     a staker's holds (Tx.StakeHolds);
//  5. the ledger's head, last: every Tx.Apply (and whatever applies
//     through Tx.Ledger, opening an account too) and Tx.LedgerPrefetch
//     lock it, so a transaction moves money only once it has locked all
//     else it reads.
//
// Rows a transaction only inserts, or reads without locking, stand
// outside the order; a read-only transaction (Store.ReadTx) takes none of
// these locks.
package store

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/internal/sqlopen"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// Config says which database to open.
type Config struct {
	// PostgresDSN, when set, names the PostgreSQL database to use; several
	// servers may share it.
	PostgresDSN string
	// Dir is the data directory, created when missing; without
	// PostgresDSN the database is the SQLite file Dir/iog.db, which one
	// process at a time uses.
	Dir string
	// Authority is the network's ed25519 key: it signs the ledger.
	// Required.
	Authority ed25519.PrivateKey
	// Clock stamps rows and ledger entries. Nil means iog.SystemClock.
	Clock iog.Clock
}

// Store is the open database. It is safe for concurrent use.
type Store struct {
	db *sql.DB
	// reader is the database ReadTx reads through: on SQLite a second,
	// read-only one on the same file; on PostgreSQL db itself.
	reader  *sql.DB
	dialect sqldb.Dialect
	ledger  *ledger.SQL
	clock   iog.Clock
}

// SQLiteFile is the name of the SQLite database in the data directory.
const SQLiteFile = "iog.db"

// Open opens the database cfg names, migrates its schema and opens the
// ledger in it.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Clock == nil {
		cfg.Clock = iog.SystemClock
	}
	var db *sql.DB
	var err error
	switch {
	case cfg.PostgresDSN != "":
		db, err = sqlopen.Postgres(ctx, cfg.PostgresDSN)
	case cfg.Dir != "":
		if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		db, err = sqlopen.SQLite(ctx, filepath.Join(cfg.Dir, SQLiteFile))
	default:
		return nil, fmt.Errorf("open store: neither a PostgreSQL DSN nor a data directory: %w", iog.ErrInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	s, err := OpenDB(ctx, db, cfg)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// OpenDB is Open on a database already open; Close closes it.
func OpenDB(ctx context.Context, db *sql.DB, cfg Config) (*Store, error) {
	if cfg.Clock == nil {
		cfg.Clock = iog.SystemClock
	}
	d, err := migrate(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	l, err := ledger.OpenSQL(ctx, db, ledger.SQLConfig{Authority: cfg.Authority, Clock: cfg.Clock})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	reader, err := openReader(ctx, db, d)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return &Store{db: db, reader: reader, dialect: d, ledger: l, clock: cfg.Clock}, nil
}

// Migrate brings the schema of db, every component's and the ledger's,
// up to date, and writes nothing else: for a deployment that migrates
// its database before it starts servers, or a template database that
// stores are copied from. Open and OpenDB migrate as well.
func Migrate(ctx context.Context, db *sql.DB) error {
	if _, err := migrate(ctx, db); err != nil {
		return fmt.Errorf("migrate store: %w", err)
	}
	return nil
}

// migrate is Migrate, saying which database db is.
func migrate(ctx context.Context, db *sql.DB) (sqldb.Dialect, error) {
	d, err := sqldb.Detect(ctx, db)
	if err != nil {
		return d, err
	}
	for _, c := range components {
		if err := sqldb.Migrate(ctx, db, d, c.name, c.steps); err != nil {
			return d, err
		}
	}
	return d, ledger.MigrateSQL(ctx, db)
}

// Close closes the database.
func (s *Store) Close() error {
	var err error
	if s.reader != s.db {
		err = s.reader.Close()
	}
	return errors.Join(err, s.db.Close())
}

// DB returns the database, for readers that need a query of their own.
func (s *Store) DB() *sql.DB { return s.db }

// Dialect says which database the store is on.
func (s *Store) Dialect() sqldb.Dialect { return s.dialect }

// Ledger returns the network's ledger, for reads and for actions that
// move money and nothing else.
func (s *Store) Ledger() *ledger.SQL { return s.ledger }

// Tx runs fn in one transaction and commits it if fn returns nil; a
// transaction the database aborted as a transient conflict is run again,
// so fn must act only through tx.
func (s *Store) Tx(ctx context.Context, fn func(*Tx) error) error {
	return sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		return fn(&Tx{tx: tx, ctx: ctx, s: s})
	})
}

// Tx is a transaction on the store: its rows and its ledger entries commit
// together.
type Tx struct {
	tx  *sql.Tx
	ctx context.Context
	s   *Store
	// readOnly transactions (ReadTx) lock nothing and write nothing.
	readOnly bool
	// lastEnd, when set, is LastEpochEnd's answer, kept for the rest of
	// a SQLite transaction.
	lastEnd *time.Time
}

// Apply applies ledger ops atomically in the transaction. A batch applied
// before returns its entries and ledger.ErrReplayed.
func (t *Tx) Apply(ops ...ledger.Op) ([]ledger.Entry, error) {
	return t.s.ledger.ApplyTx(t.ctx, t.tx, ops)
}

// Ledger returns the ledger as the transaction sees it, as a
// ledger.Ledger for the domain code that takes one (tokenomics.Treasury):
// what it applies commits with the transaction.
func (t *Tx) Ledger() ledger.Ledger { return txLedger{t} }

type txLedger struct{ t *Tx }

func (l txLedger) Apply(ctx context.Context, op ledger.Op) (ledger.Entry, error) {
	entries, err := l.t.s.ledger.ApplyTx(ctx, l.t.tx, []ledger.Op{op})
	if len(entries) == 0 {
		return ledger.Entry{}, err
	}
	return entries[0], err
}

func (l txLedger) ApplyAll(ctx context.Context, ops []ledger.Op) ([]ledger.Entry, error) {
	return l.t.s.ledger.ApplyTx(ctx, l.t.tx, ops)
}

func (l txLedger) Balance(ctx context.Context, w iog.WalletAddress, c iog.Currency) (ledger.Balance, error) {
	return l.t.s.ledger.BalanceTx(ctx, l.t.tx, w, c)
}

func (l txLedger) Supply(ctx context.Context, c iog.Currency) (iog.Amount, error) {
	return l.t.s.ledger.SupplyTx(ctx, l.t.tx, c)
}

func (l txLedger) Entry(ctx context.Context, key string) (ledger.Entry, error) {
	return l.t.s.ledger.EntryTx(ctx, l.t.tx, key)
}

// Balance returns a ledger balance as the transaction sees it.
func (t *Tx) Balance(w iog.WalletAddress, c iog.Currency) (ledger.Balance, error) {
	return t.s.ledger.BalanceTx(t.ctx, t.tx, w, c)
}

// forUpdate is the clause that locks the rows a SELECT reads until the
// transaction ends, where the database needs one: on SQLite a write
// transaction already excludes every other; a read-only transaction
// changes nothing it reads, and PostgreSQL refuses it the lock.
func (t *Tx) forUpdate() string {
	if t.s.dialect == sqldb.Postgres && !t.readOnly {
		return " FOR UPDATE"
	}
	return ""
}

func (t *Tx) exec(query string, args ...any) error {
	_, err := t.tx.ExecContext(t.ctx, query, args...)
	return err
}

// unix is a time as the store keeps it: Unix nanoseconds, exact and
// comparable in SQL.
func unix(t time.Time) int64 { return t.UnixNano() }

// noRows reports whether err says a query found nothing.
func noRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
