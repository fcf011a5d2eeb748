package iogsdk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
)

// RentalSource is where a worker learns its device's rentals and says
// that their workloads run: the server's rentals routes, or a fake in a
// test. Implementations must be safe for concurrent use.
type RentalSource interface {
	// Rentals returns the rentals the device serves now, each with the
	// workload the renter gave.
	Rentals(ctx context.Context, device iog.DeviceID) ([]Workload, error)
	// Started tells the server that a rental's workload runs on the
	// device; telling it twice is no error.
	Started(ctx context.Context, device iog.DeviceID, cluster iog.ClusterID) error
}

// clientRentals is the server's rentals routes as a RentalSource.
type clientRentals struct{ c *Client }

// Rentals implements RentalSource.
func (r clientRentals) Rentals(ctx context.Context, device iog.DeviceID) ([]Workload, error) {
	list, err := r.c.DeviceRentals(ctx, device)
	if err != nil {
		return nil, err
	}
	out := make([]Workload, 0, len(list.Rentals))
	for _, rt := range list.Rentals {
		wl := Workload{Cluster: rt.Cluster, Image: rt.Workload.Image, Entrypoint: rt.Workload.Entrypoint,
			Env: make(map[string]string, len(rt.Workload.Env)), Ports: rt.Workload.Ports, GPUs: rt.GPUs, Expires: rt.Expires}
		for _, v := range rt.Workload.Env {
			wl.Env[v.Name] = v.Value
		}
		out = append(out, wl)
	}
	return out, nil
}

// Started implements RentalSource.
func (r clientRentals) Started(ctx context.Context, device iog.DeviceID, cluster iog.ClusterID) error {
	_, err := r.c.RentalStarted(ctx, device, cluster)
	return err
}

// maxExposedPorts is the most ports a tunnel agent exposes: its hello to
// the relay lists at most 64.
const maxExposedPorts = 64

// runRentals keeps the workloads of the device's rentals running, every
// RentalPoll: it starts those not running (again, after a workload ended
// by itself), tells the server once each runs, and stops those whose
// rental ended or expired.
func (w *Worker) runRentals(ctx context.Context) error {
	return w.every(ctx, "rentals", w.cfg.RentalPoll, w.syncRentals)
}

func (w *Worker) syncRentals(ctx context.Context) error {
	device := w.Device()
	rentals, err := w.cfg.Rentals.Rentals(ctx, device)
	if err != nil {
		return err
	}
	now := w.cfg.Clock.Now()
	wanted := make(map[iog.ClusterID]Workload, len(rentals))
	for _, wl := range rentals {
		if wl.Expires.After(now) {
			wanted[wl.Cluster] = wl
		}
	}
	var errs []error
	w.mu.Lock()
	running := make(map[iog.ClusterID]Workload, len(w.workloads))
	for c, wl := range w.workloads {
		running[c] = wl
	}
	w.mu.Unlock()
	for c := range running {
		if _, ok := wanted[c]; !ok {
			errs = append(errs, w.stopWorkload(ctx, c))
		}
	}
	for c, wl := range wanted {
		if !w.cfg.Runtime.Running(c) {
			errs = append(errs, w.startWorkload(ctx, wl))
			continue
		}
		w.mu.Lock()
		told := w.started[c]
		w.mu.Unlock()
		if !told {
			errs = append(errs, w.tellStarted(ctx, device, c))
		}
	}
	return errors.Join(errs...)
}

// startWorkload starts a rental's workload, exposes its ports and tells
// the server.
func (w *Worker) startWorkload(ctx context.Context, wl Workload) error {
	w.mu.Lock()
	_, restart := w.workloads[wl.Cluster]
	w.mu.Unlock()
	if restart {
		w.log.Warn("a rental's workload ended by itself; starting it again", "cluster", wl.Cluster)
		if err := w.cfg.Runtime.Stop(ctx, wl.Cluster); err != nil {
			return err
		}
	}
	if n := len(w.exposedPorts()) + len(wl.Ports); n > maxExposedPorts {
		return fmt.Errorf("rental %s: the tunnel would expose %d ports, at most %d: %w", wl.Cluster, n, maxExposedPorts, iog.ErrInvalid)
	}
	if err := w.cfg.Runtime.Start(ctx, wl); err != nil {
		return fmt.Errorf("rental %s: %w", wl.Cluster, err)
	}
	w.mu.Lock()
	w.workloads[wl.Cluster] = wl
	w.started[wl.Cluster] = false
	w.mu.Unlock()
	w.exposeAnew()
	return w.tellStarted(ctx, w.Device(), wl.Cluster)
}

func (w *Worker) tellStarted(ctx context.Context, device iog.DeviceID, cluster iog.ClusterID) error {
	if err := w.cfg.Rentals.Started(ctx, device, cluster); err != nil {
		return fmt.Errorf("rental %s started: %w", cluster, err)
	}
	w.mu.Lock()
	w.started[cluster] = true
	w.mu.Unlock()
	return nil
}

// stopWorkload stops a rental's workload and stops exposing its ports.
func (w *Worker) stopWorkload(ctx context.Context, cluster iog.ClusterID) error {
	if err := w.cfg.Runtime.Stop(ctx, cluster); err != nil {
		return fmt.Errorf("rental %s: %w", cluster, err)
	}
	w.mu.Lock()
	delete(w.workloads, cluster)
	delete(w.started, cluster)
	w.mu.Unlock()
	w.exposeAnew()
	w.log.Info("rental ended", "cluster", cluster)
	return nil
}

// stopTimeout bounds how long a worker that is stopping waits for its
// workloads to end.
const stopTimeout = 30 * time.Second

// stopWorkloads stops every workload the worker started: a worker that
// stops leaves nothing running.
func (w *Worker) stopWorkloads() {
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	w.mu.Lock()
	clusters := make([]iog.ClusterID, 0, len(w.workloads))
	for c := range w.workloads {
		clusters = append(clusters, c)
	}
	w.mu.Unlock()
	for _, c := range clusters {
		if err := w.stopWorkload(ctx, c); err != nil {
			w.log.Warn("a workload did not stop", "cluster", c, "err", err)
		}
	}
}
