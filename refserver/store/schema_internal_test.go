package store

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/sqltest"
)

// The migration to canonical UUIDs lower-cases the other vendors' UUIDs
// rows written before hold, leaves NVIDIA's, and leaves a UUID held in
// both cases by two devices as it is.
func TestCanonicalUUIDsMigration(t *testing.T) {
	ctx := context.Background()
	for _, d := range sqltest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			db := sqltest.Open(t, d)
			s, err := OpenDB(ctx, db, Config{Authority: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, 32))})
			require.NoError(t, err)
			t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			require.NoError(t, s.Tx(ctx, func(tx *Tx) error {
				for _, id := range []iog.DeviceID{"dev-a", "dev-b", "dev-c"} {
					err := tx.InsertDevice(Device{ID: id, Owner: iog.WalletAddress{1}, Name: "rig", State: "active",
						TunnelKey: ed25519.PublicKey(bytes.Repeat([]byte{7}, 32)), Registered: t0, Updated: t0, Health: iog.NewHealth(t0)})
					if err != nil {
						return err
					}
				}
				return nil
			}))
			// As rows written before the verifier's canonical form.
			for _, row := range [][2]string{
				{"0xABCDEF0123456789", "dev-a"},
				{"GPU-5e1f0000-0000-4000-8000-000000000001", "dev-a"},
				{"0xAAAA", "dev-b"},
				{"0xaaaa", "dev-c"},
			} {
				_, err := db.ExecContext(ctx, "INSERT INTO gpu_uuids (uuid, device) VALUES ($1, $2)", row[0], row[1])
				require.NoError(t, err)
			}
			_, err = db.ExecContext(ctx, canonicalUUIDs)
			require.NoError(t, err)
			held := map[string]string{}
			rows, err := db.QueryContext(ctx, "SELECT uuid, device FROM gpu_uuids")
			require.NoError(t, err)
			for rows.Next() {
				var uuid, device string
				require.NoError(t, rows.Scan(&uuid, &device))
				held[uuid] = device
			}
			require.NoError(t, rows.Err())
			require.Equal(t, map[string]string{
				"0xabcdef0123456789":                       "dev-a",
				"GPU-5e1f0000-0000-4000-8000-000000000001": "dev-a",
				"0xAAAA": "dev-b",
				"0xaaaa": "dev-c",
			}, held)
		})
	}
}
