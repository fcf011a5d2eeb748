package ray_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	rayv1 "github.com/ray-project/kuberay/ray-operator/apis/ray/v1"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/iogsdk/ray"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))
}

func TestClusterManifest(t *testing.T) {
	c := api.Cluster{
		ID:     testCluster,
		Status: api.ClusterRunning,
		Workload: api.Workload{
			Entrypoint: []string{"python3", "train.py", "--epochs", "3"},
			Env:        []api.EnvVar{{Name: "WANDB_MODE", Value: "offline"}},
			Ports:      []uint16{8265},
		},
		Devices: []api.ClusterDevice{
			{Device: "d2", GPUs: []int{0, 1, 2, 3, 4, 5, 6, 7}, Share: 1000},
			{Device: "d1", GPUs: []int{0, 1, 2, 3, 4, 5, 6, 7}, Share: 1000},
			{Device: "d3", GPUs: []int{2, 3}, Share: 1000},
		},
	}
	devices := []api.Device{{ID: "d1", Model: "H100-SXM"}, {ID: "d2", Model: "H100-SXM"}, {ID: "d3", Model: "L40S"}}
	cfg := ray.Config{Namespace: "renters", Labels: map[string]string{"team": "vision"}}

	got, err := ray.ClusterManifest(c, devices, cfg)
	require.NoError(t, err)
	golden(t, "cluster.yaml", got)

	docs := strings.Split(string(got), "---\n")
	require.Len(t, docs, 2, "the cluster and its workload's job")
	var rc rayv1.RayCluster
	require.NoError(t, yaml.UnmarshalStrict([]byte(docs[0]), &rc))
	require.Equal(t, "RayCluster", rc.Kind)
	require.Len(t, rc.Spec.WorkerGroupSpecs, 2)
	var job rayv1.RayJob
	require.NoError(t, yaml.UnmarshalStrict([]byte(docs[1]), &job))
	require.Equal(t, "python3 train.py --epochs 3", job.Spec.Entrypoint)

	tune, err := ray.SampleJob(ray.Tuning)
	require.NoError(t, err)
	got, err = ray.ClusterManifest(c, devices, cfg, tune)
	require.NoError(t, err)
	golden(t, "tune.yaml", got)

	c.Status = api.ClusterPending
	_, err = ray.ClusterManifest(c, devices, cfg)
	require.ErrorIs(t, err, iog.ErrInvalid)
}
