package store_test

import (
	"bytes"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/internal/sqltest"
	"github.com/internetofgpus/iog/refserver/store"
)

// TestDeviceViews: a device's public view read from the store, its
// trust answered from the row's copy of the score or computed from its
// verifier record, is the view of the device as read whole, at every time
// read for: inside the copy's interval, after one of its outcomes left
// the trust window, before the copy was made (a clock stepped back), and
// for a row written before the copy existed.
func TestDeviceViews(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, dialect := range sqltest.Dialects {
		t.Run(dialect.String(), func(t *testing.T) {
			clock := iog.NewManualClock(t0)
			s, err := store.OpenDB(ctx, sqltest.Open(t, dialect), store.Config{Authority: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, 32)), Clock: clock})
			require.NoError(t, err)
			defer s.Close()
			device := func(id iog.DeviceID, state string, rec gpu.DeviceRecord) store.Device {
				h, err := iog.NewHealth(t0.Add(-2 * time.Hour)).Heartbeat(t0.Add(-time.Hour))
				require.NoError(t, err)
				return store.Device{ID: id, Owner: wallet(1), Name: "rig " + string(id), State: state, TunnelKey: ed25519.PublicKey(bytes.Repeat([]byte{7}, 32)),
					Location: iog.Location{Country: "US"}, Bandwidth: iog.Bandwidth{DownBytesPerSec: 1e9, UpBytesPerSec: 1e8},
					Registered: t0.Add(-2 * time.Hour), Updated: t0, Model: "H100-SXM", GPUCount: 1, Verifier: rec, Health: h}
			}
			record := func(id iog.DeviceID, history ...gpu.Outcome) gpu.DeviceRecord {
				return gpu.DeviceRecord{Device: id, Owner: wallet(1), Registered: t0.Add(-2 * time.Hour), History: history}
			}
			proven := device("dev-a", "active", record("dev-a",
				gpu.Outcome{At: t0.Add(-time.Hour), Check: gpu.CheckFormat, Passed: true},
				gpu.Outcome{At: t0.Add(-30 * time.Minute), Check: gpu.CheckProof, Passed: true}))
			proven.Verifier.GPUs = []gpu.GPUReading{{GPU: iog.GPU{UUID: "GPU-a"}}}
			proven.Verifier.Known = []gpu.KnownGPU{{UUID: "GPU-a", Model: "H100-SXM", Proven: t0.Add(-30 * time.Minute)}}
			failed := device("dev-b", "active", record("dev-b", gpu.Outcome{At: t0.Add(-time.Hour), Check: gpu.CheckProof, Passed: false}))
			pending := device("dev-c", "pending", record("dev-c"))
			removed := device("dev-d", "removed", gpu.DeviceRecord{})
			all := []store.Device{proven, failed, pending, removed}
			require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
				for _, d := range all {
					require.NoError(t, tx.InsertDevice(d))
				}
				return nil
			}))
			check := func(at time.Time, what string) {
				t.Helper()
				require.NoError(t, s.ReadTx(ctx, func(tx *store.Tx) error {
					var want []store.DeviceView
					for _, d := range all {
						v, err := tx.DeviceView(d.ID, at)
						require.NoError(t, err)
						require.Equal(t, d.View(at), v, "%s: %s", what, d.ID)
						want = append(want, v)
					}
					views, err := tx.DeviceViews(store.DeviceFilter{}, at)
					require.NoError(t, err)
					require.Equal(t, want, views, what)
					active, err := tx.DeviceViews(store.DeviceFilter{State: "active", Limit: 1}, at)
					require.NoError(t, err)
					require.Equal(t, want[:1], active, what)
					return nil
				}))
			}
			require.Equal(t, gpu.TrustScore(0), removed.View(t0).Trust, "a device the verifier does not hold")
			require.Equal(t, gpu.TrustScore(500), pending.View(t0).Trust)
			require.NotEqual(t, proven.View(t0).Trust, proven.View(t0.Add(gpu.TrustWindow)).Trust, "the test must see a score change")
			require.True(t, proven.View(t0).Proven)
			require.False(t, failed.View(t0).Proven, "no GPU proven")
			check(t0, "when the copy was made")
			check(t0.Add(gpu.TrustWindow-time.Hour), "inside the copy's interval")
			check(t0.Add(gpu.TrustWindow), "after the first outcome left the window")
			check(t0.Add(3*gpu.TrustWindow), "after every outcome left it")
			check(t0.Add(-time.Minute), "before the copy was made")

			// A copy that holds is what the read answers with; one that
			// does not, as in a row written before the copy existed, is
			// not.
			_, err = s.DB().ExecContext(ctx, "UPDATE devices SET trust = 777 WHERE id = 'dev-a'")
			require.NoError(t, err)
			require.NoError(t, s.ReadTx(ctx, func(tx *store.Tx) error {
				v, err := tx.DeviceView("dev-a", t0)
				require.Equal(t, gpu.TrustScore(777), v.Trust, "the copy answers inside its interval")
				return err
			}))
			_, err = s.DB().ExecContext(ctx, "UPDATE devices SET proven_since = NULL WHERE id = 'dev-a'")
			require.NoError(t, err)
			require.NoError(t, s.ReadTx(ctx, func(tx *store.Tx) error {
				v, err := tx.DeviceView("dev-a", t0)
				require.Equal(t, proven.View(t0), v, "a row without the proofs' copy is read from its record")
				return err
			}))
			_, err = s.DB().ExecContext(ctx, "UPDATE devices SET trust = 0, trust_from = 0, trust_until = 0")
			require.NoError(t, err)
			check(t0, "rows without a copy")

			// A write of the record writes its copy.
			require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
				d, err := tx.Device("dev-a")
				require.NoError(t, err)
				d.Verifier.History = append(d.Verifier.History, gpu.Outcome{At: t0, Check: gpu.CheckProof, Passed: false})
				require.NoError(t, tx.UpdateDevice(d))
				all[0] = d
				return nil
			}))
			require.Less(t, all[0].View(t0).Trust, proven.View(t0).Trust)
			check(t0, "after a write of the record")
		})
	}
}
