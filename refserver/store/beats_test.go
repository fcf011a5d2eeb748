package store_test

import (
	"bytes"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/refserver/store"
)

// TestDeviceBeat: what a heartbeat reads of a device says what its
// verifier record says of its proofs: the tasks it holds open, and
// whether a GPU's proof is due, at the boundary of the interval too; a
// row written before the copies existed says it does not know.
func TestDeviceBeat(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const interval = time.Hour
	known := func(proven ...time.Time) []gpu.KnownGPU {
		var out []gpu.KnownGPU
		for i, p := range proven {
			out = append(out, gpu.KnownGPU{UUID: "GPU-" + string(rune('a'+i)), Model: "H100-SXM", Proven: p})
		}
		return out
	}
	cases := []struct {
		name  string
		rec   gpu.DeviceRecord
		tasks int
		// due at t0
		due bool
	}{
		{"no GPUs", gpu.DeviceRecord{Device: "dev", Owner: wallet(1)}, 0, false},
		{"proven lately", gpu.DeviceRecord{Device: "dev", Owner: wallet(1), Known: known(t0.Add(-time.Minute), t0.Add(-59*time.Minute))}, 0, false},
		{"one proven an interval ago", gpu.DeviceRecord{Device: "dev", Owner: wallet(1), Known: known(t0.Add(-time.Minute), t0.Add(-interval))}, 0, true},
		{"one never proven", gpu.DeviceRecord{Device: "dev", Owner: wallet(1), Known: known(t0, time.Time{})}, 0, true},
		{"tasks open", gpu.DeviceRecord{Device: "dev", Owner: wallet(1), Known: known(t0), OpenTasks: []gpu.ProofTask{{GPU: "GPU-a"}, {GPU: "GPU-a"}}}, 2, false},
		{"removed", gpu.DeviceRecord{}, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eachStore(t, func(t *testing.T, s *store.Store) {
				h, err := iog.NewHealth(t0).Heartbeat(t0)
				require.NoError(t, err)
				d := store.Device{ID: "dev", Owner: wallet(1), Name: "rig", State: "active", TunnelKey: ed25519.PublicKey(bytes.Repeat([]byte{7}, 32)),
					Registered: t0, Updated: t0, Verifier: tc.rec, Health: h}
				require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error { return tx.InsertDevice(d) }))
				var want bool
				for _, k := range tc.rec.Known {
					want = want || k.Proven.IsZero() || t0.Sub(k.Proven) >= interval
				}
				require.Equal(t, tc.due, want, "the case's own reckoning")
				require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
					b, err := tx.DeviceBeat("dev")
					require.NoError(t, err)
					require.Equal(t, wallet(1), b.Owner)
					require.Equal(t, "active", b.State)
					require.Equal(t, h, b.Health)
					require.Equal(t, tc.tasks, b.OpenTasks)
					require.Equal(t, tc.due, b.ProofDue(t0, interval))
					require.Equal(t, tc.due || len(tc.rec.Known) > 0, b.ProofDue(t0.Add(interval), interval), "an interval on")
					return nil
				}))
				_, err = s.DB().ExecContext(ctx, "UPDATE devices SET open_tasks = -1")
				require.NoError(t, err)
				require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
					b, err := tx.DeviceBeat("dev")
					require.Equal(t, -1, b.OpenTasks, "a row written before the copies")
					return err
				}))
			})
		})
	}
	eachStore(t, func(t *testing.T, s *store.Store) {
		require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
			_, err := tx.DeviceBeat("missing")
			require.ErrorIs(t, err, iog.ErrNotFound)
			return nil
		}))
	})
}

