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
	"github.com/internetofgpus/iog/internal/sqldb"
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
// changed, or with UpdateDeviceHealth when only its health and updated
// time changed, ends as the same row and the same GPU bindings as the
// device written whole.
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
		// healthOnly cases change the health and the updated time alone:
		// UpdateDeviceHealth writes them too.
		healthOnly bool
	}{
		{"nothing", func(_ *testing.T, _ *store.Tx, d store.Device) store.Device { return d }, true},
		{"updated only", func(_ *testing.T, _ *store.Tx, d store.Device) store.Device {
			d.Updated = later
			return d
		}, true},
		{"a heartbeat", func(_ *testing.T, _ *store.Tx, d store.Device) store.Device {
			d.Health, d.Updated = up, later
			return d
		}, true},
		{"a heartbeat after a rename", func(t *testing.T, tx *store.Tx, d store.Device) store.Device {
			other := d
			other.Name = "rig 2"
			require.NoError(t, tx.UpdateDevice(other))
			d.Name, d.Health, d.Updated = "rig 2", up, later
			return d
		}, true},
		{"a rename after a heartbeat", func(t *testing.T, tx *store.Tx, d store.Device) store.Device {
			d.Health, d.Updated = up, later
			require.NoError(t, tx.UpdateDeviceHealth(d))
			d.Name = "rig 2"
			return d
		}, false},
		{"a proof task", func(_ *testing.T, _ *store.Tx, d store.Device) store.Device {
			d.Verifier.OpenTasks = []gpu.ProofTask{{Device: d.ID, GPU: "GPU-1", Model: "RTX 4090", N: 64, Steps: 2, Issued: later, Deadline: later.Add(time.Minute)}}
			d.Health, d.Updated = up, later
			return d
		}, false},
		{"renamed", func(_ *testing.T, _ *store.Tx, d store.Device) store.Device {
			d.Name, d.Updated = "rig 2", later
			return d
		}, false},
		{"other GPUs", func(_ *testing.T, _ *store.Tx, d store.Device) store.Device {
			d.Verifier.Known, d.GPUCount, d.Model = known("GPU-2", "GPU-3", "GPU-4"), 3, "H100"
			return d
		}, false},
		{"removed", func(_ *testing.T, _ *store.Tx, d store.Device) store.Device {
			d.State, d.Verifier, d.Updated = "removed", gpu.DeviceRecord{}, later
			return d
		}, false},
		{"a copy written first", func(t *testing.T, tx *store.Tx, d store.Device) store.Device {
			other := d
			other.Name, other.Verifier.Known, other.Health = "copy", known("GPU-9"), up
			require.NoError(t, tx.UpdateDevice(other))
			return d
		}, false},
		{"written twice", func(t *testing.T, tx *store.Tx, d store.Device) store.Device {
			d.Health = up
			require.NoError(t, tx.UpdateDevice(d))
			d.Verifier.Known = nil
			return d
		}, false},
	}
	eachStore(t, func(t *testing.T, s *store.Store) {
		require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error { return tx.InsertDevice(base) }))
		// result writes base whole, then the case's change to the device
		// as read (fast) or as built (slow), and returns the row and which
		// of the GPUs seen anywhere are bound to it.
		result := func(t *testing.T, change func(*testing.T, *store.Tx, store.Device) store.Device, read, healthOnly bool) (store.Device, []string) {
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
				if healthOnly {
					require.NoError(t, tx.UpdateDeviceHealth(change(t, tx, d)))
				} else {
					require.NoError(t, tx.UpdateDevice(change(t, tx, d)))
				}
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
				want, wantBound := result(t, c.change, false, false)
				ways := [][2]bool{{true, false}}
				if c.healthOnly {
					ways = append(ways, [2]bool{true, true}, [2]bool{false, true})
				}
				for _, w := range ways {
					got, gotBound := result(t, c.change, w[0], w[1])
					require.Equal(t, want, got, "read %v, health only %v", w[0], w[1])
					require.Equal(t, wantBound, gotBound, "read %v, health only %v", w[0], w[1])
				}
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

// TestNodes: the scheduler's rows of the devices, read outside any
// transaction, are the devices' own columns, by ID, as the last commit
// left them.
func TestNodes(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	eachStore(t, func(t *testing.T, s *store.Store) {
		locs := []string{"US/California/San Francisco@37.7749,-122.4194", "DE/Berlin", "JP"}
		require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
			for i := range 7 {
				loc, err := iog.ParseLocation(locs[i%3])
				require.NoError(t, err)
				h := iog.NewHealth(t0)
				if i%2 == 0 {
					h, err = h.Heartbeat(t0)
					require.NoError(t, err)
				}
				d := store.Device{ID: iog.DeviceID(fmt.Sprintf("dev-%d", 7-i)), Owner: wallet(1), Name: "rig", State: []string{"active", "pending", "removed"}[i%3],
					TunnelKey: ed25519.PublicKey(bytes.Repeat([]byte{7}, 32)), Location: loc, Bandwidth: iog.Bandwidth{DownBytesPerSec: uint64(i) * 1e6, UpBytesPerSec: uint64(i) * 1e5},
					Registered: t0, Updated: t0, Model: "RTX 4090", GPUCount: i, Health: h}
				require.NoError(t, tx.InsertDevice(d))
			}
			return nil
		}))
		for round := range 2 {
			var devices []store.Device
			require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
				var err error
				devices, err = tx.Devices(store.DeviceFilter{})
				return err
			}))
			var want []store.NodeRow
			for _, d := range devices {
				want = append(want, store.NodeRow{ID: d.ID, State: d.State, Model: d.Model, GPUCount: d.GPUCount, Location: d.Location, Bandwidth: d.Bandwidth, Up: d.Health.Up})
			}
			got, err := s.Nodes(ctx)
			require.NoError(t, err)
			for i := range got {
				require.Positive(t, got[i].Changed)
				got[i].Changed = 0
			}
			require.Equal(t, want, got, "round %d", round)
			// A heartbeat that brings a device up, and a report that
			// changes another's GPUs, show in the next read.
			require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
				for _, d := range devices[:2] {
					if d.Health, err = d.Health.Heartbeat(t0.Add(time.Minute)); err != nil {
						return err
					}
					d.GPUCount, d.Model, d.State = d.GPUCount+1, "H100", "active"
					if err := tx.UpdateDevice(d); err != nil {
						return err
					}
				}
				return nil
			}))
		}
	})
}

