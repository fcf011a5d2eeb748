package refserver

import (
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
)

// readinessOf is a device's readiness at now (iog.EvaluateReadiness by
// Config.Readiness), from what its public view already reads, so that a
// read of a device or a page of them costs no query more: its
// registration, whether its report was accepted (its state active), the
// row's copy of whether its GPUs have all passed a proof, its heartbeat,
// its GPUs, whether a cluster is placed on it, whether a rule blocked it
// (its blocked reason) and whether its owner removed it.
func (s *Server) readinessOf(d store.DeviceView, now time.Time) api.Readiness {
	r := iog.EvaluateReadiness(iog.ReadinessInput{
		Registered: d.Registered,
		Attested:   d.State == string(api.DeviceActive),
		Proven:     d.Proven,
		Up:         d.Up,
		LastSeen:   d.LastSeen,
		Hired:      d.Hired,
		Blocked:    d.BlockedReason,
		Removed:    d.State == string(api.DeviceRemoved),
		GPUs:       d.GPUCount,
	}, now, s.cfg.Readiness)
	return api.Readiness{State: r.State, Schedulable: r.Schedulable, Reasons: r.Reasons}
}

// writtenDevice is the public view of a device a request has just written:
// its row's view (Device.View), with whether a cluster is placed on it,
// which the row does not say (the clusters' placements do).
func (s *Server) writtenDevice(c *call, d store.Device) (api.Device, error) {
	v := d.View(c.now)
	hired, err := c.tx.DeviceHired(d.ID)
	if err != nil {
		return api.Device{}, err
	}
	v.Hired = hired
	return s.publicDevice(v, c.now), nil
}
