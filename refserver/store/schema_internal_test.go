package store

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/internal/sqltest"
	"github.com/internetofgpus/iog/iogsdk/api"
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

// The migration that moves the verifier records out of the devices' rows
// keeps each record, readable as before, and the writes after it go to
// the record's own table.
func TestVerifierTableMigration(t *testing.T) {
	ctx := context.Background()
	for _, d := range sqltest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			db := sqltest.Open(t, d)
			migrateBefore(t, db, d, "refserver-reads", 3)
			t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			record := gpu.DeviceRecord{Device: "dev-a", Owner: iog.WalletAddress{1}, Registered: t0,
				Known: []gpu.KnownGPU{{UUID: "GPU-5e1f0000-0000-4000-8000-000000000001", Model: "H100-SXM", Proven: t0}}}
			verifier, err := json.Marshal(record)
			require.NoError(t, err)
			health, err := json.Marshal(iog.NewHealth(t0))
			require.NoError(t, err)
			_, err = db.ExecContext(ctx, `INSERT INTO devices (id, owner, name, state, tunnel_key, location, down_bps, up_bps, registered, model, gpu_count, verifier, up)
				VALUES ('dev-a', $1, 'rig', 'active', $2, 'US', 1, 1, $3, 'H100-SXM', 1, $4, 1)`,
				iog.WalletAddress{1}.String(), bytes.Repeat([]byte{7}, 32), t0.UnixNano(), verifier)
			require.NoError(t, err)
			_, err = db.ExecContext(ctx, "INSERT INTO device_health (device, health, health_up, last_seen, updated) VALUES ('dev-a', $1, 1, $2, $2)", health, t0.UnixNano())
			require.NoError(t, err)

			s, err := OpenDB(ctx, db, Config{Authority: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, 32))})
			require.NoError(t, err)
			record.Credited = t0.Add(time.Hour)
			require.NoError(t, s.Tx(ctx, func(tx *Tx) error {
				dev, err := tx.Device("dev-a")
				require.NoError(t, err)
				require.Equal(t, "rig", dev.Name)
				require.Equal(t, "GPU-5e1f0000-0000-4000-8000-000000000001", dev.Verifier.Known[0].UUID)
				require.True(t, dev.Verifier.Known[0].Proven.Equal(t0))
				dev.Verifier.Credited = record.Credited
				return tx.UpdateDevice(dev)
			}))
			var stored []byte
			require.NoError(t, db.QueryRowContext(ctx, "SELECT verifier FROM device_verifiers WHERE device = 'dev-a'").Scan(&stored))
			var got gpu.DeviceRecord
			require.NoError(t, json.Unmarshal(stored, &got))
			require.True(t, got.Credited.Equal(record.Credited), "the update wrote the record's table")
			_, err = db.ExecContext(ctx, "SELECT verifier FROM devices")
			require.Error(t, err, "the column is gone from the devices' rows")
		})
	}
}

// The migration that keys the nonces by their signed time keeps every
// nonce recorded before: its replay is still refused, another nonce of
// the same wallet and time is not, and the prune forgets it when its
// timestamp has grown too old.
func TestNoncesByTimeMigration(t *testing.T) {
	ctx := context.Background()
	for _, d := range sqltest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			db := sqltest.Open(t, d)
			migrateBefore(t, db, d, "refserver", 4)
			signed := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			wallet := iog.WalletAddress{1}
			_, err := db.ExecContext(ctx, "INSERT INTO request_nonces (wallet, nonce, expires) VALUES ($1, 'n-1', $2)",
				wallet.String(), signed.Add(api.MaxClockSkew).UnixNano())
			require.NoError(t, err)

			s, err := OpenDB(ctx, db, Config{Authority: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, 32))})
			require.NoError(t, err)
			err = s.Tx(ctx, func(tx *Tx) error { return tx.UseNonce(wallet, "n-1", signed) })
			require.ErrorIs(t, err, iog.ErrUnauthorized, "the replay of a request signed before the migration")
			require.NoError(t, s.Tx(ctx, func(tx *Tx) error { return tx.UseNonce(wallet, "n-2", signed) }))
			require.NoError(t, s.Tx(ctx, func(tx *Tx) error {
				n, err := tx.PruneNonces(signed, 10)
				require.Zero(t, n, "signed at the cut-off, not before it")
				return err
			}))
			require.NoError(t, s.Tx(ctx, func(tx *Tx) error {
				n, err := tx.PruneNonces(signed.Add(time.Second), 10)
				require.Equal(t, int64(2), n)
				return err
			}))
		})
	}
}

// migrateBefore migrates db to the schema as it was before the given
// version of one component: every other component to its last version.
func migrateBefore(t *testing.T, db *sql.DB, d sqldb.Dialect, component string, version int) {
	t.Helper()
	for _, c := range components {
		steps := c.steps
		if c.name == component {
			steps = steps[:version-1]
		}
		require.NoError(t, sqldb.Migrate(context.Background(), db, d, c.name, steps))
	}
}
