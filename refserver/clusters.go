package refserver

import (
	"encoding/json"
	"fmt"
	"net/http"
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
		read("/v1/clusters/{id}/manifest", s.clusterManifest, "One of the caller's clusters, placed, as the YAML manifests its renter applies to Kubernetes (KubeRay)"),
		deploy("POST", "/v1/clusters/{id}/extend", s.extendCluster, "Buy more hours for one of the caller's clusters"),
		deploy("POST", "/v1/clusters/{id}/terminate", s.terminateCluster, "End one of the caller's clusters: what ran is paid, the rest refunded"),
		{method: "GET", pattern: "/v1/explorer/clusters", access: public, handle: s.listPublicClusters, summary: "Clusters' public details, a page at a time"},
		{method: "GET", pattern: "/v1/explorer/clusters/{id}", access: public, handle: s.getPublicCluster, summary: "A cluster's public details"},
		{method: "GET", pattern: "/v1/devices/{id}/rentals", access: private, scope: api.ScopeWorker, handle: s.deviceRentals, summary: "The rentals one of the caller's devices must run"},
		{method: "POST", pattern: "/v1/devices/{id}/rentals/{cluster}/started", access: private, scope: api.ScopeWorker, mutates: true, handle: s.rentalStarted, summary: "Say the device's worker started a rental's workload"},
	}
}

// quoted decodes the body of a deploy or a quote and prices it now. A
// rental shorter than the billing's minimum is refused.
func (c *call) quoted() (api.DeployRequest, pricing.Quote, error) {
	var d api.DeployRequest
	if err := checkDepth(c.body, c.s.cfg.Limits.MaxDepth); err != nil {
		return d, pricing.Quote{}, err
	}
	if err := d.UnmarshalJSON(c.body); err != nil {
		return d, pricing.Quote{}, err
	}
	if err := c.s.cfg.Billing.CheckHours(d.Request.Hours); err != nil {
		return d, pricing.Quote{}, fmt.Errorf("request: %w", err)
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
// it. A caller short of funds is refused (402) and nothing changes. So
// no cluster here is ever unpaid: io.net destroys a cluster left unpaid
// for 20 minutes (pricing.Billing.Unpaid), a state this server's deploys
// never enter.
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
		Paid: zero, Refunded: zero, RefundedCredits: iog.Zero(iog.IOSD), Created: c.now, Deadline: c.now.Add(s.cfg.PlacementDeadline), Updated: c.now,
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
	r, err := requestOf(cl)
	if err != nil {
		return nil, err
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
	r, err := requestOf(cl)
	if err != nil {
		return nil, err
	}
	due := hoursRun(cl, c.now)
	if r.Commitment == pricing.Reserved && !cl.Placed.IsZero() {
		due = cl.Hours
	}
	if err := s.endCluster(c.tx, &cl, due, "terminated by its renter", c.now); err != nil {
		return nil, err
	}
	c.audit("cluster.terminate", string(cl.ID), fmt.Sprintf("%d hours paid, %v cost, %v refunded as %v", cl.Settled, cl.Paid, cl.Refunded, cl.RefundedCredits))
	return s.clusterView(c.tx, cl)
}

// workloadOf decodes a cluster's stored workload. It was checked when
// the cluster was deployed, so a failure is the server's: an internal
// error, whatever sentinel the decoder's error wraps.
func workloadOf(cl store.Cluster) (api.Workload, error) {
	var w api.Workload
	if err := json.Unmarshal(cl.Workload, &w); err != nil {
		return w, fmt.Errorf("cluster %s: stored workload is corrupt: %v", cl.ID, err)
	}
	return w, nil
}

// requestOf decodes a cluster's stored request, as workloadOf its
// workload.
func requestOf(cl store.Cluster) (pricing.Request, error) {
	var r pricing.Request
	if err := r.UnmarshalJSON(cl.Request); err != nil {
		return r, fmt.Errorf("cluster %s: stored request is corrupt: %v", cl.ID, err)
	}
	return r, nil
}
