package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/internetofgpus/iog/iogsdk/ray"
)

func (a *app) manifestCmd() *cobra.Command {
	var (
		cfg     ray.Config
		samples []string
	)
	kinds := make([]string, 0, len(ray.Kinds()))
	for _, k := range ray.Kinds() {
		kinds = append(kinds, string(k))
	}
	c := &cobra.Command{
		Use:   "manifest CLUSTER",
		Short: "Print a placed cluster as KubeRay manifests: its RayCluster and its jobs",
		Long: `manifest prints, as the YAML documents kubectl apply -f takes, the KubeRay
RayCluster of one of the wallet's clusters once it is placed: a head, and
a worker group per GPU model pinned to exactly the devices the scheduler
chose (by the node label that names a device), with their GPUs, CPU and
memory. Its workload's entrypoint, if it has one, becomes a RayJob; so
does each --sample. Every resource is checked by KubeRay's own validation
first. A cluster not placed yet has no manifest.`,
		Example: `  iog cluster manifest c-0123 > cluster.yaml && kubectl apply -f cluster.yaml
  iog cluster manifest c-0123 --sample tuning --namespace research
  iog cluster manifest c-0123 --autoscale --image rayproject/ray:2.46.0-gpu`,
		Args: args(1, 1),
		RunE: func(cmd *cobra.Command, argv []string) error {
			c, cl, err := a.myCluster(cmd, argv[0])
			if err != nil {
				return err
			}
			var jobs []ray.JobSpec
			if len(samples) > 0 {
				if spec, ok := ray.WorkloadJob(cl.Workload.Entrypoint); ok {
					jobs = append(jobs, spec)
				}
			}
			for i, s := range samples {
				spec, err := ray.SampleJob(ray.Kind(s))
				if err != nil {
					return usageError{err}
				}
				// The cluster's name, which the workload's job takes, and
				// the sample's place: a job name holds at most 47.
				spec.Name = fmt.Sprintf("%s-%d", strings.TrimRight(ray.Name(cl.ID)[:min(len(ray.Name(cl.ID)), 43)], "-"), i+1)
				jobs = append(jobs, spec)
			}
			devices, err := ray.ClusterDevices(cmd.Context(), c, cl)
			if err != nil {
				return err
			}
			out, err := ray.ClusterManifest(cl, devices, cfg, jobs...)
			if err != nil {
				return fmt.Errorf("cluster %s: %w", cl.ID, err)
			}
			_, err = a.stdout.Write(out)
			return err
		},
	}
	f := c.Flags()
	f.StringVar(&cfg.Namespace, "namespace", "", "the Kubernetes namespace of the resources (default "+ray.DefaultNamespace+")")
	f.StringVar(&cfg.Image, "image", "", "the Ray container image, unless the workload names one (default "+ray.DefaultImage+")")
	f.BoolVar(&cfg.Autoscale, "autoscale", false, "let KubeRay's autoscaler shrink idle worker groups")
	f.StringArrayVar(&samples, "sample", nil, "add a sample job of a kind: "+strings.Join(kinds, ", ")+" (repeatable)")
	return c
}
