package store_test

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/refserver/store"
)

// detached is d as a caller builds it, not read from the store: what
// UpdateDevice writes whole.
func detached(d store.Device) store.Device {
	return store.Device{
		ID: d.ID, Owner: d.Owner, Name: d.Name, State: d.State, TunnelKey: d.TunnelKey, Location: d.Location,
		Bandwidth: d.Bandwidth, Registered: d.Registered, Updated: d.Updated, Model: d.Model, GPUCount: d.GPUCount,
		Verifier: d.Verifier, Health: d.Health,
	}
}

// TestUpdateDeviceWritesWhatChanged: a device read in the transaction and
// written back with UpdateDevice, which writes only the columns that
// changed, ends as the same row and the same GPU bindings as the device
// written whole.
func TestUpdateDeviceWritesWhatChanged(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	loc, err := iog.ParseLocation("US/California/San Francisco@37.7749,-122.4194")
	require.NoError(t, err)
	known := func(uuids ...string) []gpu.KnownGPU {
		var out []gpu.KnownGPU
		for _, u := range uuids {
			out = append(out, gpu.KnownGPU{UUID: u, Model: "RTX 4090"})
		}
		return out
	}
	base := store.Device{
		ID: "dev-a", Owner: wallet(1), Name: "rig", State: "active", TunnelKey: ed25519.PublicKey(bytes.Repeat([]byte{7}, 32)),
		Location: loc, Bandwidth: iog.Bandwidth{DownBytesPerSec: 1e9, UpBytesPerSec: 1e8}, Registered: t0, Updated: t0,
		Model: "RTX 4090", GPUCount: 2, Verifier: gpu.DeviceRecord{Device: "dev-a", Owner: wallet(1), Known: known("GPU-1", "GPU-2")},
		Health: iog.NewHealth(t0),
	}
	later := t0.Add(time.Minute)
	up, err := base.Health.Heartbeat(later)
	require.NoError(t, err)
	cases := []struct {
		name string
		// change changes the device as a handler would, and may write it
		// itself; the test writes the device it returns.
		change func(t *testing.T, tx *store.Tx, d store.Device) store.Device
	}{
		{"nothing", func(_ *testing.T, _ *store.Tx, d store.Device) store.Device { return d }},
		{"updated only", func(_ *testing.T, _ *store.Tx, d store.Device) store.Device {
			d.Updated = later
			return d
		}},
		{"a heartbeat", func(_ *testing.T, _ *store.Tx, d store.Device) store.Device {
			d.Health, d.Updated = up, later
			return d
		}},
		{"a proof task", func(_ *testing.T, _ *store.Tx, d store.Device) store.Device {
			d.Verifier.OpenTasks = []gpu.ProofTask{{Device: d.ID, GPU: "GPU-1", Model: "RTX 4090", N: 64, Steps: 2, Issued: later, Deadline: later.Add(time.Minute)}}
			d.Health, d.Updated = up, later
			return d
		}},
		{"renamed", func(_ *testing.T, _ *store.Tx, d store.Device) store.Device {
			d.Name, d.Updated = "rig 2", later
			return d
		}},
		{"other GPUs", func(_ *testing.T, _ *store.Tx, d store.Device) store.Device {
			d.Verifier.Known, d.GPUCount, d.Model = known("GPU-2", "GPU-3", "GPU-4"), 3, "H100"
			return d
		}},
		{"removed", func(_ *testing.T, _ *store.Tx, d store.Device) store.Device {
			d.State, d.Verifier, d.Updated = "removed", gpu.DeviceRecord{}, later
			return d
		}},
		{"a copy written first", func(t *testing.T, tx *store.Tx, d store.Device) store.Device {
			other := d
			other.Name, other.Verifier.Known, other.Health = "copy", known("GPU-9"), up
			require.NoError(t, tx.UpdateDevice(other))
			return d
		}},
		{"written twice", func(t *testing.T, tx *store.Tx, d store.Device) store.Device {
			d.Health = up
			require.NoError(t, tx.UpdateDevice(d))
			d.Verifier.Known = nil
			return d
		}},
	}
	eachStore(t, func(t *testing.T, s *store.Store) {
		require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error { return tx.InsertDevice(base) }))
		// result writes base whole, then the case's change to the device
		// as read (fast) or as built (slow), and returns the row and which
		// of the GPUs seen anywhere are bound to it.
		result := func(t *testing.T, change func(*testing.T, *store.Tx, store.Device) store.Device, read bool) (store.Device, []string) {
			var got store.Device
			var bound []string
			require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
				require.NoError(t, tx.UpdateDevice(base))
				d := detached(base)
				if read {
					var err error
					d, err = tx.Device(base.ID)
					require.NoError(t, err)
				}
				require.NoError(t, tx.UpdateDevice(change(t, tx, d)))
				return nil
			}))
			require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
				var err error
				got, err = tx.Device(base.ID)
				require.NoError(t, err)
				for _, u := range []string{"GPU-1", "GPU-2", "GPU-3", "GPU-4", "GPU-9"} {
					holders, err := tx.DevicesHolding([]string{u}, "")
					require.NoError(t, err)
					if len(holders) == 1 && holders[0].ID == base.ID {
						bound = append(bound, u)
					}
				}
				return nil
			}))
			return detached(got), bound
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				want, wantBound := result(t, c.change, false)
				got, gotBound := result(t, c.change, true)
				require.Equal(t, want, got)
				require.Equal(t, wantBound, gotBound)
			})
		}
	})
}

// TestSilentDevicesInParts: the silent devices listed a part at a time are
// those listed at once, by ID: the up ones silent since before the time.
func TestSilentDevicesInParts(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	eachStore(t, func(t *testing.T, s *store.Store) {
		var want []iog.DeviceID
		require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
			for i := range 23 {
				seen := t0.Add(time.Duration(i%3) * time.Hour)
				h, err := iog.NewHealth(t0).Heartbeat(seen)
				require.NoError(t, err)
				if i%5 == 4 {
					h, err = h.Miss(seen)
					require.NoError(t, err)
				}
				id := iog.DeviceID(fmt.Sprintf("dev-%02d", 22-i))
				if h.Up && seen.Before(t0.Add(90*time.Minute)) {
					want = append(want, id)
				}
				d := store.Device{ID: id, Owner: wallet(1), Name: "rig", State: "active", TunnelKey: ed25519.PublicKey(bytes.Repeat([]byte{7}, 32)),
					Registered: t0, Updated: seen, Health: h}
				require.NoError(t, tx.InsertDevice(d))
			}
			return nil
		}))
		slices.Sort(want)
		require.NotEmpty(t, want)
		for _, limit := range []int{1, 4, len(want), 100} {
			var got []iog.DeviceID
			require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
				for after := iog.DeviceID(""); ; {
					part, err := tx.SilentDevices(t0.Add(90*time.Minute), after, limit)
					require.NoError(t, err)
					require.LessOrEqual(t, len(part), limit)
					for _, d := range part {
						got = append(got, d.ID)
					}
					if len(part) < limit {
						return nil
					}
					after = part[len(part)-1].ID
				}
			}))
			require.Equal(t, want, got, "limit %d", limit)
		}
	})
}
