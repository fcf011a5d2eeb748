// Package sqltest gives tests a fresh, empty database of each dialect the
// module supports: SQLite in a temporary directory, and PostgreSQL on the
// server named by the IOG_TEST_POSTGRES environment variable (a DSN), in a
// database of its own that is dropped when the test ends. `make test` starts
// a throwaway PostgreSQL server and sets the variable; without it the
// PostgreSQL half of a test skips and says so.
package sqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/internal/sqlopen"
)

// PostgresEnv names the environment variable holding the DSN of a
// PostgreSQL server the tests may create databases on.
const PostgresEnv = "IOG_TEST_POSTGRES"

// Dialects are the dialects a test runs against, in order.
var Dialects = []sqldb.Dialect{sqldb.SQLite, sqldb.Postgres}

// Open returns a new, empty database of dialect d, closed (and on
// PostgreSQL dropped) when t ends. It skips t when d is PostgreSQL and no
// server is configured.
func Open(t testing.TB, d sqldb.Dialect) *sql.DB {
	t.Helper()
	db, _ := OpenDSN(t, d)
	return db
}

// OpenDSN is Open that also returns what opens the same database again
// (a DSN, or SQLite's file path), for a test that runs a second process or
// reopens after a crash.
func OpenDSN(t testing.TB, d sqldb.Dialect) (*sql.DB, string) {
	t.Helper()
	ctx := context.Background()
	switch d {
	case sqldb.SQLite:
		path := filepath.Join(t.TempDir(), "test.db")
		db, err := sqlopen.SQLite(ctx, path)
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		return db, path
	case sqldb.Postgres:
		dsn := postgresDatabase(t)
		db, err := sqlopen.Postgres(ctx, dsn)
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		return db, dsn
	}
	t.Fatalf("sqltest: unknown dialect %v", d)
	return nil, ""
}

// postgresDatabase creates a database for t on the configured server and
// returns its DSN; it drops the database when t ends.
func postgresDatabase(t testing.TB) string {
	t.Helper()
	server := os.Getenv(PostgresEnv)
	if server == "" {
		t.Skipf("PostgreSQL half skipped: %s is not set (make test starts a throwaway server and sets it)", PostgresEnv)
	}
	ctx := context.Background()
	admin, err := sqlopen.Postgres(ctx, server)
	require.NoError(t, err, "the PostgreSQL server in %s", PostgresEnv)
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "iog_test_" + hex.EncodeToString(b[:])
	_, err = admin.ExecContext(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err)
	t.Cleanup(func() {
		// WITH (FORCE) ends connections a failed test left open.
		_, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
		if err != nil {
			t.Errorf("sqltest: drop %s: %v", name, err)
		}
	})
	dsn, err := withDatabase(server, name)
	require.NoError(t, err)
	return dsn
}

// withDatabase returns dsn naming database name instead of its own.
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("%s: %w", PostgresEnv, err)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	// In the key=value form a later key wins.
	return dsn + " dbname=" + name, nil
}
