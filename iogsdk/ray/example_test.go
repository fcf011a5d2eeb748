package ray_test

import (
	"fmt"
	"strings"

	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/iogsdk/ray"
)

// Example materializes a cluster the scheduler placed on two H100 rigs
// and an L40S one as a RayCluster, and a Ray Tune job for it, then
// writes both as the YAML that kubectl applies.
func Example() {
	c := api.Cluster{
		ID:     "5f0c6c1e-2d4b-4c51-9a8e-3b7f2e1d0a99",
		Status: api.ClusterRunning,
		Devices: []api.ClusterDevice{
			{Device: "rig-a", GPUs: []int{0, 1, 2, 3, 4, 5, 6, 7}, Share: 1000},
			{Device: "rig-b", GPUs: []int{0, 1, 2, 3, 4, 5, 6, 7}, Share: 1000},
			{Device: "rig-c", GPUs: []int{0, 1, 2, 3}, Share: 1000},
		},
	}
	devices := []api.Device{{ID: "rig-a", Model: "H100-SXM"}, {ID: "rig-b", Model: "H100-SXM"}, {ID: "rig-c", Model: "L40S"}}
	p, err := ray.PlacementOf(c, devices)
	if err != nil {
		fmt.Println(err)
		return
	}
	rc, err := ray.Cluster(p, ray.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, g := range rc.Spec.WorkerGroupSpecs {
		gpus := g.Template.Spec.Containers[0].Resources.Limits["nvidia.com/gpu"]
		fmt.Printf("group %s: %d pods of %s GPUs\n", g.GroupName, *g.Replicas, gpus.String())
	}
	tune, err := ray.SampleJob(ray.Tuning)
	if err != nil {
		fmt.Println(err)
		return
	}
	job, err := ray.Job(rc, tune)
	if err != nil {
		fmt.Println(err)
		return
	}
	manifest, err := ray.Manifest(rc, job)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, line := range strings.Split(string(manifest), "\n") {
		if strings.HasPrefix(line, "kind: ") || strings.HasPrefix(line, "  name: ") {
			fmt.Println(line)
		}
	}
	// Output:
	// group h100-sxm: 2 pods of 8 GPUs
	// group l40s: 1 pods of 4 GPUs
	// kind: RayCluster
	//   name: iog-5f0c6c1e-2d4b-4c51-9a8e-3b7f2e1d0a99
	// kind: RayJob
	//   name: tuning
}
