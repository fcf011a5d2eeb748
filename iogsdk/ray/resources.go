package ray

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/internetofgpus/iog"
)

// gpuResource is the Kubernetes resource of a model's GPUs, as its
// vendor's device plugin names it.
func gpuResource(m iog.GPUModel) (corev1.ResourceName, error) {
	switch m.Vendor {
	case iog.VendorNVIDIA:
		return "nvidia.com/gpu", nil
	case iog.VendorAMD:
		return "amd.com/gpu", nil
	}
	return "", fmt.Errorf("GPU model %s: Kubernetes device plugins serve NVIDIA and AMD GPUs, not %s ones: %w", m.Name, m.Vendor, iog.ErrInvalid)
}

// guaranteed asks for exactly what a pod may use, so that Kubernetes
// gives it the Guaranteed class and evicts it last.
func guaranteed(list corev1.ResourceList) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{Limits: list, Requests: list.DeepCopy()}
}

// workerResources are a worker pod's: its GPUs and, for each, the CPU
// and memory cfg gives a GPU.
func workerResources(cfg Config, g group) corev1.ResourceRequirements {
	n := int64(g.gpus)
	return guaranteed(corev1.ResourceList{
		g.resource:            *resource.NewQuantity(n, resource.DecimalSI),
		corev1.ResourceCPU:    *resource.NewMilliQuantity(n*cfg.CPUPerGPU.MilliValue(), resource.DecimalSI),
		corev1.ResourceMemory: *resource.NewQuantity(n*cfg.MemoryPerGPU.Value(), resource.BinarySI),
	})
}

// headResources are the head pod's, which holds no GPU.
func headResources(cfg Config) corev1.ResourceRequirements {
	return guaranteed(corev1.ResourceList{corev1.ResourceCPU: cfg.HeadCPU, corev1.ResourceMemory: cfg.HeadMemory})
}
