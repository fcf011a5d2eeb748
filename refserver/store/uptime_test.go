package store_test

import (
	"bytes"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/refserver/store"
)

// TestUpTimeOfDetachedWrites: a device's health written without having
// been read in the transaction (as the timeout loop and the epochs write
// it) records its up stretches all the same: up from its first heartbeat,
// down at its last, and a new stretch when it comes up again.
func TestUpTimeOfDetachedWrites(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	eachStore(t, func(t *testing.T, s *store.Store) {
		d := store.Device{ID: "dev-a", Owner: wallet(1), Name: "rig", State: "active", TunnelKey: ed25519.PublicKey(bytes.Repeat([]byte{7}, 32)),
			Registered: t0, Updated: t0, Health: iog.NewHealth(t0)}
		write := func(h iog.Health, err error) {
			t.Helper()
			require.NoError(t, err)
			d.Health = h
			require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error { return tx.UpdateDeviceHealth(detached(d)) }))
		}
		upTime := func(from, now time.Time) time.Duration {
			t.Helper()
			var up time.Duration
			require.NoError(t, s.ReadTx(ctx, func(tx *store.Tx) (err error) {
				up, err = tx.UpTime(d.ID, from, now)
				return err
			}))
			return up
		}
		require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error { return tx.InsertDevice(d) }))
		write(d.Health.Heartbeat(t0.Add(time.Minute)))
		write(d.Health.Heartbeat(t0.Add(11 * time.Minute)))
		require.Equal(t, 10*time.Minute, upTime(t0, t0.Add(11*time.Minute)))
		require.Equal(t, 14*time.Minute, upTime(t0, t0.Add(15*time.Minute)), "an open stretch counts to now")
		write(d.Health.Miss(t0.Add(13 * time.Minute)))
		require.Equal(t, 10*time.Minute, upTime(t0, t0.Add(time.Hour)), "down from its last heartbeat")
		write(d.Health.Heartbeat(t0.Add(20 * time.Minute)))
		write(d.Health.Heartbeat(t0.Add(25 * time.Minute)))
		require.Equal(t, 15*time.Minute, upTime(t0, t0.Add(25*time.Minute)))
		require.Equal(t, 10*time.Minute, upTime(t0.Add(6*time.Minute), t0.Add(25*time.Minute)), "the window cuts the first stretch")
		require.Zero(t, upTime(t0.Add(11*time.Minute), t0.Add(20*time.Minute)), "nothing between the stretches")
	})
}
