package ray_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	k8stesting "k8s.io/client-go/testing"

	rayv1 "github.com/ray-project/kuberay/ray-operator/apis/ray/v1"
	"github.com/ray-project/kuberay/ray-operator/pkg/client/clientset/versioned/fake"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/ray"
)

// operator plays KubeRay's operator: each RayCluster created in the
// fake API server gets the state given, until ctx ends.
func operator(ctx context.Context, t *testing.T, client *fake.Clientset, state rayv1.ClusterState) {
	t.Helper()
	w, err := client.RayV1().RayClusters(ray.DefaultNamespace).Watch(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	go func() {
		defer w.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, open := <-w.ResultChan():
				if !open {
					return
				}
				rc, ok := ev.Object.(*rayv1.RayCluster)
				if ev.Type != watch.Added || !ok {
					continue
				}
				rc = rc.DeepCopy()
				rc.Status.State, rc.Status.Reason = state, "head pod "+string(state)
				// An error here shows as the test's Start never ending.
				_, _ = client.RayV1().RayClusters(rc.Namespace).UpdateStatus(ctx, rc, metav1.UpdateOptions{})
			}
		}
	}()
}

func newRuntime(t *testing.T, client *fake.Clientset) *ray.Runtime {
	t.Helper()
	r, err := ray.NewRuntime(client, ray.RuntimeConfig{Device: "rig-1", Model: "RTX-4090", Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	return r
}

var rental = iogsdk.Workload{
	Cluster:    testCluster,
	Entrypoint: []string{"python3", "tune.py"},
	Env:        map[string]string{"B": "2", "A": "1"},
	Ports:      []uint16{8265},
	GPUs:       []int{0, 1},
}

func TestRuntime(t *testing.T) {
	client := fake.NewSimpleClientset()
	operator(t.Context(), t, client, rayv1.Ready)
	r := newRuntime(t, client)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	require.False(t, r.Running(testCluster))
	require.NoError(t, r.Start(ctx, rental))
	require.True(t, r.Running(testCluster))

	name := ray.Name(testCluster)
	rc, err := client.RayV1().RayClusters(ray.DefaultNamespace).Get(ctx, name, metav1.GetOptions{})
	require.NoError(t, err)
	require.Len(t, rc.Spec.WorkerGroupSpecs, 1)
	worker := rc.Spec.WorkerGroupSpecs[0].Template.Spec.Containers[0]
	gpus := worker.Resources.Limits["nvidia.com/gpu"]
	require.Equal(t, int64(2), gpus.Value())
	require.Equal(t, "A", worker.Env[0].Name, "the environment in a stable order")
	job, err := client.RayV1().RayJobs(ray.DefaultNamespace).Get(ctx, name, metav1.GetOptions{})
	require.NoError(t, err)
	require.Equal(t, "python3 tune.py", job.Spec.Entrypoint)

	require.ErrorIs(t, r.Start(ctx, rental), iog.ErrConflict)

	require.NoError(t, r.Stop(ctx, testCluster))
	require.False(t, r.Running(testCluster))
	list, err := client.RayV1().RayClusters(ray.DefaultNamespace).List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	require.Empty(t, list.Items)
	jobs, err := client.RayV1().RayJobs(ray.DefaultNamespace).List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	require.Empty(t, jobs.Items)
	require.NoError(t, r.Stop(ctx, testCluster), "stopping a rental without a cluster")
}

func TestRuntimeStartFails(t *testing.T) {
	tests := []struct {
		name    string
		state   rayv1.ClusterState
		timeout time.Duration
		want    error
	}{
		{"the operator fails the cluster", rayv1.Failed, time.Minute, iog.ErrUnavailable},
		{"the cluster is never ready", "", 50 * time.Millisecond, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := fake.NewSimpleClientset()
			if tt.state != "" {
				operator(t.Context(), t, client, tt.state)
			}
			r := newRuntime(t, client)
			ctx, cancel := context.WithTimeout(t.Context(), tt.timeout)
			defer cancel()
			require.ErrorIs(t, r.Start(ctx, rental), tt.want)
			list, err := client.RayV1().RayClusters(ray.DefaultNamespace).List(t.Context(), metav1.ListOptions{})
			require.NoError(t, err)
			require.Empty(t, list.Items, "a failed start leaves nothing behind")
			require.False(t, r.Running(testCluster))
		})
	}
}

func TestRuntimeInvalid(t *testing.T) {
	client := fake.NewSimpleClientset()
	r := newRuntime(t, client)
	noGPUs := rental
	noGPUs.GPUs = nil
	badPort := rental
	badPort.Ports = []uint16{0}
	badEnv := rental
	badEnv.Env = map[string]string{"A=B": "1"}
	for _, wl := range []iogsdk.Workload{noGPUs, badPort, badEnv, {Cluster: "a/b", GPUs: []int{0}}} {
		require.ErrorIs(t, r.Start(t.Context(), wl), iog.ErrInvalid)
	}
	list, err := client.RayV1().RayClusters(ray.DefaultNamespace).List(t.Context(), metav1.ListOptions{})
	require.NoError(t, err)
	require.Empty(t, list.Items)

	for _, cfg := range []ray.RuntimeConfig{
		{Model: "RTX-4090"},
		{Device: "rig-1", Model: "H900"},
		{Device: "rig-1", Model: "M4-Max"},
		{Device: "rig-1", Model: "L4", Cluster: ray.Config{Namespace: "A"}},
	} {
		_, err := ray.NewRuntime(client, cfg)
		require.ErrorIs(t, err, iog.ErrInvalid)
	}
}

func TestNewRuntimeFromKubeconfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	require.NoError(t, os.WriteFile(path, []byte(`apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "https://127.0.0.1:6443"}
users:
- name: worker
  user: {token: test}
contexts:
- name: local
  context: {cluster: local, user: worker}
current-context: local
`), 0o600))
	_, err := ray.NewRuntimeFromKubeconfig(path, ray.RuntimeConfig{Device: "rig-1", Model: "L4"})
	require.NoError(t, err)
	_, err = ray.NewRuntimeFromKubeconfig(filepath.Join(t.TempDir(), "missing"), ray.RuntimeConfig{Device: "rig-1", Model: "L4"})
	require.ErrorIs(t, err, iog.ErrInvalid)
}