// TestNodesChangedAfter: every write of a device's scheduling columns
// (registration, state, GPUs, up, by each path that writes them) counts
// a change, and nothing else does (a heartbeat that leaves the device up,
// a new verifier record), so that a round that read the changes up to one
// reads exactly the later ones. On PostgreSQL it reads every device.
func TestNodesChangedAfter(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	eachStore(t, func(t *testing.T, s *store.Store) {
		require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
			for _, id := range []iog.DeviceID{"dev-a", "dev-b", "dev-c"} {
				d := store.Device{ID: id, Owner: wallet(1), Name: "rig", State: "active", TunnelKey: ed25519.PublicKey(bytes.Repeat([]byte{7}, 32)),
					Registered: t0, Updated: t0, Model: "RTX 4090", GPUCount: 1, Health: iog.NewHealth(t0)}
				if err := tx.InsertDevice(d); err != nil {
					return err
				}
			}
			return nil
		}))
		all, err := s.Nodes(ctx)
		require.NoError(t, err)
		seen := int64(0)
		for _, n := range all {
			require.Greater(t, n.Changed, seen, "each registration a change of its own")
			seen = n.Changed
		}
		changed := func() []iog.DeviceID {
			rows, err := s.NodesChangedAfter(ctx, seen)
			require.NoError(t, err)
			var ids []iog.DeviceID
			for _, n := range rows {
				ids = append(ids, n.ID)
				seen = max(seen, n.Changed)
			}
			return ids
		}
		if s.Dialect() == sqldb.Postgres {
			require.Equal(t, []iog.DeviceID{"dev-a", "dev-b", "dev-c"}, changed())
			return
		}
		require.Empty(t, changed())
		beat := func(id iog.DeviceID, at time.Time) {
			require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
				b, err := tx.DeviceBeat(id)
				if err != nil {
					return err
				}
				d := b.Device(at)
				if d.Health, err = d.Health.Heartbeat(at); err != nil {
					return err
				}
				return tx.UpdateDeviceHealth(d)
			}))
		}
		beat("dev-b", t0.Add(time.Second))
		require.Equal(t, []iog.DeviceID{"dev-b"}, changed(), "a heartbeat that brings it up")
		beat("dev-b", t0.Add(2*time.Second))
		require.Empty(t, changed(), "one that leaves it up")
		update := func(id iog.DeviceID, change func(*store.Device)) {
			require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
				d, err := tx.Device(id)
				if err != nil {
					return err
				}
				change(&d)
				return tx.UpdateDevice(d)
			}))
		}
		update("dev-c", func(d *store.Device) { d.Verifier.Credited = t0.Add(time.Hour) })
		require.Empty(t, changed(), "a new verifier record")
		update("dev-c", func(d *store.Device) { d.GPUCount = 2 })
		update("dev-a", func(d *store.Device) { d.State = "removed" })
		require.Equal(t, []iog.DeviceID{"dev-c", "dev-a"}, changed(), "in the order of the changes")
	})
}
