package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/internal/sqlopen"
)

// ReadTx runs fn in one read-only transaction: the requests that only
// read (public reads, reads by API key) run there, beside the writer
// instead of behind it. On SQLite it reads through the store's reading
// database (sqlopen.SQLiteReader), whose deferred transactions read a
// snapshot of the write-ahead log without the write lock every Tx takes;
// on PostgreSQL it is a READ ONLY transaction on the same pool. Its
// queries lock no rows, and a write attempted in it fails (SQLite's
// query_only, PostgreSQL's read-only transaction): nothing it runs can
// change the store. Like Tx, it runs fn again after a transient failure.
func (s *Store) ReadTx(ctx context.Context, fn func(*Tx) error) error {
	return sqldb.InTxOptions(ctx, s.reader, &sql.TxOptions{ReadOnly: true}, func(tx *sql.Tx) error {
		return fn(&Tx{tx: tx, ctx: ctx, s: s, readOnly: true})
	})
}

// openReader returns the database ReadTx reads through: for SQLite a
// reading database on db's file, for PostgreSQL db.
func openReader(ctx context.Context, db *sql.DB, d sqldb.Dialect) (*sql.DB, error) {
	if d != sqldb.SQLite {
		return db, nil
	}
	var file string
	if err := db.QueryRowContext(ctx, "SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&file); err != nil {
		return nil, fmt.Errorf("find the SQLite file: %w", err)
	}
	if file == "" {
		return nil, fmt.Errorf("the SQLite database is in memory, where a second connection would see another: %w", iog.ErrInvalid)
	}
	return sqlopen.SQLiteReader(ctx, file)
}
