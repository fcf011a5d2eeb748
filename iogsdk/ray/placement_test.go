package ray_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/iogsdk/ray"
)

func TestPlacementOf(t *testing.T) {
	devices := []api.Device{{ID: "d1", Model: "H100-SXM"}, {ID: "d2", Model: "L4"}}
	wl := api.Workload{Image: "ray:custom", Ports: []uint16{8265}}
	placed := api.Cluster{ID: testCluster, Status: api.ClusterRunning, Workload: wl, Devices: []api.ClusterDevice{
		{Device: "d1", GPUs: []int{0, 1, 2, 3}, Share: 1000},
		{Device: "d2", GPUs: []int{1}, Share: 1000},
	}}
	p, err := ray.PlacementOf(placed, devices)
	require.NoError(t, err)
	require.Equal(t, ray.Placement{Cluster: testCluster, Workload: wl, Nodes: []ray.Node{
		{Device: "d1", Model: "H100-SXM", GPUs: 4},
		{Device: "d2", Model: "L4", GPUs: 1},
	}}, p)

	tests := []struct {
		name string
		edit func(c *api.Cluster)
		want string
	}{
		{"pending", func(c *api.Cluster) { c.Status = api.ClusterPending; c.Devices = nil }, "it is pending"},
		{"a device not given", func(c *api.Cluster) { c.Devices[1].Device = "d3" }, "device d3 is not among"},
		{"a shared GPU", func(c *api.Cluster) { c.Devices[0].Share = 500 }, "whole GPUs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := placed
			c.Devices = append([]api.ClusterDevice(nil), placed.Devices...)
			tt.edit(&c)
			_, err := ray.PlacementOf(c, devices)
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.ErrorContains(t, err, tt.want)
		})
	}
}
