package store

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/internetofgpus/iog"
)

// DeviceBeat is what a heartbeat reads of a device's row: its owner,
// state and health, and the copies of what its verifier record says of
// its proofs (copyColumns), without the record.
type DeviceBeat struct {
	ID     iog.DeviceID
	Owner  iog.WalletAddress
	State  string
	Health iog.Health
	// OpenTasks is how many proof tasks its record holds open; -1 when
	// the row does not say (Tx.Device reads them).
	OpenTasks int
	// oldest is its oldest_proof column.
	oldest int64
}

// ProofDue reports whether one of the device's GPUs was never proven or
// was last proven interval or longer before now.
func (b DeviceBeat) ProofDue(now time.Time, interval time.Duration) bool {
	return b.oldest == math.MinInt64 || (b.oldest != math.MaxInt64 && b.oldest <= unix(now.Add(-interval)))
}

// Device returns the device as UpdateDeviceHealth writes it: its ID, its
// health and updated time at now.
func (b DeviceBeat) Device(now time.Time) Device {
	return Device{ID: b.ID, Owner: b.Owner, State: b.State, Health: b.Health, Updated: now}
}

// DeviceBeat returns what a heartbeat reads of a device, locked for the
// transaction. An unknown one is iog.ErrNotFound.
func (t *Tx) DeviceBeat(id iog.DeviceID) (DeviceBeat, error) {
	b := DeviceBeat{ID: id}
	var owner string
	var health []byte
	var open int64
	err := t.tx.QueryRowContext(t.ctx, "SELECT owner, state, health, open_tasks, oldest_proof FROM devices WHERE id = $1"+t.forUpdate(), string(id)).
		Scan(&owner, &b.State, &health, &open, &b.oldest)
	if noRows(err) {
		return b, fmt.Errorf("device %s is not registered: %w", id, iog.ErrNotFound)
	}
	if err != nil {
		return b, fmt.Errorf("read device %s: %w", id, err)
	}
	if b.Owner, err = iog.ParseWalletAddress(owner); err == nil {
		err = json.Unmarshal(health, &b.Health)
	}
	if err != nil || open < -1 {
		return b, fmt.Errorf("device %s: stored row is corrupt (%v): %w", id, err, iog.ErrInvalid)
	}
	b.OpenTasks = int(open)
	return b, nil
}
