package ray_test

import (
	"fmt"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/ray"
)

const testCluster iog.ClusterID = "5f0c6c1e-2d4b-4c51-9a8e-3b7f2e1d0a99"

// fleet is a placement's devices: count devices of a model, each holding
// gpus GPUs, named after the model.
type fleet struct {
	model       string
	count, gpus int
}

func placement(fleets ...fleet) ray.Placement {
	p := ray.Placement{Cluster: testCluster}
	for _, f := range fleets {
		for i := range f.count {
			p.Nodes = append(p.Nodes, ray.Node{
				Device: iog.DeviceID(fmt.Sprintf("%s-%dgpu-%02d", f.model, f.gpus, i)),
				Model:  f.model,
				GPUs:   f.gpus,
			})
		}
	}
	return p
}
