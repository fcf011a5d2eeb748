package refserver_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// TestDeviceHealth: a device's owner reads its uptime of the last day and
// week exactly as its heartbeats' stretches add up, a silence cut out of
// it, and its proofs passed; another wallet is told no such device.
func TestDeviceHealth(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		alice := newSupplier(t, e, 1, "H100-SXM", 1)
		d := alice.register(t)
		start := e.clock.Now()
		alice.beat(t, e, d.ID, true)
		proven := e.clock.Now()
		for range 20 {
			e.clock.Advance(30 * time.Second)
			alice.beat(t, e, d.ID, false)
		}
		// Silent for longer than the heartbeat timeout: the next
		// heartbeat starts another stretch.
		e.clock.Advance(2 * time.Minute)
		for range 11 {
			alice.beat(t, e, d.ID, false)
			e.clock.Advance(30 * time.Second)
		}
		last := e.clock.Now().Add(-30 * time.Second)
		up := 10*time.Minute + last.Sub(start.Add(12*time.Minute))
		require.Equal(t, 15*time.Minute, up)

		got, err := alice.c.DeviceHealth(ctx, d.ID)
		require.NoError(t, err)
		require.NotNil(t, got.LastSeen)
		require.Equal(t, last, got.LastSeen.UTC())
		require.NotNil(t, got.Proofs.LastPassed)
		require.Equal(t, proven, got.Proofs.LastPassed.UTC())
		got.LastSeen, got.Proofs.LastPassed = nil, nil
		// The second stretch is still open: it counts up to now.
		now := e.clock.Now()
		open := up + now.Sub(last)
		rate := func(part, whole time.Duration) iog.Rate {
			r, err := iog.NewRate(uint64(part), uint64(whole))
			require.NoError(t, err)
			return r
		}
		require.Equal(t, api.DeviceHealth{Device: d.ID, Up: true, Trust: got.Trust,
			Uptime: []api.UptimeWindow{
				{Hours: 24, Up: open, Fraction: rate(open, 24*time.Hour)},
				{Hours: 168, Up: open, Fraction: rate(open, 168*time.Hour)},
			},
			Proofs: api.ProofCounts{Passed: 1},
		}, got)
		require.Positive(t, got.Trust)

		// Removed, the device is down from its last heartbeat; a day
		// after it began, the first stretch is out of the last 24 hours.
		_, err = alice.c.RemoveDevice(ctx, d.ID)
		require.NoError(t, err)
		e.clock.AdvanceTo(start.Add(24*time.Hour + 11*time.Minute))
		got, err = alice.c.DeviceHealth(ctx, d.ID)
		require.NoError(t, err)
		require.False(t, got.Up)
		require.Equal(t, []time.Duration{5 * time.Minute, up}, []time.Duration{got.Uptime[0].Up, got.Uptime[1].Up})

		// The prune loop keeps the stretches a week long.
		require.NoError(t, e.server.Prune(ctx))
		got, err = alice.c.DeviceHealth(ctx, d.ID)
		require.NoError(t, err)
		require.Equal(t, up, got.Uptime[1].Up)
		e.clock.AdvanceTo(start.Add(7*24*time.Hour + 11*time.Minute))
		require.NoError(t, e.server.Prune(ctx))
		got, err = alice.c.DeviceHealth(ctx, d.ID)
		require.NoError(t, err)
		require.Equal(t, 5*time.Minute, got.Uptime[1].Up, "the first stretch ended over a week ago")
		var stretches int
		require.NoError(t, e.server.Store().DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM device_uptime").Scan(&stretches))
		require.Equal(t, 1, stretches, "the first stretch is forgotten")

		_, err = e.client(walletKey(8)).DeviceHealth(ctx, d.ID)
		require.ErrorIs(t, err, iog.ErrNotFound, "another wallet's device")
		_, err = e.client(nil).DeviceHealth(ctx, d.ID)
		require.ErrorIs(t, err, iog.ErrUnauthorized)
		_, err = alice.c.DeviceHealth(ctx, "no-such-device")
		require.ErrorIs(t, err, iog.ErrNotFound)
		key, err := alice.c.CreateAPIKey(ctx, "dash", []api.Scope{api.ScopeRead}, time.Hour)
		require.NoError(t, err)
		_, err = e.keyClient(key.Token).DeviceHealth(ctx, d.ID)
		require.NoError(t, err)
	})
}
