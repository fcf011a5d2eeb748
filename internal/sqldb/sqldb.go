// Package sqldb holds what the module's SQL stores share on database/sql,
// without importing a driver: which database is behind a *sql.DB, versioned
// migrations, and transactions retried when the database says a conflict
// was transient. Drivers are chosen at the edge (package sqlopen, the
// reference server); everything here works with any of them.
//
// The SQL the module writes is one text for both databases: numbered
// placeholders ($1), BIGINT, TEXT and BYTEA columns (SQLite takes BYTEA as
// a column of bytes), INSERT … ON CONFLICT and RETURNING. Where the two
// differ (advisory locks, error codes), Dialect says which one it is.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/internetofgpus/iog"
)

// Dialect names the database behind a *sql.DB.
type Dialect uint8

// The dialects.
const (
	// SQLite is SQLite 3.35 or later (RETURNING).
	SQLite Dialect = iota + 1
	// Postgres is PostgreSQL 12 or later.
	Postgres
)

// String returns the dialect's name.
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return fmt.Sprintf("Dialect(%d)", uint8(d))
}

// Detect asks the database which one it is. It needs no driver name, so
// it works whatever driver opened db.
func Detect(ctx context.Context, db *sql.DB) (Dialect, error) {
	var version string
	if err := db.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&version); err == nil {
		return SQLite, nil
	}
	if err := db.QueryRowContext(ctx, "SELECT version()").Scan(&version); err != nil {
		return 0, fmt.Errorf("detect database: %w (%w)", err, iog.ErrUnavailable)
	}
	if strings.HasPrefix(version, "PostgreSQL") {
		return Postgres, nil
	}
	return 0, fmt.Errorf("detect database: %q is neither SQLite nor PostgreSQL: %w", version, iog.ErrInvalid)
}

// ErrRetry is returned by a transaction's function when it found that a
// concurrent transaction got there first (a row it meant to insert now
// exists): InTx runs it again, and this time it sees that row.
var ErrRetry = errors.New("a concurrent transaction conflicted; run again")

// Transient reports whether err is a conflict the database resolved by
// aborting the transaction, so that running it again may succeed: a
// PostgreSQL serialization failure or deadlock, SQLite reporting the
// database busy or locked, or ErrRetry.
func Transient(err error) bool {
	if errors.Is(err, ErrRetry) {
		return true
	}
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) {
		switch pg.SQLState() {
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return true
		}
		return false
	}
	var lite interface{ Code() int }
	if errors.As(err, &lite) {
		switch lite.Code() & 0xff {
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
			return true
		}
	}
	return false
}

// maxAttempts bounds how often InTx runs a transaction that keeps failing
// transiently; each attempt already waited the database's own lock timeout.
const maxAttempts = 5

// InTx runs fn in a transaction and commits it, or rolls it back when fn
// returns an error (which InTx returns). A transaction the database aborted
// as a transient conflict (see Transient) is run again, a few times at most,
// so fn must have no effect outside the transaction it is given.
func InTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	return InTxOptions(ctx, db, nil, fn)
}

// InTxOptions is InTx with the transaction's options (a read-only one,
// say).
func InTxOptions(ctx context.Context, db *sql.DB, opts *sql.TxOptions, fn func(*sql.Tx) error) error {
	var err error
	for range maxAttempts {
		if err = inTxOnce(ctx, db, opts, fn); err == nil || !Transient(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

func inTxOnce(ctx context.Context, db *sql.DB, opts *sql.TxOptions, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, ignoreDone(tx.Rollback()))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// ignoreDone drops the error of rolling back a transaction that a failed
// statement already ended.
func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}
