package refserver

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/refserver/store"
	"github.com/internetofgpus/iog/scheduler"
	"github.com/internetofgpus/iog/tunnel"
)

// clusterLoops are the renters' loops. They are built at each start of
// leadership, so the scheduler is built anew from the database each time:
// the devices active and up become its nodes, the live clusters its
// jobs, those already placed pinned to their devices for their first
// cycle so that they stay where they run.
func (s *Server) clusterLoops() []loop {
	p := newPlacer(s)
	return []loop{
		{name: "scheduling", every: s.cfg.ScheduleEvery, step: p.step},
		{name: "rental settlement", every: s.cfg.ScheduleEvery, step: s.settleRentals},
	}
}

// placer is the leader's scheduler and what it knows the database holds.
// Only its loop's goroutine calls it, but the framework asks its Filter
// from Status and Schedule: pins has a lock of its own.
type placer struct {
	s *Server
	f *scheduler.Framework
	// nodes are the devices in the pool, and whether each is up; synced
	// says the pool has followed the devices up to their change seen
	// (store.NodeRow.Changed), and the rounds read the later ones only.
	nodes  map[iog.DeviceID]bool
	synced bool
	seen   int64
	// jobs are the clusters the framework holds, with the reason last
	// written for each.
	jobs map[iog.ClusterID]string
	// moved are clusters that left their devices or the pin they were
	// restored with: the database still has them placed.
	moved map[iog.ClusterID]bool

	mu   sync.Mutex
	pins map[iog.JobID][]iog.DeviceID
}

func newPlacer(s *Server) *placer {
	p := &placer{s: s, nodes: map[iog.DeviceID]bool{}, jobs: map[iog.ClusterID]string{}, moved: map[iog.ClusterID]bool{}, pins: map[iog.JobID][]iog.DeviceID{}}
	p.f = scheduler.NewFramework(scheduler.Config{
		Clock:  s.cfg.Clock,
		Logger: s.log,
		// No preemption: a paid cluster is never evicted for another.
		Profile: scheduler.Profile{Filter: []scheduler.FilterPlugin{p}, Score: []scheduler.WeightedScore{{Plugin: s.cfg.Policy}}, Bind: []scheduler.BindPlugin{p}},
	})
	return p
}

// Name names the placer's plugins.
func (p *placer) Name() string { return "refserver" }

// Filter keeps a restored cluster on the devices it was placed on.
func (p *placer) Filter(_ *scheduler.CycleState, job *scheduler.Job, n *scheduler.NodeInfo) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	pin, ok := p.pins[job.ID]
	return !ok || slices.Contains(pin, n.ID())
}

// FilterReason says why Filter refused a node.
func (p *placer) FilterReason(*scheduler.CycleState, *scheduler.Job, *scheduler.NodeInfo) string {
	return "are not the devices it was placed on"
}

// Bind writes a placement: the cluster placed on its devices, its paid
// time running from its first placement, and the rental the relay
// authorizes.
func (p *placer) Bind(ctx context.Context, job *scheduler.Job, pl scheduler.Placement) error {
	now := p.s.cfg.Clock.Now().UTC()
	id := iog.ClusterID(job.ID)
	err := p.s.store.Tx(ctx, func(tx *store.Tx) error {
		cl, err := tx.Cluster(id)
		if err != nil {
			return err
		}
		if cl.Status == statusEnded {
			return fmt.Errorf("cluster %s ended: %w", id, iog.ErrConflict)
		}
		before, err := tx.ClusterDevices(id)
		if err != nil {
			return err
		}
		var devices []store.ClusterDevice
		for _, a := range pl.Assignments {
			d := store.ClusterDevice{Cluster: id, Device: a.Device, GPUs: a.GPUs, Share: int(a.Share)}
			if i := slices.IndexFunc(before, func(b store.ClusterDevice) bool { return b.Device == a.Device }); i >= 0 {
				d.Started = before[i].Started
			}
			devices = append(devices, d)
		}
		if err := tx.SetClusterDevices(id, devices); err != nil {
			return err
		}
		booked := make([]iog.DeviceID, len(devices))
		for i, d := range devices {
			booked[i] = d.Device
		}
		if err := tx.BookDevices(id, booked, now); err != nil {
			return err
		}
		if cl.Placed.IsZero() {
			cl.Placed, cl.Expires = now, now.Add(time.Duration(cl.Hours)*time.Hour)
		}
		cl.Status, cl.Reason, cl.Updated = statusPlaced, "", now
		if !slices.ContainsFunc(devices, func(d store.ClusterDevice) bool { return d.Started.IsZero() }) {
			cl.Status = statusRunning
		}
		if err := tx.UpdateCluster(cl); err != nil {
			return err
		}
		return p.s.putRental(tx, cl)
	})
	if err == nil {
		p.jobs[id] = ""
		delete(p.moved, id)
	}
	return err
}

