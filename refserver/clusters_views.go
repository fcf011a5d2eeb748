package refserver

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
)

func (s *Server) getCluster(c *call) (any, error) {
	var out api.Cluster
	err := c.read(func(*store.Tx) error {
		cl, err := c.ownCluster()
		if err == nil {
			out, err = s.clusterView(c.tx, cl)
		}
		return err
	})
	return out, err
}

// clusterManifest answers one of the caller's clusters as Config.Manifest
// writes it.
func (s *Server) clusterManifest(c *call) (any, error) {
	if s.cfg.Manifest == nil {
		return nil, fmt.Errorf("this server exports no cluster manifests: %w", iog.ErrNotFound)
	}
	var (
		cl      api.Cluster
		devices []api.Device
	)
	err := c.read(func(*store.Tx) error {
		own, err := c.ownCluster()
		if err != nil {
			return err
		}
		if cl, err = s.clusterView(c.tx, own); err != nil {
			return err
		}
		for _, d := range cl.Devices {
			v, err := c.tx.DeviceView(d.Device, c.now)
			if err != nil {
				return err
			}
			devices = append(devices, s.publicDevice(v, c.now))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	yaml, err := s.cfg.Manifest(cl, devices)
	if err != nil {
		return nil, fmt.Errorf("the manifest of cluster %s: %w", cl.ID, err)
	}
	return api.ClusterManifest{Cluster: cl.ID, YAML: string(yaml)}, nil
}

func (s *Server) listClusters(c *call) (any, error) {
	f := store.ClusterFilter{Renter: c.who.wallet, After: iog.ClusterID(c.r.URL.Query().Get("after"))}
	list, next, err := clusterPage(c, f, func(cl store.Cluster) (api.Cluster, error) { return s.clusterView(c.tx, cl) })
	return api.ClusterList{Clusters: list, Next: next}, err
}

// clusterPage reads a page of the clusters f selects, each as view shows
// it, and the cursor of the next page.
func clusterPage[T any](c *call, f store.ClusterFilter, view func(store.Cluster) (T, error)) ([]T, string, error) {
	f.Limit = maxClusterPage
	out, next := []T{}, ""
	err := c.read(func(*store.Tx) error {
		list, err := c.tx.Clusters(f)
		if err != nil {
			return err
		}
		for _, cl := range list {
			v, err := view(cl)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		if len(list) == maxClusterPage {
			next = string(list[len(list)-1].ID)
		}
		return nil
	})
	return out, next, err
}

// clusterView is a cluster as its renter sees it.
func (s *Server) clusterView(tx *store.Tx, cl store.Cluster) (api.Cluster, error) {
	w, err := workloadOf(cl)
	if err != nil {
		return api.Cluster{}, err
	}
	held := iog.Zero(cl.Paid.Currency())
	for _, t := range cl.Terms {
		if held, err = held.Add(t.Held); err != nil {
			return api.Cluster{}, err
		}
	}
	out := api.Cluster{
		ID: cl.ID, Renter: cl.Renter, Name: cl.Name, Status: api.ClusterStatus(cl.Status), Reason: cl.Reason,
		Request: json.RawMessage(cl.Request), Workload: w, Hours: cl.Hours, HoursSettled: cl.Settled,
		Created: cl.Created, Deadline: cl.Deadline, Placed: timePtr(cl.Placed), Expires: timePtr(cl.Expires), Ended: timePtr(cl.Ended),
		Held: held, Cost: cl.Paid, Refunded: cl.Refunded, RefundedCredits: cl.RefundedCredits, Devices: []api.ClusterDevice{}, Endpoints: []api.Endpoint{},
	}
	if cl.Status != statusPlaced && cl.Status != statusRunning {
		return out, nil
	}
	devices, err := tx.ClusterDevices(cl.ID)
	if err != nil {
		return api.Cluster{}, err
	}
	for _, d := range devices {
		out.Devices = append(out.Devices, api.ClusterDevice{Device: d.Device, GPUs: d.GPUs, Share: d.Share, Started: !d.Started.IsZero()})
		for _, p := range w.Ports {
			out.Endpoints = append(out.Endpoints, api.Endpoint{Device: d.Device, Port: p})
		}
	}
	return out, nil
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// publicCluster is what the explorer shows of a cluster.
func publicCluster(tx *store.Tx, cl store.Cluster) (api.PublicCluster, error) {
	r, err := requestOf(cl)
	if err != nil {
		return api.PublicCluster{}, err
	}
	out := api.PublicCluster{ID: cl.ID, Renter: cl.Renter, Status: api.ClusterStatus(cl.Status), GPUModel: r.GPUModel, GPUCount: r.GPUCount,
		Hours: cl.Hours, Created: cl.Created, Placed: timePtr(cl.Placed), Ended: timePtr(cl.Ended), Devices: []iog.DeviceID{}}
	devices, err := tx.ClusterDevices(cl.ID)
	if err != nil {
		return out, err
	}
	for _, d := range devices {
		out.Devices = append(out.Devices, d.Device)
	}
	return out, nil
}

func (s *Server) getPublicCluster(c *call) (any, error) {
	id, err := iog.ParseClusterID(c.param("id"))
	if err != nil {
		return nil, err
	}
	var out api.PublicCluster
	err = c.read(func(*store.Tx) error {
		cl, err := c.tx.Cluster(id)
		if err == nil {
			out, err = publicCluster(c.tx, cl)
		}
		return err
	})
	return out, err
}

// listPublicClusters answers a page of clusters' public details, by ID,
// or with a device parameter the clusters the device hosted, the latest
// booked first; of one status with a status parameter.
func (s *Server) listPublicClusters(c *call) (any, error) {
	q := c.r.URL.Query()
	f := store.ClusterFilter{After: iog.ClusterID(q.Get("after"))}
	if v := q.Get("device"); v != "" {
		id, err := iog.ParseDeviceID(v)
		if err != nil {
			return nil, err
		}
		f.Device = id
	}
	if st := q.Get("status"); st != "" {
		if !slices.Contains(liveStatuses, st) && st != statusEnded {
			return nil, fmt.Errorf("status %q: want pending, placed, running or ended: %w", clip(st), iog.ErrInvalid)
		}
		f.Statuses = []string{st}
	}
	list, next, err := clusterPage(c, f, func(cl store.Cluster) (api.PublicCluster, error) { return publicCluster(c.tx, cl) })
	return api.PublicClusterList{Clusters: list, Next: next}, err
}
