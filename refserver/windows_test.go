package refserver_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/refserver/store"
)

// storedHealth reads a device's health record as its row holds it.
func storedHealth(t *testing.T, e *env, id iog.DeviceID) iog.Health {
	t.Helper()
	var h iog.Health
	require.NoError(t, e.server.Store().Tx(ctx, func(tx *store.Tx) error {
		d, err := tx.Device(id)
		h = d.Health
		return err
	}))
	return h
}

// TestEpochWindowsStartLazily: settling an epoch leaves the health of a
// device it does not mark missed as it was; the device's next event is
// folded into the window the epoch started, from the epoch's end; and a
// device silent past the heartbeat timeout at an epoch's end is marked
// missed by that epoch, in its row, its next window started.
func TestEpochWindowsStartLazily(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		alice := newSupplier(t, e, 1, "H100-SXM", 1)
		bob := newSupplier(t, e, 2, "A100-80GB", 1)
		da, db := alice.register(t), bob.register(t)
		alice.beat(t, e, da.ID, false)
		bob.beat(t, e, db.ID, false)
		e.clock.Advance(30 * time.Minute)
		alice.beat(t, e, da.ID, false)
		e.clock.Advance(30 * time.Minute)

		before := storedHealth(t, e, da.ID)
		require.NoError(t, e.server.SettleEpoch(ctx))
		require.Equal(t, before, storedHealth(t, e, da.ID), "the epoch did not write Alice's health")

		e.clock.Advance(10 * time.Minute)
		alice.beat(t, e, da.ID, false)
		h := storedHealth(t, e, da.ID)
		require.Equal(t, t0.Add(time.Hour), h.WindowStart.UTC(), "the window epoch 1 started")
		require.Equal(t, 10*time.Minute, h.UpInWindow, "up from the window's start")
		require.Equal(t, 70*time.Minute, h.UpTotal)

		// Bob has been silent since t0: at the end of epoch 3 for longer
		// than the heartbeat timeout of two hours.
		e.clock.AdvanceTo(t0.Add(3*time.Hour + time.Minute))
		require.NoError(t, e.server.SettleEpoch(ctx))
		require.True(t, storedHealth(t, e, db.ID).Up, "epoch 2 ended before the timeout")
		require.NoError(t, e.server.SettleEpoch(ctx))
		h = storedHealth(t, e, db.ID)
		require.False(t, h.Up, "marked missed by epoch 3")
		require.Equal(t, t0.Add(3*time.Hour), h.WindowStart.UTC(), "its next window started at the epoch's end")
		require.Equal(t, h.WindowStart, h.Updated)
		require.Zero(t, h.UpInWindow)
		require.NoError(t, h.Validate())
	}, epochConfig)
}
