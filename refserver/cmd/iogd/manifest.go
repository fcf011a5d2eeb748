package main

import (
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/iogsdk/ray"
)

// manifests is the server's Config.Manifest: a placed cluster as
// iogsdk/ray's KubeRay manifests, in the Ray image and the namespace the
// options name.
func manifests(o options) func(api.Cluster, []api.Device) ([]byte, error) {
	cfg := ray.Config{Image: o.RayImage, Namespace: o.RayNamespace}
	return func(c api.Cluster, devices []api.Device) ([]byte, error) {
		return ray.ClusterManifest(c, devices, cfg)
	}
}
