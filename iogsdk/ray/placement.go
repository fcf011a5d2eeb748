package ray

import (
	"cmp"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// Placement is a placed cluster as its Ray cluster needs it: the rental,
// what it runs, and the devices the scheduler chose with their GPUs.
type Placement struct {
	Cluster iog.ClusterID
	// Workload gives the image (overriding Config.Image), the
	// environment of every Ray container and the ports the head exposes
	// on its device; its entrypoint is a job's (see WorkloadJob).
	Workload api.Workload
	Nodes    []Node
}

// Node is one device of a placement.
type Node struct {
	Device iog.DeviceID
	// Model is the catalog name of the device's GPUs (iog.GPUModels).
	Model string
	// GPUs is how many of its GPUs the cluster holds.
	GPUs int
}

// PlacementOf reads the placement of a placed or running cluster from
// its view and its devices' (as iogsdk.Client.Cluster and Device return
// them): each of the cluster's devices must be among devices, whole GPUs
// held (KubeRay schedules whole GPUs). Problems are iog.ErrInvalid.
func PlacementOf(c api.Cluster, devices []api.Device) (Placement, error) {
	if c.Status != api.ClusterPlaced && c.Status != api.ClusterRunning {
		return Placement{}, fmt.Errorf("placement of %s: it is %s, on no device: %w", c.ID, c.Status, iog.ErrInvalid)
	}
	p := Placement{Cluster: c.ID, Workload: c.Workload}
	for _, d := range c.Devices {
		i := slices.IndexFunc(devices, func(v api.Device) bool { return v.ID == d.Device })
		if i < 0 {
			return Placement{}, fmt.Errorf("placement of %s: device %s is not among the devices given: %w", c.ID, d.Device, iog.ErrInvalid)
		}
		if d.Share != 1000 {
			return Placement{}, fmt.Errorf("placement of %s: device %s holds %d/1000 of each GPU, and KubeRay schedules whole GPUs: %w", c.ID, d.Device, d.Share, iog.ErrInvalid)
		}
		p.Nodes = append(p.Nodes, Node{Device: d.Device, Model: devices[i].Model, GPUs: len(d.GPUs)})
	}
	return p, nil
}

// maxNodeGPUs bounds the GPUs of one device, so that the CPU and memory
// a worker gets for them stay far from overflowing.
const maxNodeGPUs = 1024

// group is a worker group's devices: of one GPU model, each holding the
// same number of GPUs, as a group's pods are alike.
type group struct {
	name     string
	model    iog.GPUModel
	resource corev1.ResourceName
	gpus     int
	nodes    []iog.DeviceID
}

// checked returns the placement's nodes ordered by device, and its worker
// groups: one per GPU model, or one per model and GPU count where devices
// of a model hold different numbers of GPUs.
func (p Placement) checked() ([]Node, []group, error) {
	if _, err := iog.ParseClusterID(string(p.Cluster)); err != nil {
		return nil, nil, err
	}
	if err := p.Workload.Validate(); err != nil {
		return nil, nil, fmt.Errorf("cluster %s: %w", p.Cluster, err)
	}
	if len(p.Nodes) == 0 {
		return nil, nil, fmt.Errorf("cluster %s: zero GPUs: it is placed on no device: %w", p.Cluster, iog.ErrInvalid)
	}
	nodes := slices.SortedFunc(slices.Values(p.Nodes), func(a, b Node) int { return cmp.Compare(a.Device, b.Device) })
	var groups []group
	for i, n := range nodes {
		if _, err := iog.ParseDeviceID(string(n.Device)); err != nil {
			return nil, nil, fmt.Errorf("cluster %s: %w", p.Cluster, err)
		}
		if i > 0 && nodes[i-1].Device == n.Device {
			return nil, nil, fmt.Errorf("cluster %s: conflicting affinity: device %s is placed twice: %w", p.Cluster, n.Device, iog.ErrInvalid)
		}
		if n.GPUs <= 0 || n.GPUs > maxNodeGPUs {
			return nil, nil, fmt.Errorf("cluster %s: %d GPUs on device %s: want 1 to %d: %w", p.Cluster, n.GPUs, n.Device, maxNodeGPUs, iog.ErrInvalid)
		}
		m, ok := iog.LookupGPUModel(n.Model)
		if !ok {
			return nil, nil, fmt.Errorf("cluster %s: device %s: unknown GPU model %q: %w", p.Cluster, n.Device, n.Model, iog.ErrInvalid)
		}
		res, err := gpuResource(m)
		if err != nil {
			return nil, nil, fmt.Errorf("cluster %s: device %s: %w", p.Cluster, n.Device, err)
		}
		j := slices.IndexFunc(groups, func(g group) bool { return g.model.Name == m.Name && g.gpus == n.GPUs })
		if j < 0 {
			groups = append(groups, group{model: m, resource: res, gpus: n.GPUs})
			j = len(groups) - 1
		}
		groups[j].nodes = append(groups[j].nodes, n.Device)
	}
	slices.SortFunc(groups, func(a, b group) int {
		return cmp.Or(cmp.Compare(a.model.Name, b.model.Name), cmp.Compare(a.gpus, b.gpus))
	})
	for i := range groups {
		groups[i].name = groupName(groups, i)
	}
	return nodes, groups, nil
}

// groupName names a group by its model, and by its GPU count too when
// another group has the same model.
func groupName(groups []group, i int) string {
	g := groups[i]
	name := lowerDNS(g.model.Name)
	shared := slices.ContainsFunc(groups, func(o group) bool { return o.model.Name == g.model.Name && o.gpus != g.gpus })
	if shared {
		name = fmt.Sprintf("%s-%dgpu", name, g.gpus)
	}
	return name
}
