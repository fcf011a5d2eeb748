package store_test

import (
	"bytes"
	"crypto/ed25519"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/sqltest"
	"github.com/internetofgpus/iog/refserver/store"
)

// Migrate writes the schema and nothing else, so that a store opened on
// it afterwards, by any authority, is a new one; migrating again changes
// nothing.
func TestMigrate(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			db := sqltest.Open(t, d)
			require.NoError(t, store.Migrate(ctx, db))
			var steps int
			require.NoError(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&steps))
			require.NoError(t, store.Migrate(ctx, db))
			var again, heads int
			require.NoError(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&again))
			require.Equal(t, steps, again)
			require.NoError(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM ledger_head").Scan(&heads))
			require.Zero(t, heads, "the ledger's authority is written when it is opened")

			authority := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{4}, 32))
			s, err := store.OpenDB(ctx, db, store.Config{Authority: authority})
			require.NoError(t, err)
			w, err := iog.WalletAddressOf(authority.Public().(ed25519.PublicKey))
			require.NoError(t, err)
			require.Equal(t, w, s.Ledger().Authority())
		})
	}
}
