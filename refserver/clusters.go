package refserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/pricing"
	"github.com/internetofgpus/iog/refserver/store"
)

// The statuses as the store keeps them.
const (
	statusPending = string(api.ClusterPending)
	statusPlaced  = string(api.ClusterPlaced)
	statusRunning = string(api.ClusterRunning)
	statusEnded   = string(api.ClusterEnded)
)

// liveStatuses are those of clusters that have not ended.
var liveStatuses = []string{statusPending, statusPlaced, statusRunning}

// maxClusterPage bounds a page of a cluster listing.
const maxClusterPage = 200

// reasonUnscheduled is the reason of a cluster the scheduler has not
// tried yet.
const reasonUnscheduled = "waiting for the scheduler"

func (s *Server) clusterRoutes() []route {
	deploy := func(method, pattern string, h func(*call) (any, error), summary string) route {
		return route{method: method, pattern: pattern, access: private, scope: api.ScopeDeploy, mutates: true, handle: h, summary: summary}
	}
	read := func(pattern string, h func(*call) (any, error), summary string) route {
		return route{method: "GET", pattern: pattern, access: private, scope: api.ScopeRead, handle: h, summary: summary}
	}
	return []route{
		{method: "POST", pattern: "/v1/quotes", access: public, handle: s.quote, summary: "The price of a deploy body, with its fee lines"},
		deploy("POST", "/v1/clusters", s.deploy, "Deploy a cluster: its payment is held, the cluster answered pending"),
		read("/v1/clusters", s.listClusters, "The caller's clusters, a page at a time"),
		read("/v1/clusters/{id}", s.getCluster, "One of the caller's clusters: status, the reason it waits, devices, cost"),
		deploy("POST", "/v1/clusters/{id}/extend", s.extendCluster, "Buy more hours for one of the caller's clusters"),
		deploy("POST", "/v1/clusters/{id}/terminate", s.terminateCluster, "End one of the caller's clusters: what ran is paid, the rest refunded"),
		{method: "GET", pattern: "/v1/explorer/clusters", access: public, handle: s.listPublicClusters, summary: "Clusters' public details, a page at a time"},
		{method: "GET", pattern: "/v1/explorer/clusters/{id}", access: public, handle: s.getPublicCluster, summary: "A cluster's public details"},
		{method: "GET", pattern: "/v1/devices/{id}/rentals", access: private, scope: api.ScopeWorker, handle: s.deviceRentals, summary: "The rentals one of the caller's devices must run"},
		{method: "POST", pattern: "/v1/devices/{id}/rentals/{cluster}/started", access: private, scope: api.ScopeWorker, mutates: true, handle: s.rentalStarted, summary: "Say the device's worker started a rental's workload"},
	}
}

// withTx runs fn with c.tx set: the call's own transaction, or one of
// its own for a read that has none.
func (c *call) withTx(fn func() error) error {
	if c.tx != nil {
		return fn()
	}
	return c.s.store.Tx(c.r.Context(), func(tx *store.Tx) error {
		c.tx = tx
		defer func() { c.tx = nil }()
		return fn()
	})
}

// quoted decodes the body of a deploy or a quote and prices it now.
func (c *call) quoted() (api.DeployRequest, pricing.Quote, error) {
	var d api.DeployRequest
	if err := checkDepth(c.body, c.s.cfg.Limits.MaxDepth); err != nil {
		return d, pricing.Quote{}, err
	}
	if err := d.UnmarshalJSON(c.body); err != nil {
		return d, pricing.Quote{}, err
	}
	q, err := c.s.cfg.Prices.Quote(d.Request, c.now)
	return d, q, err
}

// quote prices a deploy body now.
func (s *Server) quote(c *call) (any, error) {
	_, q, err := c.quoted()
	if err != nil {
		return nil, err
	}
	return quoteView(q), nil
}

func quoteView(q pricing.Quote) api.Quote {
	out := api.Quote{
		Model: q.Model, GPUCount: q.GPUCount, Hours: q.Hours, At: q.At, HourlyPerGPUUSD: q.HourlyPerGPU, TotalUSD: q.Total,
		IOPriceUSD: q.IOPriceUSD.String(), Price: q.Fees.Price, RenterPays: q.Fees.RenterPays,
		SupplierReceives: q.Fees.SupplierReceives, FeesTotal: q.Fees.Total, SavingPPM: int64(q.Saving),
		Fees: []api.FeeLine{}, Factors: []string{},
	}
	if q.Location != (iog.Location{}) {
		out.Location = q.Location.String()
	}
	for _, l := range q.Fees.Lines() {
		out.Fees = append(out.Fees, api.FeeLine{Kind: l.Kind.String(), Rate: l.Rate.String(), Amount: l.Amount})
	}
	if r := q.Reference; r.Provider != "" {
		out.Reference = &api.CloudPrice{Provider: r.Provider, Offering: r.Offering, HourlyPerGPU: r.HourlyPerGPU, AsOf: r.AsOf}
	}
	for _, a := range q.Moved() {
		out.Factors = append(out.Factors, a.String())
	}
	return out
}

