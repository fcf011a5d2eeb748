// Package ray runs rented clusters as Ray clusters on Kubernetes through
// KubeRay: a placed cluster (its devices, their GPU models, the workload)
// becomes a rayv1.RayCluster, with a head group and one worker group per
// GPU model pinned to exactly the devices the scheduler chose, and Ray
// programs become rayv1.RayJob resources submitted to it. Every resource
// is checked by KubeRay's own validation before it is returned; Manifest
// writes them as the YAML kubectl applies. Runtime is an iogsdk.Runtime
// that applies, watches and deletes a rental's RayCluster through a
// Kubernetes API server.
//
// It is a package of its own so that only it, and the programs that use
// it, pay for Kubernetes' dependencies.
package ray
