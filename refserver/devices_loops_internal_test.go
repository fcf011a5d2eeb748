package refserver

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/refserver/store"
)

// TestMarkSilentDevicesInParts: a fleet silent at once, more devices than
// one part of the heartbeat timeout takes, is marked down whole, each
// device as noteSilence has it at the round's time, and the devices up
// and heard from, or down already, are left as they were.
func TestMarkSilentDevicesInParts(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	clock := iog.NewManualClock(t0)
	s := newTestServer(t, 5, clock)
	ctx := context.Background()
	loc, err := iog.ParseLocation("DE/Berlin")
	require.NoError(t, err)
	now := t0.Add(time.Hour)
	want := map[iog.DeviceID]store.Device{}
	marked := 0
	require.NoError(t, s.store.Tx(ctx, func(tx *store.Tx) error {
		for i := range 3*silentBatch + 7 {
			// Every seventh device was heard from a moment ago, every
			// eleventh is down already; the others went silent.
			seen := t0.Add(time.Duration(i%5) * time.Second)
			if i%7 == 0 {
				seen = now.Add(-time.Second)
			}
			h, err := iog.NewHealth(t0).Heartbeat(seen)
			require.NoError(t, err)
			if i%11 == 0 {
				h, err = h.Miss(seen)
				require.NoError(t, err)
			}
			d := store.Device{ID: iog.DeviceID(fmt.Sprintf("dev-%04d", i)), Owner: iog.WalletAddress{1}, Name: "rig", State: "active",
				TunnelKey: ed25519.PublicKey(bytes.Repeat([]byte{7}, 32)), Location: loc, Registered: t0, Updated: seen, Health: h}
			require.NoError(t, tx.InsertDevice(d))
			if h.Up && h.Overdue(now, s.cfg.HeartbeatTimeout) {
				if d.Health, err = s.noteSilence(h, now); err != nil {
					return err
				}
				d.Updated = now
				marked++
			}
			want[d.ID] = d
		}
		return nil
	}))
	require.Greater(t, marked, 2*silentBatch, "the round takes three parts")
	clock.AdvanceTo(now)
	require.NoError(t, s.markSilentDevices(ctx))
	require.NoError(t, s.store.Tx(ctx, func(tx *store.Tx) error {
		got, err := tx.Devices(store.DeviceFilter{})
		require.NoError(t, err)
		require.Len(t, got, len(want))
		for _, d := range got {
			w := want[d.ID]
			require.Equal(t, w.Health, d.Health, "device %s", d.ID)
			require.Equal(t, w.Updated, d.Updated, "device %s", d.ID)
		}
		return nil
	}))
}
