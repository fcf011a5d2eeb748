package refserver

import (
	"context"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/refserver/store"
)

func (s *Server) deviceLoops() []loop {
	return []loop{{name: "heartbeat timeouts", every: s.cfg.HeartbeatTimeout / 4, step: s.markSilentDevices}}
}

// silentBatch is how many silent devices one transaction of the
// heartbeat timeout marks down: a fleet silent at once (a restart after
// an outage) is marked a part at a time, and the requests' batches take
// the database between the parts.
const silentBatch = 500

// markSilentDevices marks down every device whose heartbeats stopped for
// longer than the heartbeat timeout: down from its last heartbeat plus the
// timeout, so that a restart of the server counts no silence as up time.
// Each part is a transaction of its own; a part marks its devices down
// whatever the others did, so a round cut short is finished by the next.
func (s *Server) markSilentDevices(ctx context.Context) error {
	now := s.cfg.Clock.Now().UTC()
	for after := iog.DeviceID(""); ; {
		var silent []store.Device
		err := s.store.Tx(ctx, func(tx *store.Tx) error {
			var err error
			if silent, err = tx.SilentDevices(now.Add(-s.cfg.HeartbeatTimeout), after, silentBatch); err != nil {
				return err
			}
			end, err := tx.LastEpochEnd()
			if err != nil {
				return err
			}
			for _, d := range silent {
				if d.Health, err = s.rollWindow(d.Health, end); err != nil {
					return err
				}
				if d.Health, err = s.noteSilence(d.Health, now); err != nil {
					return err
				}
				d.Updated = now
				if err := tx.UpdateDeviceHealth(d); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || len(silent) < silentBatch {
			return err
		}
		after = silent[len(silent)-1].ID
	}
}

// noteSilence marks a device whose heartbeats stopped for longer than the
// timeout before now down, from its last heartbeat plus the timeout (the
// silence is not up time), and leaves any other health as it is.
func (s *Server) noteSilence(h iog.Health, now time.Time) (iog.Health, error) {
	if !h.Overdue(now, s.cfg.HeartbeatTimeout) {
		return h, nil
	}
	return h.Miss(h.LastSeen.Add(s.cfg.HeartbeatTimeout))
}

// healthTime is when an event at now enters a device's health: now, or
// the time of the last event folded when that is later. Requests are
// stamped as they arrive, and one stamped a little later may reach the
// device's row first; a health record takes its events in order.
func healthTime(h iog.Health, now time.Time) time.Time {
	if h.Updated.After(now) {
		return h.Updated
	}
	return now
}
