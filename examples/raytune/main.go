// Command raytune rents a cluster on a small network and prints it as
// Kubernetes manifests for KubeRay, with a Ray Tune job to submit to it:
// a renter deploys a cluster of GPUs of one model through iogsdk on an
// embedded reference server whose suppliers lend simulated GPUs; once the
// scheduler has placed it, iogsdk/ray turns the cluster and its devices
// into a RayCluster (a head, a worker group per GPU model, pinned to the
// devices chosen) and a RayJob running a hyper-parameter search with Ray
// Tune on it, or another of the sample workloads.
//
//	go run ./examples/raytune
//	go run ./examples/raytune -rigs H100-SXM:8,H100-SXM:8 -gpus 16 -kind tuning | kubectl apply -f -
//
// Each rig of -rigs is a catalog GPU model and how many GPUs a supplier
// lends of it; the Kubernetes nodes' iog.network/device labels must name
// the devices the server gave them. `iog cluster manifest CLUSTER
// --sample tuning` prints the same for a cluster of the real network.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/examples/internal/demonet"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/iogsdk/ray"
	"github.com/internetofgpus/iog/pricing"
)

func main() {
	rigs := flag.String("rigs", "H100-SXM:8,H100-SXM:8", "the suppliers' rigs, as MODEL:GPUS pairs of one model")
	gpus := flag.Int("gpus", 16, "the GPUs the cluster rents")
	kind := flag.String("kind", string(ray.Tuning), fmt.Sprintf("the job's workload, one of %v", ray.Kinds()))
	namespace := flag.String("namespace", ray.DefaultNamespace, "the Kubernetes namespace")
	autoscale := flag.Bool("autoscale", false, "let KubeRay's autoscaler shrink idle worker groups")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout, *rigs, *gpus, ray.Kind(*kind), ray.Config{Namespace: *namespace, Autoscale: *autoscale}); err != nil {
		fmt.Fprintln(os.Stderr, "raytune:", err)
		os.Exit(1)
	}
}

// run rents gpus on a network of rigs and writes the manifests of the
// cluster placed and of a job of kind.
func run(ctx context.Context, w io.Writer, rigs string, gpus int, kind ray.Kind, cfg ray.Config) error {
	job, err := ray.SampleJob(kind)
	if err != nil {
		return err
	}
	network, err := parseRigs(rigs)
	if err != nil {
		return err
	}
	n, err := demonet.Start(ctx, demonet.Config{Rigs: network})
	if err != nil {
		return err
	}
	defer n.Close()
	renter, err := n.Renter(ctx, 9)
	if err != nil {
		return err
	}
	cl, err := renter.Deploy(ctx, api.DeployRequest{Name: "tune", Request: pricing.Request{
		Requirements: iog.Requirements{GPUModel: network[0].Model, GPUCount: gpus}, Hours: 4, Currency: iog.USDC}})
	if err != nil {
		return err
	}
	cl, err = demonet.Until(ctx, func() (api.Cluster, bool, error) {
		cl, err := renter.Cluster(ctx, cl.ID)
		return cl, err == nil && cl.Status == api.ClusterRunning, err
	})
	if err != nil {
		return fmt.Errorf("cluster %s: %w", cl.ID, err)
	}
	devices, err := ray.ClusterDevices(ctx, renter, cl)
	if err != nil {
		return err
	}
	manifest, err := ray.ClusterManifest(cl, devices, cfg, job)
	if err != nil {
		return err
	}
	_, err = w.Write(manifest)
	return err
}

// parseRigs reads MODEL:GPUS pairs, all of one model: a cluster rents
// GPUs of one.
func parseRigs(s string) ([]demonet.Rig, error) {
	var rigs []demonet.Rig
	for i, r := range strings.Split(s, ",") {
		model, count, ok := strings.Cut(r, ":")
		n, err := strconv.Atoi(count)
		if !ok || err != nil || n < 1 || n > 64 {
			return nil, fmt.Errorf("-rigs: %q: want MODEL:GPUS, as in H100-SXM:8", r)
		}
		if i > 0 && model != rigs[0].Model {
			return nil, fmt.Errorf("-rigs: %s and %s: a cluster rents GPUs of one model", rigs[0].Model, model)
		}
		rigs = append(rigs, demonet.Rig{Name: fmt.Sprintf("rig-%d", i+1), Model: model, GPUs: n})
	}
	return rigs, nil
}