// deploy records a cluster, pending, with its payment and fees held from
// the caller's account, in one transaction; the scheduling loop places
// it. A caller short of funds is refused (402) and nothing changes.
func (s *Server) deploy(c *call) (any, error) {
	d, q, err := c.quoted()
	if err != nil {
		return nil, err
	}
	id, err := iog.NewClusterID(s.cfg.Random)
	if err != nil {
		return nil, err
	}
	term, err := s.holdTerm(c.tx, id, 0, 0, c.who.wallet, q)
	if err != nil {
		return nil, err
	}
	request, err := d.Request.MarshalJSON()
	if err != nil {
		return nil, err
	}
	workload, err := json.Marshal(d.Workload)
	if err != nil {
		return nil, err
	}
	zero := iog.Zero(term.Held.Currency())
	cl := store.Cluster{
		ID: id, Renter: c.who.wallet, Name: d.Name, Status: statusPending, Reason: reasonUnscheduled,
		Request: request, Workload: workload, Terms: []store.ClusterTerm{term}, Hours: d.Request.Hours,
		Paid: zero, Refunded: zero, Created: c.now, Deadline: c.now.Add(s.cfg.PlacementDeadline), Updated: c.now,
	}
	if err := c.tx.InsertCluster(cl); err != nil {
		return nil, err
	}
	c.status = http.StatusAccepted
	c.audit("cluster.deploy", string(id), fmt.Sprintf("%d GPUs for %d hours, %v held", d.Request.GPUCount, d.Request.Hours, term.Held))
	return s.clusterView(c.tx, cl)
}

// ownCluster returns one of the caller's clusters, locked. Another
// wallet's is iog.ErrForbidden: that it exists is public, its details
// and acting on it are not.
func (c *call) ownCluster() (store.Cluster, error) {
	id, err := iog.ParseClusterID(c.param("id"))
	if err != nil {
		return store.Cluster{}, err
	}
	cl, err := c.tx.Cluster(id)
	if err != nil {
		return cl, err
	}
	if cl.Renter != c.who.wallet {
		return cl, fmt.Errorf("cluster %s belongs to another wallet: %w", id, iog.ErrForbidden)
	}
	return cl, nil
}

// liveCluster is ownCluster refusing one that ended.
func (c *call) liveCluster() (store.Cluster, error) {
	cl, err := c.ownCluster()
	if err == nil && cl.Status == statusEnded {
		err = fmt.Errorf("cluster %s ended at %v (%s): %w", cl.ID, cl.Ended.Format(time.RFC3339), cl.Reason, iog.ErrConflict)
	}
	return cl, err
}

