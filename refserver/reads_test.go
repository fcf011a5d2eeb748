package refserver_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
)

// TestReadsBesideTheWriter: public reads answer while a write transaction
// holds SQLite's write lock and, on PostgreSQL, the stake counter's row
// lock, as the committer and the loops do; and they answer what was
// committed before it.
func TestReadsBesideTheWriter(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		alice := newSupplier(t, e, 1, "H100-SXM", 2)
		d := alice.register(t)
		anon := e.client(nil)
		wantStake, err := anon.DeviceStake(ctx, d.ID)
		require.NoError(t, err)

		locked, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
		go func() {
			done <- e.server.Store().Tx(ctx, func(tx *store.Tx) error {
				if _, err := tx.LoadStake(nil); err != nil {
					return err
				}
				close(locked)
				<-release
				return nil
			})
		}()
		<-locked
		type answer struct {
			device api.Device
			stake  api.DeviceStake
			err    error
		}
		answered := make(chan answer, 1)
		go func() {
			var a answer
			a.device, a.err = anon.Device(ctx, d.ID)
			if a.err == nil {
				a.stake, a.err = anon.DeviceStake(ctx, d.ID)
			}
			if a.err == nil {
				_, a.err = anon.DeviceStats(ctx)
			}
			answered <- a
		}()
		select {
		case a := <-answered:
			require.NoError(t, a.err)
			require.Equal(t, d.ID, a.device.ID)
			require.Equal(t, wantStake, a.stake)
		case <-time.After(5 * time.Second):
			t.Fatal("the public reads waited for the writer")
		}
		close(release)
		require.NoError(t, <-done)
	})
}
