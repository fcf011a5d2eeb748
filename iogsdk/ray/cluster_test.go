package ray_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	rayv1 "github.com/ray-project/kuberay/ray-operator/apis/ray/v1"
	"github.com/ray-project/kuberay/ray-operator/controllers/ray/common"
	"github.com/ray-project/kuberay/ray-operator/controllers/ray/utils"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/iogsdk/ray"
)

// wantGroup is a worker group a placement must give.
type wantGroup struct {
	name     string
	resource corev1.ResourceName
	gpus     int64
	devices  []string
}

func TestClusterPods(t *testing.T) {
	tests := []struct {
		name      string
		placement ray.Placement
		autoscale bool
		gpus      int64
		groups    []wantGroup
	}{
		{
			name:      "1 GPU",
			placement: placement(fleet{"RTX-4090", 1, 1}),
			gpus:      1,
			groups:    []wantGroup{{"rtx-4090", "nvidia.com/gpu", 1, []string{"RTX-4090-1gpu-00"}}},
		},
		{
			name:      "8 GPUs of two models, one of them in two sizes",
			placement: placement(fleet{"H100-SXM", 1, 4}, fleet{"H100-SXM", 1, 2}, fleet{"A100-80GB", 1, 2}),
			gpus:      8,
			groups: []wantGroup{
				{"a100-80gb", "nvidia.com/gpu", 2, []string{"A100-80GB-2gpu-00"}},
				{"h100-sxm-2gpu", "nvidia.com/gpu", 2, []string{"H100-SXM-2gpu-00"}},
				{"h100-sxm-4gpu", "nvidia.com/gpu", 4, []string{"H100-SXM-4gpu-00"}},
			},
		},
		{
			name:      "64 GPUs of four models, autoscaled",
			placement: placement(fleet{"H100-SXM", 3, 8}, fleet{"A100-80GB", 2, 8}, fleet{"L40S", 4, 4}, fleet{"MI300X", 1, 8}),
			autoscale: true,
			gpus:      64,
			groups: []wantGroup{
				{"a100-80gb", "nvidia.com/gpu", 8, []string{"A100-80GB-8gpu-00", "A100-80GB-8gpu-01"}},
				{"h100-sxm", "nvidia.com/gpu", 8, []string{"H100-SXM-8gpu-00", "H100-SXM-8gpu-01", "H100-SXM-8gpu-02"}},
				{"l40s", "nvidia.com/gpu", 4, []string{"L40S-4gpu-00", "L40S-4gpu-01", "L40S-4gpu-02", "L40S-4gpu-03"}},
				{"mi300x", "amd.com/gpu", 8, []string{"MI300X-8gpu-00"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.placement.Workload = api.Workload{Env: []api.EnvVar{{Name: "EPOCHS", Value: "3"}}, Ports: []uint16{8265, 9000}}
			rc, err := ray.Cluster(tt.placement, ray.Config{Autoscale: tt.autoscale, MinWorkers: 1})
			require.NoError(t, err)
			require.Equal(t, "iog-"+string(testCluster), rc.Name)
			require.Equal(t, "default", rc.Namespace)
			require.Equal(t, string(testCluster), rc.Annotations[ray.ClusterAnnotation])

			head := buildHead(t, rc)
			first := slices.MinFunc(tt.placement.Nodes, func(a, b ray.Node) int { return strings.Compare(string(a.Device), string(b.Device)) })
			requireDevices(t, head, []string{string(first.Device)})
			headRay := head.Spec.Containers[utils.RayContainerIndex]
			require.Equal(t, ray.DefaultImage, headRay.Image)
			require.NotContains(t, headRay.Resources.Limits, corev1.ResourceName("nvidia.com/gpu"))
			cmd := headRay.Args[0]
			for _, flag := range []string{"ray start --head", "--num-gpus=0", "--num-cpus=2", "--memory=8589934592", "--block"} {
				require.Contains(t, cmd, flag)
			}
			require.Contains(t, headRay.Env, corev1.EnvVar{Name: "EPOCHS", Value: "3"})
			hostPorts := map[int32]int32{}
			for _, p := range headRay.Ports {
				hostPorts[p.ContainerPort] = p.HostPort
			}
			require.Equal(t, int32(8265), hostPorts[8265], "the dashboard is the workload's port")
			require.Equal(t, int32(9000), hostPorts[9000])
			require.Zero(t, hostPorts[6379], "Ray's own ports stay in the pod")
			if tt.autoscale {
				require.Equal(t, 2, len(head.Spec.Containers), "the autoscaler runs beside the head")
			}

			require.Len(t, rc.Spec.WorkerGroupSpecs, len(tt.groups))
			var total int64
			for i, want := range tt.groups {
				wg := rc.Spec.WorkerGroupSpecs[i]
				require.Equal(t, want.name, wg.GroupName)
				n := int32(len(want.devices))
				require.Equal(t, n, *wg.Replicas)
				require.Equal(t, n, *wg.MaxReplicas)
				if tt.autoscale {
					require.Equal(t, min(1, n), *wg.MinReplicas)
				} else {
					require.Equal(t, n, *wg.MinReplicas)
				}
				pod := buildWorker(t, rc, i)
				requireDevices(t, pod, want.devices)
				anti := pod.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
				require.Len(t, anti, 1)
				require.Equal(t, ray.DefaultNodeLabel, anti[0].TopologyKey)
				for k, v := range anti[0].LabelSelector.MatchLabels {
					require.Equal(t, v, pod.Labels[k], "a worker repels its group's other pods")
				}
				c := pod.Spec.Containers[utils.RayContainerIndex]
				gpus := c.Resources.Limits[want.resource]
				require.Equal(t, want.gpus, gpus.Value())
				require.Equal(t, c.Resources.Limits, c.Resources.Requests)
				require.Contains(t, pod.Spec.Tolerations, corev1.Toleration{Key: string(want.resource), Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})
				cmd := c.Args[0]
				for _, flag := range []string{
					"ray start ",
					fmt.Sprintf("--num-gpus=%d", want.gpus),
					fmt.Sprintf("--num-cpus=%d", 4*want.gpus),
					fmt.Sprintf("--memory=%d", want.gpus*32<<30),
					"--address=" + headFQDN + ":6379",
				} {
					require.Contains(t, cmd, flag)
				}
				require.NotContains(t, cmd, "--head")
				total += int64(n) * gpus.Value()
			}
			require.Equal(t, tt.gpus, total)
		})
	}
}

// headFQDN is where the test's workers find the head.
const headFQDN = "head.default.svc.cluster.local"

// buildHead builds the head pod as KubeRay's operator would, from a copy:
// the builders fill in the start parameters they are given.
func buildHead(t *testing.T, rc *rayv1.RayCluster) corev1.Pod {
	t.Helper()
	rc = rc.DeepCopy()
	ctx := context.Background()
	spec := rc.Spec.HeadGroupSpec
	tmpl := common.DefaultHeadPodTemplate(ctx, *rc, spec, rc.Name+"-head", "6379")
	return common.BuildPod(ctx, tmpl, rayv1.HeadNode, spec.RayStartParams, "6379", utils.IsAutoscalingEnabled(&rc.Spec), utils.RayClusterCRD, "")
}

// buildWorker builds a pod of worker group i as the operator would.
func buildWorker(t *testing.T, rc *rayv1.RayCluster, i int) corev1.Pod {
	t.Helper()
	rc = rc.DeepCopy()
	ctx := context.Background()
	spec := rc.Spec.WorkerGroupSpecs[i]
	tmpl := common.DefaultWorkerPodTemplate(ctx, *rc, spec, rc.Name+"-"+spec.GroupName+"-worker", headFQDN, "6379")
	return common.BuildPod(ctx, tmpl, rayv1.WorkerNode, spec.RayStartParams, "6379", false, utils.RayClusterCRD, headFQDN)
}

// requireDevices checks that a pod may run on exactly devices.
func requireDevices(t *testing.T, pod corev1.Pod, devices []string) {
	t.Helper()
	terms := pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	require.Len(t, terms, 1)
	require.Equal(t, []corev1.NodeSelectorRequirement{{Key: ray.DefaultNodeLabel, Operator: corev1.NodeSelectorOpIn, Values: devices}}, terms[0].MatchExpressions)
}

func TestClusterInvalid(t *testing.T) {
	ok := placement(fleet{"H100-SXM", 2, 8})
	with := func(edit func(p *ray.Placement)) ray.Placement {
		p := ok
		p.Nodes = slices.Clone(ok.Nodes)
		edit(&p)
		return p
	}
	tests := []struct {
		name      string
		placement ray.Placement
		cfg       ray.Config
		want      string
	}{
		{"zero GPUs", with(func(p *ray.Placement) { p.Nodes = nil }), ray.Config{}, "zero GPUs"},
		{"a device of zero GPUs", with(func(p *ray.Placement) { p.Nodes[1].GPUs = 0 }), ray.Config{}, "0 GPUs on device"},
		{"a device placed twice", with(func(p *ray.Placement) { p.Nodes[1].Device = p.Nodes[0].Device }), ray.Config{}, "conflicting affinity"},
		{"a node selector pinning devices", ok, ray.Config{NodeSelector: map[string]string{ray.DefaultNodeLabel: "d1"}}, "conflicting affinity"},
		{"an unknown GPU model", with(func(p *ray.Placement) { p.Nodes[0].Model = "H900" }), ray.Config{}, `unknown GPU model "H900"`},
		{"no device plugin", with(func(p *ray.Placement) { p.Nodes[0].Model = "M3-Ultra" }), ray.Config{}, "NVIDIA and AMD"},
		{"a bad cluster ID", with(func(p *ray.Placement) { p.Cluster = "a/b" }), ray.Config{}, "cluster ID"},
		{"a bad device ID", with(func(p *ray.Placement) { p.Nodes[0].Device = "" }), ray.Config{}, "device ID is empty"},
		{"a bad workload", with(func(p *ray.Placement) { p.Workload.Ports = []uint16{0} }), ray.Config{}, "port 0"},
		{"a bad namespace", ok, ray.Config{Namespace: "Prod"}, "namespace"},
		{"a bad label", ok, ray.Config{Labels: map[string]string{"team": "a b"}}, "label team=a b"},
		{"KubeRay's label", ok, ray.Config{Labels: map[string]string{"ray.io/cluster": "x"}}, "KubeRay's own"},
		{"negative CPU", ok, ray.Config{CPUPerGPU: resource.MustParse("-1")}, "CPU -1"},
		{"too much memory", ok, ray.Config{HeadMemory: resource.MustParse("1Ei")}, "memory 1Ei"},
		{"negative workers", ok, ray.Config{Autoscale: true, MinWorkers: -1}, "at least 0 workers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ray.Cluster(tt.placement, tt.cfg)
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestName(t *testing.T) {
	require.Equal(t, "iog-"+string(testCluster), ray.Name(testCluster))
	odd := ray.Name("Cluster:1")
	require.True(t, strings.HasPrefix(odd, "iog-"))
	require.NotEqual(t, odd, ray.Name("cluster:1"), "IDs differing in case keep their own names")
	require.LessOrEqual(t, len(ray.Name(iog.ClusterID(strings.Repeat("a", 128)))), 47)
}