// step is one round of the scheduling loop: the pool follows the
// devices, the queue the live clusters; a cycle places what fits; the
// clusters that wait say why, and those never placed by their deadline
// end.
func (p *placer) step(ctx context.Context) error {
	now := p.s.cfg.Clock.Now().UTC()
	var live []store.Cluster
	placed := map[iog.ClusterID][]iog.DeviceID{}
	nodes, err := p.readNodes(ctx)
	if err != nil {
		return err
	}
	err = p.s.store.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if live, err = tx.Clusters(store.ClusterFilter{Statuses: liveStatuses}); err != nil {
			return err
		}
		for _, cl := range live {
			if _, held := p.jobs[cl.ID]; held || cl.Status == statusPending {
				continue
			}
			devices, err := tx.ClusterDevices(cl.ID)
			if err != nil {
				return err
			}
			for _, d := range devices {
				placed[cl.ID] = append(placed[cl.ID], d.Device)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := p.syncNodes(ctx, nodes); err != nil {
		return err
	}
	p.synced = true
	for _, n := range nodes {
		p.seen = max(p.seen, n.Changed)
	}
	if err := p.syncJobs(ctx, live, placed, now); err != nil {
		return err
	}
	if _, err := p.f.Schedule(ctx); err != nil {
		return err
	}
	p.mu.Lock()
	pinned := slices.Collect(maps.Keys(p.pins))
	clear(p.pins)
	p.mu.Unlock()
	for _, job := range pinned {
		if _, ok := p.f.Placement(job); !ok {
			p.moved[iog.ClusterID(job)] = true
		}
	}
	return p.noteWaiting(ctx)
}

// readNodes reads the devices the pool must follow: every one at the
// first round, then those changed since the last change it followed.
func (p *placer) readNodes(ctx context.Context) ([]store.NodeRow, error) {
	if !p.synced {
		return p.s.store.Nodes(ctx)
	}
	return p.s.store.NodesChangedAfter(ctx, p.seen)
}

// syncNodes puts the devices active with GPUs in the pool, up or down as
// they are, and takes the others out; the clusters that leave a device
// are re-placed or wait again.
func (p *placer) syncNodes(ctx context.Context, nodes []store.NodeRow) error {
	for _, n := range nodes {
		want := n.State == "active" && n.GPUCount > 0
		up, known := p.nodes[n.ID]
		var left []iog.JobID
		var err error
		switch {
		case !want && known:
			left, err = p.f.RemoveNode(ctx, n.ID)
			delete(p.nodes, n.ID)
		case want && !known:
			spec := scheduler.Node{ID: n.ID, GPUModel: n.Model, GPUs: n.GPUCount, Bandwidth: n.Bandwidth.Tier(), Location: n.Location}
			if err = p.f.AddNode(spec); err == nil && !n.Up {
				_, err = p.f.SetNodeUp(ctx, n.ID, false)
			}
			p.nodes[n.ID] = n.Up
		case want && up != n.Up:
			left, err = p.f.SetNodeUp(ctx, n.ID, n.Up)
			p.nodes[n.ID] = n.Up
		}
		if err != nil {
			return fmt.Errorf("scheduler: device %s: %w", n.ID, err)
		}
		for _, j := range left {
			p.moved[iog.ClusterID(j)] = true
		}
	}
	return nil
}

// syncJobs submits the live clusters the framework does not hold (a
// placed one pinned to its devices) and cancels those that ended; a
// cluster never placed by its deadline ends, refunded.
func (p *placer) syncJobs(ctx context.Context, live []store.Cluster, placed map[iog.ClusterID][]iog.DeviceID, now time.Time) error {
	alive := map[iog.ClusterID]bool{}
	for _, cl := range live {
		if cl.Placed.IsZero() && !now.Before(cl.Deadline) {
			if err := p.expireUnplaced(ctx, cl.ID, now); err != nil {
				return err
			}
			continue
		}
		alive[cl.ID] = true
		if _, held := p.jobs[cl.ID]; held {
			continue
		}
		r, err := requestOf(cl)
		if err != nil {
			return err
		}
		job := scheduler.Job{ID: iog.JobID(cl.ID), Requirements: r.JobRequirements(), Gang: r.GPUCount > 1, User: cl.Renter.String(), Submitted: cl.Created}
		if pin, ok := placed[cl.ID]; ok {
			p.mu.Lock()
			p.pins[job.ID] = pin
			p.mu.Unlock()
		}
		if err := p.f.Submit(job); err != nil {
			// A request the scheduler refuses can never be placed: it
			// waits for its deadline, and says why.
			p.s.log.Warn("scheduler refused a cluster", "cluster", cl.ID, "err", err)
			if err := p.note(ctx, cl.ID, "the scheduler cannot place it: "+err.Error()); err != nil {
				return err
			}
			continue
		}
		p.jobs[cl.ID] = cl.Reason
	}
	for id := range p.jobs {
		if !alive[id] {
			if err := p.f.Cancel(iog.JobID(id)); err != nil && !errors.Is(err, iog.ErrNotFound) {
				return err
			}
			delete(p.jobs, id)
			delete(p.moved, id)
		}
	}
	return nil
}

// expireUnplaced ends a cluster never placed by its deadline, its whole
// hold back to its renter.
func (p *placer) expireUnplaced(ctx context.Context, id iog.ClusterID, now time.Time) error {
	err := p.s.store.Tx(ctx, func(tx *store.Tx) error {
		cl, err := tx.Cluster(id)
		if err != nil || cl.Status == statusEnded || !cl.Placed.IsZero() {
			return err
		}
		reason := fmt.Sprintf("not placed within %v: %s", p.s.cfg.PlacementDeadline, cl.Reason)
		return p.s.endCluster(tx, &cl, 0, reason, now)
	})
	if err != nil {
		return err
	}
	if _, held := p.jobs[id]; held {
		if err := p.f.Cancel(iog.JobID(id)); err != nil && !errors.Is(err, iog.ErrNotFound) {
			return err
		}
		delete(p.jobs, id)
	}
	return nil
}

// noteWaiting writes why each waiting cluster waits, when that changed,
// and takes the clusters that left their devices off them.
func (p *placer) noteWaiting(ctx context.Context) error {
	for id, written := range p.jobs {
		st, ok := p.f.Status(iog.JobID(id))
		if !ok || st.Phase != scheduler.Waiting {
			continue
		}
		reason := st.Reason
		if reason == "" {
			reason = reasonUnscheduled
		}
		if reason == written && !p.moved[id] {
			continue
		}
		if err := p.note(ctx, id, reason); err != nil {
			return err
		}
	}
	return nil
}

// note records that a live cluster waits and why: one that was placed is
// pending again, off its devices and out of the relay, until it is placed
// anew.
func (p *placer) note(ctx context.Context, id iog.ClusterID, reason string) error {
	now := p.s.cfg.Clock.Now().UTC()
	err := p.s.store.Tx(ctx, func(tx *store.Tx) error {
		cl, err := tx.Cluster(id)
		if err != nil || cl.Status == statusEnded {
			return err
		}
		if cl.Status != statusPending {
			if err := tx.SetClusterDevices(id, nil); err != nil {
				return err
			}
			if err := tx.DeleteRental(id); err != nil {
				return err
			}
		}
		cl.Status, cl.Reason, cl.Updated = statusPending, reason, now
		return tx.UpdateCluster(cl)
	})
	if err == nil {
		p.jobs[id] = reason
		delete(p.moved, id)
	}
	return err
}

// settleRentals pays out the hours of placed clusters that have ended,
// and ends the clusters whose paid time is over, each cluster in a
// transaction of its own.
func (s *Server) settleRentals(ctx context.Context) error {
	now := s.cfg.Clock.Now().UTC()
	var live []store.Cluster
	err := s.store.Tx(ctx, func(tx *store.Tx) error {
		var err error
		live, err = tx.Clusters(store.ClusterFilter{Statuses: liveStatuses})
		return err
	})
	if err != nil {
		return err
	}
	for _, c := range live {
		if c.Placed.IsZero() || hoursDone(c, now) <= c.Settled && now.Before(c.Expires) {
			continue
		}
		err := s.store.Tx(ctx, func(tx *store.Tx) error {
			cl, err := tx.Cluster(c.ID)
			if err != nil || cl.Status == statusEnded {
				return err
			}
			if !now.Before(cl.Expires) {
				return s.endCluster(tx, &cl, cl.Hours, "its paid time ended", now)
			}
			if err := s.settleThrough(tx, &cl, hoursDone(cl, now)); err != nil {
				return err
			}
			cl.Updated = now
			return tx.UpdateCluster(cl)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// rentalRecords returns the rentals the relay's authorizer is restored
// from: each placed cluster's renter, devices and paid time.
func (s *Server) rentalRecords(ctx context.Context) ([]tunnel.Rental, error) {
	var rows []store.Rental
	err := s.store.Tx(ctx, func(tx *store.Tx) error {
		var err error
		rows, err = tx.Rentals()
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]tunnel.Rental, 0, len(rows))
	for _, r := range rows {
		out = append(out, tunnel.Rental{Cluster: r.Cluster, Renter: r.Renter, Devices: r.Devices, Expires: r.Expires})
	}
	return out, nil
}
