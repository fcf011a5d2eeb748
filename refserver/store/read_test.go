package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/refserver/store"
	"github.com/internetofgpus/iog/tokenomics"
)

// TestReadTxRefusesWrites: a write attempted in a read-only transaction
// fails, and nothing of it reaches the store.
func TestReadTxRefusesWrites(t *testing.T) {
	eachStore(t, func(t *testing.T, s *store.Store) {
		at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		writes := map[string]func(tx *store.Tx) error{
			"audit": func(tx *store.Tx) error {
				return tx.Audit(store.Audit{At: at, Wallet: wallet(1), Via: "test", Action: "write in a read"})
			},
			"stake": func(tx *store.Tx) error {
				return tx.SaveStake([]iog.DeviceID{"dev-a"}, tokenomics.StakeRecords{LastID: 7})
			},
		}
		for name, write := range writes {
			err := s.ReadTx(ctx, write)
			require.Error(t, err, name)
		}
		require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
			log, err := tx.AuditLog(wallet(1), 10)
			require.NoError(t, err)
			require.Empty(t, log)
			r, err := tx.LoadStake(nil)
			require.NoError(t, err)
			require.Zero(t, r.LastID)
			require.Empty(t, r.Devices)
			return nil
		}))
	})
}

// TestReadTxLoadStake: the stake book a read-only transaction loads,
// without locks, is the one a write transaction loads.
func TestReadTxLoadStake(t *testing.T) {
	eachStore(t, func(t *testing.T, s *store.Store) {
		_, book, devs := sampleStake(t)
		var err error
		require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error { return tx.SaveStake(devs, book.Records()) }))
		for _, which := range [][]iog.DeviceID{nil, {"dev-a"}, {"dev-b"}, {}} {
			var locked, read tokenomics.StakeRecords
			require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
				locked, err = tx.LoadStake(which)
				return err
			}))
			require.NoError(t, s.ReadTx(ctx, func(tx *store.Tx) error {
				read, err = tx.LoadStake(which)
				return err
			}))
			require.Equal(t, locked, read, "%v", which)
			require.Equal(t, book.Records().LastID, read.LastID)
		}
	})
}

// TestReadTxBesideWriter: a read-only transaction runs while a write
// transaction is open (on SQLite one holds the write lock), and sees what
// was committed before it, not the writer's uncommitted rows.
func TestReadTxBesideWriter(t *testing.T) {
	eachStore(t, func(t *testing.T, s *store.Store) {
		at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		audit := func(tx *store.Tx, action string) error {
			return tx.Audit(store.Audit{At: at, Wallet: wallet(1), Via: "test", Action: action})
		}
		require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error { return audit(tx, "committed") }))
		written, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
		go func() {
			done <- s.Tx(ctx, func(tx *store.Tx) error {
				if err := audit(tx, "uncommitted"); err != nil {
					return err
				}
				close(written)
				<-release
				return nil
			})
		}()
		<-written
		var seen []store.Audit
		read := make(chan error, 1)
		go func() {
			read <- s.ReadTx(ctx, func(tx *store.Tx) error {
				var err error
				seen, err = tx.AuditLog(wallet(1), 10)
				return err
			})
		}()
		select {
		case err := <-read:
			require.NoError(t, err)
		case <-time.After(5 * time.Second):
			t.Fatal("the read waited for the writer")
		}
		close(release)
		require.NoError(t, <-done)
		require.Len(t, seen, 1)
		require.Equal(t, "committed", seen[0].Action)
	})
}

// TestDeviceCountsByIndex: the device counts the covering index answers
// are those of every device's row, counted one by one.
func TestDeviceCountsByIndex(t *testing.T) {
	eachStore(t, func(t *testing.T, s *store.Store) {
		at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		models := []string{"", "H100-SXM", "A100-80GB"}
		places := []string{"", "US", "DE/Berlin", "US/California"}
		states := []string{"pending", "active", "removed"}
		require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
			for i := range 97 {
				loc, err := iog.ParseLocation(places[i%len(places)])
				require.NoError(t, err)
				d := store.Device{
					ID: iog.DeviceID(fmt.Sprintf("dev-%03d", i)), Owner: wallet(byte(i % 7)), Name: "d", State: states[i%len(states)],
					TunnelKey: make([]byte, 32), Location: loc, Registered: at, Updated: at,
					Model: models[i%len(models)], GPUCount: i % 5, Health: iog.Health{Up: i%2 == 0, LastSeen: at},
				}
				require.NoError(t, tx.InsertDevice(d))
			}
			return nil
		}))
		type key struct {
			model, location, state string
			up                     bool
		}
		want := map[key]store.DeviceCount{}
		var got []store.DeviceCount
		require.NoError(t, s.ReadTx(ctx, func(tx *store.Tx) error {
			all, err := tx.Devices(store.DeviceFilter{})
			require.NoError(t, err)
			require.Len(t, all, 97)
			for _, d := range all {
				k := key{d.Model, d.Location.String(), d.State, d.Health.Up}
				c := want[k]
				c.Model, c.Location, c.State, c.Up = d.Model, d.Location, d.State, d.Health.Up
				c.Devices++
				c.GPUs += d.GPUCount
				want[k] = c
			}
			got, err = tx.DeviceCounts()
			return err
		}))
		require.Len(t, got, len(want))
		for _, c := range got {
			require.Equal(t, want[key{c.Model, c.Location.String(), c.State, c.Up}], c)
		}
	})
}
