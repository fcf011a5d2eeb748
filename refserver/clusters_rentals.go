package refserver

import (
	"fmt"
	"slices"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
)

// putRental records the rental the relay authorizes for a placed
// cluster: its renter to the workload's ports on its devices until its
// paid time ends.
func (s *Server) putRental(tx *store.Tx, cl store.Cluster) error {
	devices, err := tx.ClusterDevices(cl.ID)
	if err != nil {
		return err
	}
	w, err := workloadOf(cl)
	if err != nil {
		return err
	}
	r := store.Rental{Cluster: cl.ID, Renter: cl.Renter, Ports: w.Ports, Expires: cl.Expires}
	for _, d := range devices {
		r.Devices = append(r.Devices, d.Device)
	}
	if len(r.Devices) == 0 {
		return tx.DeleteRental(cl.ID)
	}
	return tx.PutRental(r)
}

// deviceRentals lists the rentals placed on one of the caller's devices,
// for its worker to run. The clusters are locked before the device, in
// the store's lock order; nothing is answered unless the device is the
// caller's.
func (s *Server) deviceRentals(c *call) (any, error) {
	id, err := iog.ParseDeviceID(c.param("id"))
	if err != nil {
		return nil, err
	}
	out := api.DeviceRentals{Rentals: []api.DeviceRental{}}
	err = c.read(func(tx *store.Tx) error {
		placed, err := tx.DeviceClusters(id, statusPlaced, statusRunning)
		if err != nil {
			return err
		}
		clusters := make([]store.Cluster, len(placed))
		for i, p := range placed {
			if clusters[i], err = tx.Cluster(p.Cluster); err != nil {
				return err
			}
		}
		if _, err := c.ownDevice(); err != nil {
			return err
		}
		for i, p := range placed {
			r, err := deviceRental(clusters[i], p)
			if err != nil {
				return err
			}
			out.Rentals = append(out.Rentals, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func deviceRental(cl store.Cluster, p store.ClusterDevice) (api.DeviceRental, error) {
	w, err := workloadOf(cl)
	return api.DeviceRental{Cluster: cl.ID, Renter: cl.Renter, GPUs: p.GPUs, Share: p.Share, Workload: w, Expires: cl.Expires, Started: !p.Started.IsZero()}, err
}

// rentalStarted records that the device's worker started a cluster's
// workload; a cluster all of whose devices started is running.
// The cluster is locked before the device, in the store's lock order.
func (s *Server) rentalStarted(c *call) (any, error) {
	if _, err := iog.ParseDeviceID(c.param("id")); err != nil {
		return nil, err
	}
	id, err := iog.ParseClusterID(c.param("cluster"))
	if err != nil {
		return nil, err
	}
	cl, err := c.tx.Cluster(id)
	if err != nil {
		return nil, err
	}
	d, err := c.ownDevice()
	if err != nil {
		return nil, err
	}
	devices, err := c.tx.ClusterDevices(id)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(devices, func(p store.ClusterDevice) bool { return p.Device == d.ID })
	if (cl.Status != statusPlaced && cl.Status != statusRunning) || i < 0 {
		return nil, fmt.Errorf("cluster %s is not placed on device %s: %w", id, d.ID, iog.ErrConflict)
	}
	if devices[i].Started.IsZero() {
		devices[i].Started = c.now
		if err := c.tx.SetClusterDevices(id, devices); err != nil {
			return nil, err
		}
	}
	if cl.Status == statusPlaced && !slices.ContainsFunc(devices, func(p store.ClusterDevice) bool { return p.Started.IsZero() }) {
		cl.Status, cl.Updated = statusRunning, c.now
		if err := c.tx.UpdateCluster(cl); err != nil {
			return nil, err
		}
	}
	c.audit("cluster.started", string(id), string(d.ID))
	return deviceRental(cl, devices[i])
}
