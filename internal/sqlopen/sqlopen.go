// Package sqlopen opens the module's two databases with their drivers:
// SQLite in a file through modernc.org/sqlite (pure Go) and PostgreSQL by a
// DSN through pgx's database/sql adapter. It is the one place that imports
// the drivers, so packages that only speak database/sql (the SQL ledger)
// stay free of them.
package sqlopen

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"modernc.org/sqlite"

	"github.com/internetofgpus/iog"
)

// BusyTimeout is how long a SQLite connection waits for another's write
// lock before reporting the database busy.
const BusyTimeout = 10 * time.Second

// CheckpointPages is how many pages the write-ahead log of a SQLite
// database holds before a commit copies them into the database (SQLite's
// default is 1,000, 4 MB): the group commit's checkpoints run in its
// commits, and the pages heartbeats rewrite again and again (the devices'
// health) are copied once a checkpoint however often they changed, so a
// rarer one copies fewer. 10,000 (a log of about 40 MB) answered 5,833
// heartbeats a second where 1,000 answered 5,683, asked 6,000
// (BENCHMARKS.md).
const CheckpointPages = 10000

// Readers is how many connections a SQLite reading database (SQLiteReader)
// keeps open at most: reads run in parallel beside the one writer, and more
// than a few a core would only wait for the CPU.
const Readers = 8

// SQLite opens (creating it when missing) the SQLite database in the file
// at path: write-ahead logging, so readers never wait for the writer; a
// full sync at every commit, so an acknowledged transaction survives a
// crash or a power loss; foreign keys enforced; write transactions that
// take the write lock when they begin, so two never deadlock upgrading a
// read; a checkpoint every CheckpointPages pages; temporary files in
// memory: the statement journal of each savepoint of a group commit's batch
// (the pages to restore if its step fails), which no crash recovery reads,
// is not written to a file; and SQLite's default page cache (a 32 MiB one
// halved the signed heartbeats a second at 10,000 devices, BENCHMARKS.md:
// under write-ahead logging every commit of another connection empties a
// connection's cache, so a large one mostly costs its pages' allocation
// again). It pings the database before returning.
func SQLite(ctx context.Context, path string) (*sql.DB, error) {
	q := pragmas()
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", CheckpointPages))
	q.Set("_txlock", "immediate")
	return openSQLite(ctx, "file:"+path+"?"+q.Encode(), path)
}

// SQLiteReader opens the SQLite database in the file at path, which
// SQLite (the writing database) has created, for reading only: its
// transactions are deferred, so they take no write lock and, under
// write-ahead logging, read a snapshot beside the writer instead of
// queueing behind it; and every connection is query_only, so a write
// attempted through it fails instead of taking the lock. It keeps at most
// Readers connections.
func SQLiteReader(ctx context.Context, path string) (*sql.DB, error) {
	q := pragmas()
	q.Add("_pragma", "query_only(1)")
	db, err := openSQLite(ctx, "file:"+path+"?"+q.Encode(), path+" for reading")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(Readers)
	db.SetMaxIdleConns(Readers)
	return db, nil
}

// pragmas are the settings of every SQLite connection, writing or
// reading.
func pragmas() url.Values {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", BusyTimeout.Milliseconds()))
	return q
}

// Postgres opens the PostgreSQL database a DSN names (a URL such as
// postgres://user@host:5432/db?sslmode=disable, or key=value pairs) and
// pings it.
func Postgres(ctx context.Context, dsn string) (*sql.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL: %w (%w)", err, iog.ErrInvalid)
	}
	return ping(ctx, db, "PostgreSQL")
}

// openSQLite opens a SQLite database whose connections keep their
// prepared statements (StatementCache).
func openSQLite(ctx context.Context, dsn, what string) (*sql.DB, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w (%w)", what, err, iog.ErrInvalid)
	}
	return ping(ctx, sql.OpenDB(cachingConnector{c}), what)
}

// ping returns db once it answers, or closes it.
func ping(ctx context.Context, db *sql.DB, what string) (*sql.DB, error) {
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w (%w)", what, err, iog.ErrUnavailable)
	}
	return db, nil
}
