// Command raytune prints the Kubernetes manifests of a rented cluster run
// on KubeRay: the RayCluster of a cluster the scheduler placed (a head and
// a worker group per GPU model, pinned to the devices it chose) and a
// RayJob that runs a Ray Tune hyper-parameter search on it, or another of
// the sample workloads.
//
//	go run ./examples/raytune
//	go run ./examples/raytune -devices H100-SXM:8,H100-SXM:8,L40S:4 -kind tuning | kubectl apply -f -
//
// Each device of -devices is a catalog GPU model and how many of its GPUs
// the cluster holds; the devices are named rig-1, rig-2, ..., as the
// Kubernetes nodes' iog.network/device labels must name them.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/iogsdk/ray"
)

func main() {
	devices := flag.String("devices", "H100-SXM:8,H100-SXM:8,L40S:4", "the cluster's devices, as MODEL:GPUS pairs")
	kind := flag.String("kind", string(ray.Tuning), fmt.Sprintf("the job's workload, one of %v", ray.Kinds()))
	namespace := flag.String("namespace", ray.DefaultNamespace, "the Kubernetes namespace")
	autoscale := flag.Bool("autoscale", false, "let KubeRay's autoscaler shrink idle worker groups")
	flag.Parse()
	if err := run(os.Stdout, *devices, ray.Kind(*kind), ray.Config{Namespace: *namespace, Autoscale: *autoscale}); err != nil {
		fmt.Fprintln(os.Stderr, "raytune:", err)
		os.Exit(1)
	}
}

// run writes the manifests of a cluster placed on devices and of a job
// of kind.
func run(w io.Writer, devices string, kind ray.Kind, cfg ray.Config) error {
	c, views, err := placed(devices)
	if err != nil {
		return err
	}
	job, err := ray.SampleJob(kind)
	if err != nil {
		return err
	}
	manifest, err := ray.ClusterManifest(c, views, cfg, job)
	if err != nil {
		return err
	}
	_, err = w.Write(manifest)
	return err
}

// placed is a running cluster on devices, as the server's API shows it
// and its devices.
func placed(devices string) (api.Cluster, []api.Device, error) {
	c := api.Cluster{ID: "5f0c6c1e-2d4b-4c51-9a8e-3b7f2e1d0a99", Status: api.ClusterRunning}
	var views []api.Device
	for i, d := range strings.Split(devices, ",") {
		model, count, ok := strings.Cut(d, ":")
		n, err := strconv.Atoi(count)
		if !ok || err != nil || n < 1 || n > 1024 {
			return api.Cluster{}, nil, fmt.Errorf("-devices: %q: want MODEL:GPUS, as in H100-SXM:8", d)
		}
		id := iog.DeviceID(fmt.Sprintf("rig-%d", i+1))
		gpus := make([]int, n)
		for g := range gpus {
			gpus[g] = g
		}
		c.Devices = append(c.Devices, api.ClusterDevice{Device: id, GPUs: gpus, Share: 1000, Started: true})
		views = append(views, api.Device{ID: id, Model: model, GPUCount: n})
	}
	return c, views, nil
}
