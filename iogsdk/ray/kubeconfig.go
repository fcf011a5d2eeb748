package ray

import (
	"fmt"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/ray-project/kuberay/ray-operator/pkg/client/clientset/versioned"

	"github.com/internetofgpus/iog"
)

// NewRuntimeFromKubeconfig returns a Runtime that speaks to the API
// server of a kubeconfig file (its current context); "" means the
// in-cluster config of a worker that runs in a pod. A file that cannot
// be read or parsed is iog.ErrInvalid; nothing is asked of the server
// until the first Start.
func NewRuntimeFromKubeconfig(path string, cfg RuntimeConfig) (*Runtime, error) {
	rest, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, fmt.Errorf("ray runtime: kubeconfig %q: %w: %w", path, iog.ErrInvalid, err)
	}
	client, err := versioned.NewForConfig(rest)
	if err != nil {
		return nil, fmt.Errorf("ray runtime: kubeconfig %q: %w: %w", path, iog.ErrInvalid, err)
	}
	return NewRuntime(client, cfg)
}
