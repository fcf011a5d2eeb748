package ray

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/internetofgpus/iog"
)

// The defaults of Config.
const (
	// DefaultRayVersion is the Ray release the default image carries.
	DefaultRayVersion = "2.46.0"
	// DefaultImage is Ray's image with CUDA, of DefaultRayVersion.
	DefaultImage = "rayproject/ray:" + DefaultRayVersion + "-gpu"
	// DefaultNamespace is the Kubernetes namespace of the resources.
	DefaultNamespace = "default"
	// DefaultNodeLabel is the label of a Kubernetes node naming the
	// device it is: its iog.DeviceID.
	DefaultNodeLabel = "iog.network/device"
	// DefaultIdleTimeout is how long an autoscaled worker stays idle
	// before it is removed.
	DefaultIdleTimeout = time.Minute
)

// The most CPU and memory a pod gets for one GPU, or its head: far more
// than any machine has, and small enough that a device's GPUs times them
// cannot overflow.
var (
	maxCPU    = resource.MustParse("4096")
	maxMemory = resource.MustParse("64Ti")
)

// Config says how placed clusters become Ray clusters. Its zero value
// takes the defaults each field names.
type Config struct {
	// Image is the container image of every Ray pod, unless the
	// workload names one; "" means DefaultImage. RayVersion is the Ray
	// release it carries, "" meaning DefaultRayVersion.
	Image      string
	RayVersion string
	// Namespace is where the resources live; "" means DefaultNamespace.
	Namespace string
	// Labels are set on every resource and pod, beside KubeRay's own
	// (ray.io/...).
	Labels map[string]string
	// NodeLabel is the label of the Kubernetes nodes that names the
	// device each one is; "" means DefaultNodeLabel. Pods are pinned to
	// devices by it.
	NodeLabel string
	// NodeSelector further restricts the nodes pods may run on (a node
	// pool, say). It may not name NodeLabel: the placement chooses the
	// devices.
	NodeSelector map[string]string
	// CPUPerGPU and MemoryPerGPU are what a worker pod gets for each of
	// its GPUs: zero means 4 cores and 32 GiB.
	CPUPerGPU    resource.Quantity
	MemoryPerGPU resource.Quantity
	// HeadCPU and HeadMemory are the head pod's, which holds no GPU:
	// zero means 2 cores and 8 GiB.
	HeadCPU    resource.Quantity
	HeadMemory resource.Quantity
	// Autoscale turns on KubeRay's autoscaler: each worker group shrinks
	// down to MinWorkers pods when idle for IdleTimeout (zero meaning
	// DefaultIdleTimeout) and grows back up to its devices. Without it
	// every device runs a worker for the whole rental.
	Autoscale   bool
	MinWorkers  int32
	IdleTimeout time.Duration
}

// withDefaults returns cfg with its defaults filled in, or an error
// wrapping iog.ErrInvalid for a config no cluster can be built with.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.RayVersion == "" {
		cfg.RayVersion = DefaultRayVersion
	}
	if cfg.Image == "" {
		cfg.Image = DefaultImage
	}
	if cfg.Namespace == "" {
		cfg.Namespace = DefaultNamespace
	}
	if cfg.NodeLabel == "" {
		cfg.NodeLabel = DefaultNodeLabel
	}
	orDefault := func(q *resource.Quantity, def string) {
		if q.IsZero() {
			*q = resource.MustParse(def)
		}
	}
	orDefault(&cfg.CPUPerGPU, "4")
	orDefault(&cfg.MemoryPerGPU, "32Gi")
	orDefault(&cfg.HeadCPU, "2")
	orDefault(&cfg.HeadMemory, "8Gi")
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	cfg.Labels = maps.Clone(cfg.Labels)
	cfg.NodeSelector = maps.Clone(cfg.NodeSelector)
	return cfg, cfg.check()
}

func (cfg Config) check() error {
	if errs := validation.IsDNS1123Label(cfg.Namespace); len(errs) > 0 {
		return fmt.Errorf("ray config: namespace %q: %s: %w", cfg.Namespace, strings.Join(errs, "; "), iog.ErrInvalid)
	}
	if errs := validation.IsQualifiedName(cfg.NodeLabel); len(errs) > 0 {
		return fmt.Errorf("ray config: node label %q: %s: %w", cfg.NodeLabel, strings.Join(errs, "; "), iog.ErrInvalid)
	}
	if err := checkLabels("label", cfg.Labels); err != nil {
		return err
	}
	if err := checkLabels("node selector", cfg.NodeSelector); err != nil {
		return err
	}
	for k := range cfg.Labels {
		if strings.HasPrefix(k, "ray.io/") {
			return fmt.Errorf("ray config: label %q is KubeRay's own: %w", k, iog.ErrInvalid)
		}
	}
	if _, ok := cfg.NodeSelector[cfg.NodeLabel]; ok {
		return fmt.Errorf("ray config: conflicting affinity: the node selector names %s, which the placement sets to the devices the scheduler chose: %w", cfg.NodeLabel, iog.ErrInvalid)
	}
	for _, q := range []resource.Quantity{cfg.CPUPerGPU, cfg.HeadCPU} {
		if q.Sign() < 0 || q.Cmp(maxCPU) > 0 {
			return fmt.Errorf("ray config: CPU %s: want 0 to %s cores: %w", q.String(), maxCPU.String(), iog.ErrInvalid)
		}
	}
	for _, q := range []resource.Quantity{cfg.MemoryPerGPU, cfg.HeadMemory} {
		if q.Sign() < 0 || q.Cmp(maxMemory) > 0 {
			return fmt.Errorf("ray config: memory %s: want 0 to %s: %w", q.String(), maxMemory.String(), iog.ErrInvalid)
		}
	}
	if cfg.MinWorkers < 0 || cfg.IdleTimeout < time.Second || cfg.IdleTimeout.Seconds() > float64(1<<31-1) {
		return fmt.Errorf("ray config: at least 0 workers (not %d) and an idle timeout of 1 s or more (not %s): %w", cfg.MinWorkers, cfg.IdleTimeout, iog.ErrInvalid)
	}
	return nil
}

// checkLabels refuses keys and values Kubernetes would refuse.
func checkLabels(what string, labels map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		v := labels[k]
		errs := append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...)
		if len(errs) > 0 {
			return fmt.Errorf("ray config: %s %s=%s: %s: %w", what, k, v, strings.Join(errs, "; "), iog.ErrInvalid)
		}
	}
	return nil
}
