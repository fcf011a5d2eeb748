package refserver

import (
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/refserver/store"
)

// A device's health window is a reward epoch: an epoch reads the up time
// of the window that ends with it, and the next window starts where it
// ended. An epoch over a large fleet does not rewrite every device's
// health to start its next window: it writes only the health records it
// changes otherwise (the devices it marks missed), and a stored record
// whose window began before the end of the last settled epoch is read as
// that epoch's settlement leaves it (rollWindow): by the next epoch, and
// before any event is folded into it (currentHealth), so that the record
// written back holds the new window. What rollWindow gives is a function
// of the stored record, the epoch's end and the configuration alone, so
// a server restarted, or another one on the same database, reads the
// same health.

// rollWindow returns h as the settlement of an epoch that ended at end
// leaves it: marked missed if its heartbeats had stopped for longer than
// the timeout at end, and its window started again at end, or at its last
// event when that came later (an epoch settled late: a window cannot
// start before what it follows). A window that began at or after end is
// left as it is: its record was written after the epoch ended, by its
// settlement or by the device's registration; so is any record at the
// zero end.
func (s *Server) rollWindow(h iog.Health, end time.Time) (iog.Health, error) {
	if !h.WindowStart.Before(end) {
		return h, nil
	}
	closing, err := s.noteSilence(h, end)
	if err != nil {
		closing = h
	}
	at := end
	if at.Before(closing.Updated) {
		at = closing.Updated
	}
	return closing.StartWindow(at)
}

// currentHealth returns h as tx's last settled epoch leaves it
// (rollWindow): the record an event is folded into. Read it once the
// device's row is locked, so that an epoch settled in between is seen.
func (s *Server) currentHealth(tx *store.Tx, h iog.Health) (iog.Health, error) {
	end, err := tx.LastEpochEnd()
	if err != nil {
		return h, err
	}
	return s.rollWindow(h, end)
}
