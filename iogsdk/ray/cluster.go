package ray

import (
	"fmt"
	"maps"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	rayv1 "github.com/ray-project/kuberay/ray-operator/apis/ray/v1"
	"github.com/ray-project/kuberay/ray-operator/controllers/ray/utils"

	"github.com/internetofgpus/iog"
)

// Cluster materializes a placed cluster as a RayCluster: a head on its
// first device (by ID), holding no GPU, and a worker group per GPU model
// (see Placement) whose pods each take one device's GPUs, with the CPU
// and memory cfg gives them, pinned to exactly the group's devices, one
// pod a device. Without cfg.Autoscale every device runs its worker for
// the whole rental; with it, KubeRay's autoscaler may shrink a group to
// cfg.MinWorkers. The result passed KubeRay's validation. Problems
// (zero GPUs, a device placed twice, an unknown GPU model, a bad config)
// are iog.ErrInvalid.
func Cluster(p Placement, cfg Config) (*rayv1.RayCluster, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	nodes, groups, err := p.checked()
	if err != nil {
		return nil, err
	}
	name := Name(p.Cluster)
	b := newPods(cfg, name, p.Workload, groups)
	rc := &rayv1.RayCluster{
		TypeMeta:   metav1.TypeMeta{APIVersion: rayv1.GroupVersion.String(), Kind: "RayCluster"},
		ObjectMeta: objectMeta(cfg, name, p.Cluster),
		Spec: rayv1.RayClusterSpec{
			RayVersion:              cfg.RayVersion,
			EnableInTreeAutoscaling: ptr.To(cfg.Autoscale),
			HeadGroupSpec: rayv1.HeadGroupSpec{
				// The head's device may expose all its GPUs to every
				// container; Ray must not count them for the head.
				RayStartParams: map[string]string{"num-gpus": "0"},
				Template:       b.head(nodes[0].Device, p.Workload.Ports),
			},
		},
	}
	if cfg.Autoscale {
		rc.Spec.AutoscalerOptions = &rayv1.AutoscalerOptions{IdleTimeoutSeconds: ptr.To(int32(cfg.IdleTimeout.Seconds()))}
	}
	for _, g := range groups {
		n := int32(len(g.nodes))
		low := n
		if cfg.Autoscale {
			low = min(cfg.MinWorkers, n)
		}
		rc.Spec.WorkerGroupSpecs = append(rc.Spec.WorkerGroupSpecs, rayv1.WorkerGroupSpec{
			GroupName:   g.name,
			Replicas:    ptr.To(n),
			MinReplicas: ptr.To(low),
			MaxReplicas: ptr.To(n),
			// KubeRay counts the GPUs from the pod's limits.
			RayStartParams: map[string]string{},
			Template:       b.worker(g),
		})
	}
	if err := validateCluster(rc); err != nil {
		return nil, err
	}
	return rc, nil
}

// objectMeta names a resource of a rental's.
func objectMeta(cfg Config, name string, id iog.ClusterID) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:        name,
		Namespace:   cfg.Namespace,
		Labels:      maps.Clone(cfg.Labels),
		Annotations: map[string]string{ClusterAnnotation: string(id)},
	}
}

// validateCluster runs KubeRay's own validation of a RayCluster, which
// its operator runs before reconciling one.
func validateCluster(rc *rayv1.RayCluster) error {
	if err := utils.ValidateRayClusterMetadata(rc.ObjectMeta); err != nil {
		return fmt.Errorf("ray cluster %s: %w: %w", rc.Name, iog.ErrInvalid, err)
	}
	if err := utils.ValidateRayClusterSpec(&rc.Spec, rc.Annotations); err != nil {
		return fmt.Errorf("ray cluster %s: %w: %w", rc.Name, iog.ErrInvalid, err)
	}
	return nil
}
