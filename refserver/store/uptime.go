package store

import (
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
)

// upState is what the up stretches need of a device's health: whether it
// is up, since when, and its last heartbeat.
type upState struct {
	up          bool
	since, seen int64
}

func upStateOf(h iog.Health) upState {
	s := upState{up: h.Up, seen: unix(h.LastSeen)}
	if h.Up {
		s.since = unix(h.UpSince)
	}
	return s
}

// noteUp records a device's up stretches (device_uptime) as its health
// becomes h from was, its health as read in this transaction (nil when
// not known). A health that stays up in the same stretch, or down,
// writes nothing: a heartbeat's health does not. A stretch ends at the
// last heartbeat of it; where the health before is not known, one still
// open ends at h's last heartbeat when h is down, or where h's stretch
// starts (at most).
func (t *Tx) noteUp(id iog.DeviceID, was *upState, h iog.Health) error {
	now := upStateOf(h)
	if was != nil && was.up == now.up && was.since == now.since {
		return nil
	}
	var err error
	switch {
	case was != nil && was.up:
		err = t.exec("UPDATE device_uptime SET ended = $2 WHERE device = $1 AND ended = 0", string(id), was.seen)
	case was == nil && !now.up:
		err = t.exec("UPDATE device_uptime SET ended = $2 WHERE device = $1 AND ended = 0", string(id), now.seen)
	case was == nil:
		err = t.exec("UPDATE device_uptime SET ended = CASE WHEN started < $2 THEN $2 ELSE started END WHERE device = $1 AND ended = 0 AND started <> $2", string(id), now.since)
	}
	if err == nil && now.up {
		err = t.exec("INSERT INTO device_uptime (device, started, ended) VALUES ($1, $2, 0) ON CONFLICT (device, started) DO NOTHING", string(id), now.since)
	}
	if err != nil {
		return fmt.Errorf("record the up stretches of device %s: %w", id, err)
	}
	return nil
}

// UpTime returns how long a device was up in the window from from to
// now, by its recorded stretches: each from its first heartbeat to its
// last, one still open up to now.
func (t *Tx) UpTime(id iog.DeviceID, from, now time.Time) (time.Duration, error) {
	var up int64
	err := t.tx.QueryRowContext(t.ctx, `SELECT CAST(COALESCE(SUM(
			(CASE WHEN ended = 0 OR ended > $3 THEN $3 ELSE ended END) - (CASE WHEN started < $2 THEN $2 ELSE started END)), 0) AS BIGINT)
		FROM device_uptime WHERE device = $1 AND (ended = 0 OR ended > $2) AND started < $3`, string(id), unix(from), unix(now)).Scan(&up)
	if err != nil {
		return 0, fmt.Errorf("uptime of device %s: %w", id, err)
	}
	return time.Duration(max(up, 0)), nil
}

// PruneUptime forgets at most limit of the stretches that ended before
// before, and returns how many.
func (t *Tx) PruneUptime(before time.Time, limit int) (int64, error) {
	res, err := t.tx.ExecContext(t.ctx, "DELETE FROM device_uptime WHERE (device, started) IN (SELECT device, started FROM device_uptime WHERE ended <> 0 AND ended < $1 LIMIT $2)", unix(before), limit)
	if err != nil {
		return 0, fmt.Errorf("prune up stretches: %w", err)
	}
	return res.RowsAffected()
}
