package ray

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	rayv1 "github.com/ray-project/kuberay/ray-operator/apis/ray/v1"
	"github.com/ray-project/kuberay/ray-operator/pkg/client/clientset/versioned"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// RuntimeConfig configures a Runtime.
type RuntimeConfig struct {
	// Cluster says how a rental becomes a Ray cluster. Workers of
	// devices that share a Kubernetes API server give each device a
	// namespace of its own, as a rental's clusters are named after it.
	Cluster Config
	// Device is the device the worker serves, and Model the catalog
	// name of its GPUs: a rental's Ray cluster runs there, with the
	// rental's GPUs. Both are required.
	Device iog.DeviceID
	Model  string
	// Timeout bounds what Running asks of the API server, and the
	// clean-up of a failed start; zero means 10 s.
	Timeout time.Duration
	// Logger receives the clusters' starts and stops; nil means
	// slog.Default().
	Logger *slog.Logger
}

// Runtime runs each rental as a Ray cluster on Kubernetes: Start applies
// its RayCluster (and the RayJob of its entrypoint, if it has one)
// through the API server and waits until KubeRay's operator reports the
// cluster ready; Stop deletes them; Running reads the cluster's status.
// It is safe for concurrent use: the API server holds its state. Create
// one with NewRuntime or NewRuntimeFromKubeconfig.
type Runtime struct {
	cfg    RuntimeConfig
	client versioned.Interface
	log    *slog.Logger
}

var _ iogsdk.Runtime = (*Runtime)(nil)

// NewRuntime returns a Runtime that speaks to Kubernetes through client
// (KubeRay's typed clientset, or its fake in tests). A config without a
// device, or of a device whose GPUs Kubernetes cannot schedule, is
// iog.ErrInvalid.
func NewRuntime(client versioned.Interface, cfg RuntimeConfig) (*Runtime, error) {
	if _, err := iog.ParseDeviceID(string(cfg.Device)); err != nil {
		return nil, fmt.Errorf("ray runtime: %w", err)
	}
	m, ok := iog.LookupGPUModel(cfg.Model)
	if !ok {
		return nil, fmt.Errorf("ray runtime: unknown GPU model %q: %w", cfg.Model, iog.ErrInvalid)
	}
	if _, err := gpuResource(m); err != nil {
		return nil, fmt.Errorf("ray runtime: %w", err)
	}
	cfg.Model = m.Name
	cluster, err := cfg.Cluster.withDefaults()
	if err != nil {
		return nil, err
	}
	cfg.Cluster = cluster
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	log := cmp.Or(cfg.Logger, slog.Default())
	return &Runtime{cfg: cfg, client: client, log: log.With("part", "ray runtime")}, nil
}

// clusters is the namespace's RayClusters.
func (r *Runtime) clusters() rayClusters {
	return r.client.RayV1().RayClusters(r.cfg.Cluster.Namespace)
}

// Start implements iogsdk.Runtime: the rental's GPUs on the device as
// one worker group (as many GPUs as it holds: the device plugin chooses
// which), with the workload's image, environment and ports,
// and a RayJob running its entrypoint. It returns once the operator
// reports the cluster ready; what it created is deleted again if that
// does not happen before ctx ends, or the cluster fails. A rental whose
// cluster exists already is iog.ErrConflict; an API server that cannot
// be reached or refuses the resources, iog.ErrUnavailable.
func (r *Runtime) Start(ctx context.Context, wl iogsdk.Workload) error {
	rc, job, err := r.resources(wl)
	if err != nil {
		return err
	}
	if _, err := r.clusters().Create(ctx, rc, metav1.CreateOptions{}); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("start ray cluster of %s: it exists already: %w", wl.Cluster, iog.ErrConflict)
		}
		return fmt.Errorf("start ray cluster of %s: %w: %w", wl.Cluster, iog.ErrUnavailable, err)
	}
	err = r.createJob(ctx, job)
	if err == nil {
		err = r.await(ctx, rc.Name, ready)
	}
	if err != nil {
		cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.Timeout)
		defer cancel()
		return errors.Join(fmt.Errorf("start ray cluster of %s: %w", wl.Cluster, err), r.remove(cleanup, rc.Name))
	}
	r.log.Info("ray cluster ready", "cluster", wl.Cluster, "name", rc.Name, "gpus", len(wl.GPUs))
	return nil
}

