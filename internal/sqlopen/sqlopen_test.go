package sqlopen

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSQLiteSettings: the writing database runs with the settings its
// documentation promises, on every connection it opens.
func TestSQLiteSettings(t *testing.T) {
	ctx := context.Background()
	db, err := SQLite(ctx, filepath.Join(t.TempDir(), "settings.db"))
	require.NoError(t, err)
	defer db.Close()
	db.SetMaxIdleConns(0) // each query below on a fresh connection
	for _, c := range []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"temp_store", "2"}, // MEMORY
		{"wal_autocheckpoint", "10000"},
		{"busy_timeout", "10000"},
	} {
		var got string
		require.NoError(t, db.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&got), c.pragma)
		require.Equal(t, c.want, got, c.pragma)
	}
}
