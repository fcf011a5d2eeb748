package main

import (
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// TestManifests: the server exports a placed cluster as KubeRay
// manifests in the image and namespace its flags name, with its
// workload's job, and refuses one not placed.
func TestManifests(t *testing.T) {
	o, err := parseOptions([]string{"-ray-image", "example.com/ray:2.46.0-gpu", "-ray-namespace", "research"}, func(string) string { return "" }, io.Discard)
	require.NoError(t, err)
	write := manifests(o)
	c := api.Cluster{ID: "5f0c6c1e-2d4b-4c51-9a8e-3b7f2e1d0a99", Status: api.ClusterRunning,
		Workload: api.Workload{Entrypoint: []string{"python3", "train.py"}},
		Devices:  []api.ClusterDevice{{Device: "rig-1", GPUs: []int{0, 1}, Share: 1000, Started: true}}}
	devices := []api.Device{{ID: "rig-1", Model: "H100-SXM", GPUCount: 2}}
	yaml, err := write(c, devices)
	require.NoError(t, err)
	for _, want := range []string{"kind: RayCluster", "kind: RayJob", "namespace: research", "image: example.com/ray:2.46.0-gpu", `nvidia.com/gpu: "2"`, "rig-1", "train.py"} {
		require.Contains(t, string(yaml), want)
	}
	c.Devices, c.Status = nil, api.ClusterPending
	_, err = write(c, nil)
	require.ErrorIs(t, err, iog.ErrInvalid)
}
