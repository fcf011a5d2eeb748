package sqlopen

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// cached returns the queries db's one connection has statements cached
// for, and how many of those are out of the cache but still open.
func cached(t *testing.T, db *sql.DB) (queries map[string]bool) {
	t.Helper()
	conn, err := db.Conn(context.Background())
	require.NoError(t, err)
	defer conn.Close()
	queries = map[string]bool{}
	require.NoError(t, conn.Raw(func(c any) error {
		cc, ok := c.(*cachingConn)
		require.True(t, ok, "connection %T", c)
		require.Equal(t, len(cc.stmts), cc.lru.Len())
		for q := range cc.stmts {
			queries[q] = true
		}
		return nil
	}))
	return queries
}

func openCached(t *testing.T) *sql.DB {
	t.Helper()
	db, err := SQLite(context.Background(), filepath.Join(t.TempDir(), "cache.db"))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	db.SetMaxOpenConns(1)
	_, err = db.Exec("CREATE TABLE numbers (n INTEGER PRIMARY KEY, name TEXT NOT NULL)")
	require.NoError(t, err)
	for n := range 5 {
		_, err := db.Exec("INSERT INTO numbers (n, name) VALUES ($1, $2)", n, fmt.Sprint("n", n))
		require.NoError(t, err)
	}
	return db
}

func TestStatementCacheReusesStatements(t *testing.T) {
	db := openCached(t)
	const q = "SELECT name FROM numbers WHERE n = $1"
	for n := range 5 {
		var name string
		require.NoError(t, db.QueryRow(q, n).Scan(&name))
		require.Equal(t, fmt.Sprint("n", n), name)
	}
	require.True(t, cached(t, db)[q])
	// A schema change after the statement was prepared: SQLite prepares
	// it again by itself.
	_, err := db.Exec("ALTER TABLE numbers ADD COLUMN extra TEXT NOT NULL DEFAULT 'x'")
	require.NoError(t, err)
	var name string
	require.NoError(t, db.QueryRow(q, 3).Scan(&name))
	require.Equal(t, "n3", name)
}

// TestStatementCacheNestedRuns runs a query while the rows of the same
// query are open, on one connection: the second run must not reset the
// first's statement under it.
func TestStatementCacheNestedRuns(t *testing.T) {
	db := openCached(t)
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer tx.Rollback()
	const q = "SELECT n FROM numbers WHERE n >= $1 ORDER BY n"
	outer, err := tx.Query(q, 0)
	require.NoError(t, err)
	var got []int
	for outer.Next() {
		var n int
		require.NoError(t, outer.Scan(&n))
		inner, err := tx.Query(q, n)
		require.NoError(t, err)
		count := 0
		for inner.Next() {
			count++
		}
		require.NoError(t, inner.Err())
		require.NoError(t, inner.Close())
		require.Equal(t, 5-n, count, "rows from %d", n)
		got = append(got, n)
	}
	require.NoError(t, outer.Err())
	require.NoError(t, outer.Close())
	require.Equal(t, []int{0, 1, 2, 3, 4}, got)
}

// TestStatementCacheBound runs more distinct queries than the cache
// holds, one of them evicted while its rows are open.
func TestStatementCacheBound(t *testing.T) {
	db := openCached(t)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	const first = "SELECT n FROM numbers ORDER BY n"
	open, err := conn.QueryContext(ctx, first)
	require.NoError(t, err)
	require.True(t, open.Next())
	for i := range StatementCache + 10 {
		var n int
		require.NoError(t, conn.QueryRowContext(ctx, fmt.Sprintf("SELECT n + %d FROM numbers WHERE n = 1", i)).Scan(&n))
		require.Equal(t, 1+i, n)
	}
	var got []int
	for {
		var n int
		require.NoError(t, open.Scan(&n))
		got = append(got, n)
		if !open.Next() {
			break
		}
	}
	require.NoError(t, open.Err())
	require.NoError(t, open.Close())
	require.Equal(t, []int{0, 1, 2, 3, 4}, got)
	require.NoError(t, conn.Close())

	queries := cached(t, db)
	require.Len(t, queries, StatementCache)
	require.False(t, queries[first], "evicted")
	require.True(t, queries[fmt.Sprintf("SELECT n + %d FROM numbers WHERE n = 1", StatementCache+9)])
	// The evicted query runs again, cached anew.
	var n int
	require.NoError(t, db.QueryRow(first).Scan(&n))
	require.True(t, cached(t, db)[first])
}

// TestStatementCacheErrors keeps a failed run's statement usable and a
// query that does not parse out of the cache.
func TestStatementCacheErrors(t *testing.T) {
	db := openCached(t)
	const insert = "INSERT INTO numbers (n, name) VALUES ($1, $2)"
	_, err := db.Exec(insert, 1, "again")
	require.Error(t, err, "a duplicate key")
	_, err = db.Exec(insert, 7, "seven")
	require.NoError(t, err)
	_, err = db.Exec("SELEKT nonsense")
	require.Error(t, err)
	require.False(t, cached(t, db)["SELEKT nonsense"])
	var name string
	require.NoError(t, db.QueryRow("SELECT name FROM numbers WHERE n = 7").Scan(&name))
	require.Equal(t, "seven", name)
}
