package refserver_test

import (
	"context"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver"
)

// TestDeviceReadiness: a device's public view, in every answer that
// shows one, says where it stands and why at each step: registered, its
// report accepted, heard from, proven, removed, silent; and a device
// never heard from is pending still at io.net's 12-hour limit.
func TestDeviceReadiness(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		anon := e.client(nil)
		read := func(id iog.DeviceID) api.Readiness {
			t.Helper()
			d, err := anon.Device(ctx, id)
			require.NoError(t, err)
			return d.Readiness
		}
		const noBeat = "no heartbeat yet: start the worker agent, whose heartbeats bring the proof of work"
		alice := newSupplier(t, e, 1, "H100-SXM", 2)
		reg, err := alice.c.RegisterDevice(ctx, api.RegisterDeviceRequest{
			Name: "rig", TunnelKey: alice.key.Public().(ed25519.PublicKey), Location: "US/Virginia",
			Bandwidth: api.Bandwidth{DownBytesPerSec: 500 << 20, UpBytesPerSec: 400 << 20},
		})
		require.NoError(t, err)
		id := reg.Device.ID
		require.Equal(t, api.Readiness{State: iog.ReadinessPending, Reasons: []string{
			"pending 0 m of up to 12 h: its hardware report has not been accepted yet; the worker agent sends it when it starts", noBeat,
		}}, reg.Device.Readiness)

		e.clock.Advance(4 * time.Minute) // within the challenge's 5 minutes
		d, err := alice.report(reg.Challenge)
		require.NoError(t, err)
		const proofDue = "the proof of work has not passed yet; keep the worker agent running to answer its proof tasks"
		require.Equal(t, api.Readiness{State: iog.ReadinessPending, Reasons: []string{"pending 4 m of up to 12 h: " + proofDue, noBeat}}, d.Readiness)

		alice.beat(t, e, id, false)
		require.Equal(t, api.Readiness{State: iog.ReadinessPending, Reasons: []string{"pending 4 m of up to 12 h: " + proofDue}}, read(id),
			"heard from, its proof tasks not answered")
		alice.beat(t, e, id, true)
		ready := api.Readiness{State: iog.ReadinessReady, Schedulable: true}
		require.Equal(t, ready, read(id), "proven")
		list, err := anon.Devices(ctx, iogsdk.DeviceQuery{Owner: walletOf(alice.key)})
		require.NoError(t, err)
		require.Len(t, list.Devices, 1)
		require.Equal(t, ready, list.Devices[0].Readiness)
		renamed, err := alice.c.RenameDevice(ctx, id, "rack 4")
		require.NoError(t, err)
		require.Equal(t, ready, renamed.Readiness)

		bob := newSupplier(t, e, 2, "L40S", 1)
		gone := bob.register(t)
		removed, err := bob.c.RemoveDevice(ctx, gone.ID)
		require.NoError(t, err)
		blocked := api.Readiness{State: iog.ReadinessBlocked, Reasons: []string{"removed by its owner; its GPUs may register again as a new device"}}
		require.Equal(t, blocked, removed.Readiness)
		require.Equal(t, blocked, read(gone.ID))

		// A device never heard from is pending still at the limit.
		carol := newSupplier(t, e, 3, "A100-80GB", 1)
		silent := carol.register(t)
		e.clock.Advance(12 * time.Hour)
		require.Equal(t, api.Readiness{State: iog.ReadinessPending, Reasons: []string{
			"pending 12 h: the proof of work has not passed within 12 h; check that the worker agent runs and answers its proof tasks", noBeat,
		}}, read(silent.ID))

		// The leader's loop marks the silent device down.
		run, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- e.server.Run(run) }()
		defer func() { stop(); require.NoError(t, <-done) }()
		for i := 0; e.clock.Waiters() < refserver.LoopCount(e.server); i++ {
			require.Less(t, i, 1000, "the loops never started")
			time.Sleep(time.Millisecond)
		}
		for i := 0; read(id).State != iog.ReadinessDown; i++ {
			require.Less(t, i, 2000, "the device stayed up")
			time.Sleep(time.Millisecond)
		}
		require.Equal(t, api.Readiness{State: iog.ReadinessDown, Reasons: []string{
			"down: no heartbeat for 12 h; check that the worker agent runs and reaches the server",
		}}, read(id))
	})
}

// TestDeviceReadinessLimit: the pending limit is the server's to set
// (Config.Readiness).
func TestDeviceReadinessLimit(t *testing.T) {
	e := newEnv(t, sqldb.SQLite, func(c *refserver.Config) { c.Readiness = iog.ReadinessRules{PendingLimit: time.Hour} })
	alice := newSupplier(t, e, 1, "H100-SXM", 1)
	d := alice.register(t)
	alice.beat(t, e, d.ID, false)
	e.clock.Advance(time.Hour)
	got, err := e.client(nil).Device(ctx, d.ID)
	require.NoError(t, err)
	require.Equal(t, api.Readiness{State: iog.ReadinessPending, Reasons: []string{
		"pending 1 h: the proof of work has not passed within 1 h; check that the worker agent runs and answers its proof tasks",
	}}, got.Readiness)
}