func (s *Server) getCluster(c *call) (any, error) {
	var out api.Cluster
	err := c.withTx(func() error {
		cl, err := c.ownCluster()
		if err == nil {
			out, err = s.clusterView(c.tx, cl)
		}
		return err
	})
	return out, err
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
	err := c.withTx(func() error {
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

// extendCluster buys more hours for a live cluster: a new term, quoted
// now for those hours and held as the deploy was.
func (s *Server) extendCluster(c *call) (any, error) {
	cl, err := c.liveCluster()
	if err != nil {
		return nil, err
	}
	var req api.ExtendRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.Hours < 1 || cl.Hours+req.Hours > pricing.MaxHours {
		return nil, fmt.Errorf("hours %d: at least 1, and at most %d in all: %w", req.Hours, pricing.MaxHours, iog.ErrInvalid)
	}
	var r pricing.Request
	if err := r.UnmarshalJSON(cl.Request); err != nil {
		return nil, fmt.Errorf("cluster %s: stored request: %w", cl.ID, err)
	}
	r.Hours = req.Hours
	q, err := s.cfg.Prices.Quote(r, c.now)
	if err != nil {
		return nil, err
	}
	term, err := s.holdTerm(c.tx, cl.ID, len(cl.Terms), cl.Hours, cl.Renter, q)
	if err != nil {
		return nil, err
	}
	cl.Terms, cl.Hours, cl.Updated = append(cl.Terms, term), cl.Hours+req.Hours, c.now
	if !cl.Placed.IsZero() {
		cl.Expires = cl.Placed.Add(time.Duration(cl.Hours) * time.Hour)
	}
	if err := c.tx.UpdateCluster(cl); err != nil {
		return nil, err
	}
	if cl.Status != statusPending {
		if err := s.putRental(c.tx, cl); err != nil {
			return nil, err
		}
	}
	c.audit("cluster.extend", string(cl.ID), fmt.Sprintf("%d hours more, %v held", req.Hours, term.Held))
	return s.clusterView(c.tx, cl)
}

// terminateCluster ends a live cluster now: the hours begun are paid (a
// reserved cluster pays all its hours, as it committed to), the rest is
// refunded.
func (s *Server) terminateCluster(c *call) (any, error) {
	cl, err := c.liveCluster()
	if err != nil {
		return nil, err
	}
	var r pricing.Request
	if err := r.UnmarshalJSON(cl.Request); err != nil {
		return nil, fmt.Errorf("cluster %s: stored request: %w", cl.ID, err)
	}
	due := hoursRun(cl, c.now)
	if r.Commitment == pricing.Reserved && !cl.Placed.IsZero() {
		due = cl.Hours
	}
	if err := s.endCluster(c.tx, &cl, due, "terminated by its renter", c.now); err != nil {
		return nil, err
	}
	c.audit("cluster.terminate", string(cl.ID), fmt.Sprintf("%d hours paid, %v cost, %v refunded", cl.Settled, cl.Paid, cl.Refunded))
	return s.clusterView(c.tx, cl)
}

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

func workloadOf(cl store.Cluster) (api.Workload, error) {
	var w api.Workload
	if err := json.Unmarshal(cl.Workload, &w); err != nil {
		return w, fmt.Errorf("cluster %s: stored workload is corrupt (%v): %w", cl.ID, err, iog.ErrInvalid)
	}
	return w, nil
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
		Held: held, Cost: cl.Paid, Refunded: cl.Refunded, Devices: []api.ClusterDevice{}, Endpoints: []api.Endpoint{},
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
	var r pricing.Request
	if err := r.UnmarshalJSON(cl.Request); err != nil {
		return api.PublicCluster{}, fmt.Errorf("cluster %s: stored request: %w", cl.ID, err)
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
	err = c.withTx(func() error {
		cl, err := c.tx.Cluster(id)
		if err == nil {
			out, err = publicCluster(c.tx, cl)
		}
		return err
	})
	return out, err
}

func (s *Server) listPublicClusters(c *call) (any, error) {
	q := c.r.URL.Query()
	f := store.ClusterFilter{After: iog.ClusterID(q.Get("after"))}
	if st := q.Get("status"); st != "" {
		if !slices.Contains(liveStatuses, st) && st != statusEnded {
			return nil, fmt.Errorf("status %q: want pending, placed, running or ended: %w", clip(st), iog.ErrInvalid)
		}
		f.Statuses = []string{st}
	}
	list, next, err := clusterPage(c, f, func(cl store.Cluster) (api.PublicCluster, error) { return publicCluster(c.tx, cl) })
	return api.PublicClusterList{Clusters: list, Next: next}, err
}

// deviceRentals lists the rentals placed on one of the caller's devices,
// for its worker to run.
func (s *Server) deviceRentals(c *call) (any, error) {
	out := api.DeviceRentals{Rentals: []api.DeviceRental{}}
	err := c.withTx(func() error {
		d, err := c.ownDevice()
		if err != nil {
			return err
		}
		placed, err := c.tx.DeviceClusters(d.ID, statusPlaced, statusRunning)
		if err != nil {
			return err
		}
		for _, p := range placed {
			cl, err := c.tx.Cluster(p.Cluster)
			if err != nil {
				return err
			}
			r, err := deviceRental(cl, p)
			if err != nil {
				return err
			}
			out.Rentals = append(out.Rentals, r)
		}
		return nil
	})
	return out, err
}

func deviceRental(cl store.Cluster, p store.ClusterDevice) (api.DeviceRental, error) {
	w, err := workloadOf(cl)
	return api.DeviceRental{Cluster: cl.ID, Renter: cl.Renter, GPUs: p.GPUs, Share: p.Share, Workload: w, Expires: cl.Expires, Started: !p.Started.IsZero()}, err
}

// rentalStarted records that the device's worker started a cluster's
// workload; a cluster all of whose devices started is running.
func (s *Server) rentalStarted(c *call) (any, error) {
	d, err := c.ownDevice()
	if err != nil {
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
