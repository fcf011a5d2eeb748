package ray_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/iogsdk/ray"
)

var _ ray.DeviceReader = (*iogsdk.Client)(nil)

// catalog is a DeviceReader of known devices.
type catalog map[iog.DeviceID]api.Device

func (c catalog) Device(_ context.Context, id iog.DeviceID) (api.Device, error) {
	d, ok := c[id]
	if !ok {
		return api.Device{}, fmt.Errorf("device %s: %w", id, iog.ErrNotFound)
	}
	return d, nil
}

func TestClusterDevices(t *testing.T) {
	known := catalog{"d1": {ID: "d1", Model: "L4"}, "d2": {ID: "d2", Model: "T4"}}
	c := api.Cluster{ID: testCluster, Devices: []api.ClusterDevice{{Device: "d2"}, {Device: "d1"}}}
	got, err := ray.ClusterDevices(t.Context(), known, c)
	require.NoError(t, err)
	require.Equal(t, []api.Device{known["d2"], known["d1"]}, got)

	c.Devices = append(c.Devices, api.ClusterDevice{Device: "d3"})
	_, err = ray.ClusterDevices(t.Context(), known, c)
	require.ErrorIs(t, err, iog.ErrNotFound)
}