// resources are the RayCluster of a rental on the runtime's device, and
// the RayJob of its entrypoint (nil without one).
func (r *Runtime) resources(wl iogsdk.Workload) (*rayv1.RayCluster, *rayv1.RayJob, error) {
	p := Placement{
		Cluster:  wl.Cluster,
		Workload: api.Workload{Image: wl.Image, Entrypoint: wl.Entrypoint, Ports: wl.Ports},
		Nodes:    []Node{{Device: r.cfg.Device, Model: r.cfg.Model, GPUs: len(wl.GPUs)}},
	}
	for _, k := range slices.Sorted(maps.Keys(wl.Env)) {
		p.Workload.Env = append(p.Workload.Env, api.EnvVar{Name: k, Value: wl.Env[k]})
	}
	rc, err := Cluster(p, r.cfg.Cluster)
	if err != nil {
		return nil, nil, err
	}
	spec, ok := WorkloadJob(wl.Entrypoint)
	if !ok {
		return rc, nil, nil
	}
	job, err := Job(rc, spec)
	if err != nil {
		return nil, nil, err
	}
	return rc, job, nil
}

func (r *Runtime) createJob(ctx context.Context, job *rayv1.RayJob) error {
	if job == nil {
		return nil
	}
	if _, err := r.client.RayV1().RayJobs(job.Namespace).Create(ctx, job, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create ray job: %w: %w", iog.ErrUnavailable, err)
	}
	return nil
}

// ready reports a cluster KubeRay's operator made ready, and one it
// gave up on as an error.
func ready(rc *rayv1.RayCluster) (bool, error) {
	switch {
	case rc == nil:
		return false, fmt.Errorf("ray cluster deleted while starting: %w", iog.ErrUnavailable)
	case rc.Status.State == rayv1.Failed:
		return false, fmt.Errorf("ray cluster %s failed: %s: %w", rc.Name, rc.Status.Reason, iog.ErrUnavailable)
	}
	return isReady(rc), nil
}

func isReady(rc *rayv1.RayCluster) bool {
	if rc.DeletionTimestamp != nil {
		return false
	}
	return rc.Status.State == rayv1.Ready || meta.IsStatusConditionTrue(rc.Status.Conditions, string(rayv1.RayClusterProvisioned))
}

// Stop implements iogsdk.Runtime: it deletes the rental's RayJob and
// RayCluster, and returns once the cluster is gone, or with an error
// when ctx ends first. A rental without a cluster is no error.
func (r *Runtime) Stop(ctx context.Context, cluster iog.ClusterID) error {
	if err := r.remove(ctx, Name(cluster)); err != nil {
		return fmt.Errorf("stop ray cluster of %s: %w", cluster, err)
	}
	r.log.Info("ray cluster stopped", "cluster", cluster)
	return nil
}

// remove deletes a RayCluster and the RayJob of its name, and waits
// until the cluster is gone.
func (r *Runtime) remove(ctx context.Context, name string) error {
	// The pods go before the cluster, so that a cluster gone is one
	// whose devices are free again.
	fg := metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationForeground)}
	err := r.client.RayV1().RayJobs(r.cfg.Cluster.Namespace).Delete(ctx, name, fg)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete ray job %s: %w: %w", name, iog.ErrUnavailable, err)
	}
	err = r.clusters().Delete(ctx, name, fg)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete ray cluster %s: %w: %w", name, iog.ErrUnavailable, err)
	}
	return r.await(ctx, name, func(rc *rayv1.RayCluster) (bool, error) { return rc == nil, nil })
}

// Running implements iogsdk.Runtime: the rental's cluster exists, is not
// being deleted, and is ready. An API server that does not answer
// within the Timeout reads as not running.
func (r *Runtime) Running(cluster iog.ClusterID) bool {
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.Timeout)
	defer cancel()
	rc, err := r.clusters().Get(ctx, Name(cluster), metav1.GetOptions{})
	if err != nil {
		if !apierrors.IsNotFound(err) {
			r.log.Warn("ray cluster unreadable", "cluster", cluster, "err", err)
		}
		return false
	}
	return isReady(rc)
}
