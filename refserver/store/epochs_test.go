package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/refserver/store"
)

// TestEpochDevicePools: an epoch's devices read back with their pool's
// name, and rows written before the Enterprise and Community pools read
// as the pool that took their share: GPU (95%) as Enterprise, CPU (5%)
// as Community.
func TestEpochDevicePools(t *testing.T) {
	ended := time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC)
	eachStore(t, func(t *testing.T, s *store.Store) {
		device := func(id, pool string) store.EpochDevice {
			return store.EpochDevice{Epoch: 1, Device: iog.DeviceID(id), Owner: wallet(1), Rewarded: true, Pool: pool, Weight: 1, Reward: iog.NewAmount(1, iog.IO)}
		}
		written := []store.EpochDevice{device("a", "Enterprise"), device("b", "Community"), device("c", "GPU"), device("d", "CPU")}
		var read []store.EpochDevice
		require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
			if err := tx.InsertEpoch(store.Epoch{Number: 1, Started: ended.Add(-time.Hour), Ended: ended, Settled: ended}, written); err != nil {
				return err
			}
			var err error
			read, err = tx.EpochDevices(1, "", 10)
			return err
		}))
		pools := map[iog.DeviceID]string{}
		for _, d := range read {
			pools[d.Device] = d.Pool
		}
		require.Equal(t, map[iog.DeviceID]string{"a": "Enterprise", "b": "Community", "c": "Enterprise", "d": "Community"}, pools)

		// A name of no pool is a corrupt row.
		err := s.Tx(ctx, func(tx *store.Tx) error {
			if err := tx.InsertEpoch(store.Epoch{Number: 2, Started: ended, Ended: ended.Add(time.Hour), Settled: ended.Add(time.Hour)}, []store.EpochDevice{device("e", "Bogus")}); err != nil {
				return err
			}
			_, err := tx.EpochDevices(2, "", 10)
			return err
		})
		require.ErrorIs(t, err, iog.ErrInvalid)
	})
}