// TestLastEpochEnd: what a heartbeat reads of the last settled epoch
// follows the epochs its own transaction settles, and forgets one that a
// failed step of its batch settled and was rolled back.
func TestLastEpochEnd(t *testing.T) {
	ended := time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC)
	epoch := func(n uint64, end time.Time) store.Epoch {
		return store.Epoch{Number: n, Started: end.Add(-time.Hour), Ended: end, Settled: end}
	}
	eachStore(t, func(t *testing.T, s *store.Store) {
		require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
			end, err := tx.LastEpochEnd()
			require.NoError(t, err)
			require.True(t, end.IsZero(), "none settled")
			require.NoError(t, tx.InsertEpoch(epoch(1, ended), nil))
			end, err = tx.LastEpochEnd()
			require.NoError(t, err)
			require.Equal(t, ended, end)
			return nil
		}))
		later := ended.Add(time.Hour)
		results, err := s.Batch(ctx, []store.Step{
			{Do: func(tx *store.Tx) error {
				end, err := tx.LastEpochEnd()
				require.NoError(t, err)
				require.Equal(t, ended, end)
				require.NoError(t, tx.InsertEpoch(epoch(2, later), nil))
				end, err = tx.LastEpochEnd()
				require.NoError(t, err)
				require.Equal(t, later, end)
				return iog.ErrConflict
			}},
			{Do: func(tx *store.Tx) error {
				end, err := tx.LastEpochEnd()
				require.NoError(t, err)
				require.Equal(t, ended, end, "the failed step's epoch was rolled back")
				return nil
			}},
		})
		require.NoError(t, err)
		require.ErrorIs(t, results[0], iog.ErrConflict)
		require.NoError(t, results[1])
	})
}

// readAndWrite reads the device "dev", gives it health h and writes it
// with write.
func readAndWrite(write func(*store.Tx, store.Device) error) func(*store.Tx, iog.Health) error {
	return func(tx *store.Tx, h iog.Health) error {
		d, err := tx.Device("dev")
		if err != nil {
			return err
		}
		d.Health = h
		return write(tx, d)
	}
}

// TestHealthCopies: however a device's health is written (by a
// heartbeat's read and write, by a write of the whole device, by an
// epoch's SaveHealth), the scheduler's nodes and the silent devices see
// it go up and down, and the device reads back with it.
func TestHealthCopies(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	up, err := iog.NewHealth(t0).Heartbeat(t0)
	require.NoError(t, err)
	down, err := up.Miss(t0.Add(time.Minute))
	require.NoError(t, err)
	require.True(t, up.Up)
	require.False(t, down.Up)
	writes := []struct {
		name  string
		write func(tx *store.Tx, h iog.Health) error
	}{
		{"a heartbeat", func(tx *store.Tx, h iog.Health) error {
			b, err := tx.DeviceBeat("dev")
			if err != nil {
				return err
			}
			d := b.Device(t0)
			d.Health = h
			return tx.UpdateDeviceHealth(d)
		}},
		{"the device read and written", readAndWrite((*store.Tx).UpdateDevice)},
		{"its health read and written", readAndWrite((*store.Tx).UpdateDeviceHealth)},
		{"an epoch", func(tx *store.Tx, h iog.Health) error {
			live, err := tx.LiveDevices(t0)
			if err != nil {
				return err
			}
			live[0].Health = h
			return tx.SaveHealth(live)
		}},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			eachStore(t, func(t *testing.T, s *store.Store) {
				d := store.Device{ID: "dev", Owner: wallet(1), Name: "rig", State: "active", TunnelKey: ed25519.PublicKey(bytes.Repeat([]byte{7}, 32)),
					Registered: t0, Updated: t0, Health: iog.NewHealth(t0)}
				require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error { return tx.InsertDevice(d) }))
				for _, h := range []iog.Health{up, up, down, up} {
					require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error { return w.write(tx, h) }))
					nodes, err := s.Nodes(ctx)
					require.NoError(t, err)
					require.Len(t, nodes, 1)
					require.Equal(t, h.Up, nodes[0].Up)
					require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
						got, err := tx.Device("dev")
						require.NoError(t, err)
						require.Equal(t, h, got.Health)
						silent, err := tx.SilentDevices(t0.Add(time.Hour), "", 10)
						require.NoError(t, err)
						require.Equal(t, h.Up, len(silent) == 1, "silent since before the hour when up")
						return nil
					}))
				}
			})
		})
	}
}
