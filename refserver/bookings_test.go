package refserver_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// TestDeviceBookings: the explorer lists the clusters a device hosted,
// ended ones too, the latest placed on it first, a page at a time, and a
// status at a time.
func TestDeviceBookings(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		round := e.server.ClusterRounds()
		_, dev := upDevice(t, e, 1, 1)
		_, other := upDevice(t, e, 2, 1)
		renter := e.client(walletKey(7))
		_, err := renter.Faucet(ctx)
		require.NoError(t, err)
		var ids []iog.ClusterID
		for range 3 {
			cl, err := renter.Deploy(ctx, deployBody(t, 1, 1))
			require.NoError(t, err)
			require.NoError(t, round(ctx))
			ids = append(ids, cl.ID)
			e.clock.Advance(time.Second)
		}
		// Two devices of one GPU host two of the clusters; the third
		// waits until the first ends.
		pub, err := e.client(nil).PublicCluster(ctx, ids[0])
		require.NoError(t, err)
		first := pub.Devices[0]
		_, err = renter.TerminateCluster(ctx, ids[0])
		require.NoError(t, err)
		e.clock.Advance(time.Second)
		require.NoError(t, round(ctx))
		hosted := func(d iog.DeviceID, status api.ClusterStatus, after string) []iog.ClusterID {
			t.Helper()
			list, err := e.client(nil).DeviceBookings(ctx, d, status, after)
			require.NoError(t, err)
			var out []iog.ClusterID
			for _, c := range list.Clusters {
				require.Contains(t, c.Devices, d, "cluster %s", c.ID)
				out = append(out, c.ID)
			}
			return out
		}
		on := map[iog.DeviceID][]iog.ClusterID{}
		for _, id := range ids {
			c, err := e.client(nil).PublicCluster(ctx, id)
			require.NoError(t, err)
			require.Len(t, c.Devices, 1, "cluster %s", id)
			on[c.Devices[0]] = append([]iog.ClusterID{id}, on[c.Devices[0]]...)
		}
		require.Len(t, on[first], 2, "the first cluster's device took the third after it")
		require.Equal(t, []iog.ClusterID{ids[2], ids[0]}, on[first])
		require.Equal(t, on[first], hosted(first, "", ""))
		require.Equal(t, on[first][1:], hosted(first, "", string(on[first][0])), "after the latest, the one before")
		require.Equal(t, []iog.ClusterID{ids[0]}, hosted(first, api.ClusterEnded, ""))
		second := dev.ID
		if second == first {
			second = other.ID
		}
		require.Equal(t, []iog.ClusterID{ids[1]}, hosted(second, "", ""))
		require.Empty(t, hosted("no-such-device", "", ""))
		_, err = e.client(nil).DeviceBookings(ctx, first, "", string(ids[1]))
		require.ErrorIs(t, err, iog.ErrInvalid, "a cluster the device did not host")
	}, withFaucet)
}
