package ray

import (
	"context"
	"fmt"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// DeviceReader reads a device's public view, as *iogsdk.Client does.
type DeviceReader interface {
	Device(ctx context.Context, device iog.DeviceID) (api.Device, error)
}

// ClusterDevices reads the views of a cluster's devices, which
// PlacementOf and ClusterManifest take beside the cluster's: what `iog
// cluster manifest` asks of the server after the cluster itself.
func ClusterDevices(ctx context.Context, r DeviceReader, c api.Cluster) ([]api.Device, error) {
	out := make([]api.Device, 0, len(c.Devices))
	for _, d := range c.Devices {
		v, err := r.Device(ctx, d.Device)
		if err != nil {
			return nil, fmt.Errorf("devices of cluster %s: %w", c.ID, err)
		}
		out = append(out, v)
	}
	return out, nil
}
