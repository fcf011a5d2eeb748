package ray

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ray-project/kuberay/ray-operator/controllers/ray/utils"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// pods builds the pod templates of one rental's Ray cluster.
type pods struct {
	cfg   Config
	name  string
	image string
	env   []corev1.EnvVar
	// gpuTaints are the GPU resources whose nodes' taints every pod
	// tolerates: GPU nodes are commonly tainted so that only GPU work
	// lands on them, and the head shares its device with a worker.
	gpuTaints []corev1.ResourceName
}

// template is a pod of the cluster's: one Ray container (which KubeRay
// runs `ray start` in), pinned to devices.
func (b pods) template(container string, devices []iog.DeviceID, res corev1.ResourceRequirements, ports []corev1.ContainerPort) corev1.PodTemplateSpec {
	values := make([]string, len(devices))
	for i, d := range devices {
		values[i] = string(d)
	}
	var tolerations []corev1.Toleration
	for _, r := range b.gpuTaints {
		tolerations = append(tolerations, corev1.Toleration{Key: string(r), Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})
	}
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: maps.Clone(b.cfg.Labels)},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name:      container,
				Image:     b.image,
				Env:       slices.Clone(b.env),
				Resources: res,
				Ports:     ports,
			}},
			NodeSelector: maps.Clone(b.cfg.NodeSelector),
			Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
					NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{
						Key: b.cfg.NodeLabel, Operator: corev1.NodeSelectorOpIn, Values: values,
					}}}},
				},
			}},
			Tolerations: tolerations,
		},
	}
}

// worker is a worker group's pod: on one of the group's devices, never
// two on one device, so that each device the scheduler chose runs one.
func (b pods) worker(g group) corev1.PodTemplateSpec {
	t := b.template("ray-worker", g.nodes, workerResources(b.cfg, g), nil)
	t.Spec.Affinity.PodAntiAffinity = &corev1.PodAntiAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{
				utils.RayClusterLabelKey:   b.name,
				utils.RayNodeGroupLabelKey: g.name,
			}},
			TopologyKey: b.cfg.NodeLabel,
		}},
	}
	return t
}

// head is the head's pod, on the cluster's first device: Ray's ports,
// and the workload's, which the renter reaches through the device's
// tunnel, bound on the device.
func (b pods) head(device iog.DeviceID, open []uint16) corev1.PodTemplateSpec {
	ports := []corev1.ContainerPort{
		{Name: utils.GcsServerPortName, ContainerPort: utils.DefaultGcsServerPort},
		{Name: utils.DashboardPortName, ContainerPort: utils.DefaultDashboardPort},
		{Name: utils.ClientPortName, ContainerPort: utils.DefaultClientPort},
		{Name: utils.ServingPortName, ContainerPort: utils.DefaultServingPort},
	}
	for _, p := range open {
		i := slices.IndexFunc(ports, func(c corev1.ContainerPort) bool { return c.ContainerPort == int32(p) })
		if i < 0 {
			ports = append(ports, corev1.ContainerPort{Name: fmt.Sprintf("port-%d", p), ContainerPort: int32(p)})
			i = len(ports) - 1
		}
		ports[i].HostPort = int32(p)
	}
	return b.template("ray-head", []iog.DeviceID{device}, headResources(b.cfg), ports)
}

// newPods returns the builder of a rental's pods.
func newPods(cfg Config, name string, wl api.Workload, groups []group) pods {
	b := pods{cfg: cfg, name: name, image: cmp.Or(wl.Image, cfg.Image)}
	for _, v := range wl.Env {
		b.env = append(b.env, corev1.EnvVar{Name: v.Name, Value: v.Value})
	}
	for _, g := range groups {
		if !slices.Contains(b.gpuTaints, g.resource) {
			b.gpuTaints = append(b.gpuTaints, g.resource)
		}
	}
	return b
}