func TestRuntimeWatchEnds(t *testing.T) {
	client := fake.NewSimpleClientset()
	operator(t.Context(), t, client, rayv1.Ready)
	// The API server ends the runtime's first watch at once, as servers
	// end watches after a while; the runtime watches again.
	watches := 0
	client.PrependWatchReactor("rayclusters", func(k8stesting.Action) (bool, watch.Interface, error) {
		watches++
		if watches != 2 { // the operator's watch is the first
			return false, nil, nil
		}
		w := watch.NewFake()
		w.Stop()
		return true, w, nil
	})
	r := newRuntime(t, client)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	require.NoError(t, r.Start(ctx, rental))
	require.True(t, r.Running(testCluster))
}

func TestRuntimeServerErrors(t *testing.T) {
	refuse := func(verb string) k8stesting.ReactionFunc {
		return func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, apierrors.NewServiceUnavailable(verb + " refused")
		}
	}
	tests := []struct {
		name  string
		setup func(c *fake.Clientset)
	}{
		{"a refused cluster", func(c *fake.Clientset) { c.PrependReactor("create", "rayclusters", refuse("create")) }},
		{"a refused job", func(c *fake.Clientset) { c.PrependReactor("create", "rayjobs", refuse("create")) }},
		{"a refused watch", func(c *fake.Clientset) {
			c.PrependWatchReactor("rayclusters", func(k8stesting.Action) (bool, watch.Interface, error) {
				return true, nil, apierrors.NewServiceUnavailable("watch refused")
			})
		}},
		{"a watch error", func(c *fake.Clientset) {
			c.PrependWatchReactor("rayclusters", func(k8stesting.Action) (bool, watch.Interface, error) {
				w := watch.NewFakeWithChanSize(1, false)
				w.Error(&apierrors.NewInternalError(errors.New("etcd gone")).ErrStatus)
				return true, w, nil
			})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := fake.NewSimpleClientset()
			tt.setup(client)
			r := newRuntime(t, client)
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			err := r.Start(ctx, rental)
			require.ErrorIs(t, err, iog.ErrUnavailable)
			require.Contains(t, err.Error(), "start ray cluster of "+string(testCluster))
			list, err := client.Tracker().List(rayv1.SchemeGroupVersion.WithResource("rayclusters"), rayv1.SchemeGroupVersion.WithKind("RayCluster"), ray.DefaultNamespace)
			require.NoError(t, err)
			require.Empty(t, list.(*rayv1.RayClusterList).Items, "a failed start leaves nothing behind")
		})
	}

	client := fake.NewSimpleClientset()
	client.PrependReactor("get", "rayclusters", refuse("get"))
	require.False(t, newRuntime(t, client).Running(testCluster), "an API server that fails reads as not running")
}
