package store

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// DeviceBeat is what a heartbeat reads of a device's row: its owner,
// state, model and health, and the copies of what its verifier record
// says of its proofs (copyColumns), without the record.
type DeviceBeat struct {
	ID    iog.DeviceID
	Owner iog.WalletAddress
	State string
	// Model is its first GPU's catalog model (Device.Model), which sets
	// the idle-use cap of its GPUs.
	Model  string
	Health iog.Health
	// OpenTasks is how many proof tasks its record holds open; -1 when
	// the row does not say (Tx.Device reads them).
	OpenTasks int
	// Sampled is when its last telemetry sample was taken (AddTelemetry);
	// zero for never.
	Sampled time.Time
	// oldest is its oldest_proof column; up its up column, as its health
	// copy says it.
	oldest int64
	up     int
	// tx read it.
	tx *Tx
}

// ProofDue reports whether one of the device's GPUs was never proven or
// was last proven interval or longer before now.
func (b DeviceBeat) ProofDue(now time.Time, interval time.Duration) bool {
	return b.oldest == math.MinInt64 || (b.oldest != math.MaxInt64 && b.oldest <= unix(now.Add(-interval)))
}

// Device returns the device as UpdateDeviceHealth writes it: its ID and
// health, and its updated time at now. It is for UpdateDeviceHealth in
// the transaction that read it alone: UpdateDevice would write every
// column of it.
func (b DeviceBeat) Device(now time.Time) Device {
	return Device{ID: b.ID, Owner: b.Owner, State: b.State, Health: b.Health, Updated: now,
		stored: &storedDevice{tx: b.tx, up: b.up, healthOnly: true, stretch: upStateOf(b.Health)}}
}

// DeviceBeat returns what a heartbeat reads of a device, locked for the
// transaction. An unknown one is iog.ErrNotFound.
func (t *Tx) DeviceBeat(id iog.DeviceID) (DeviceBeat, error) {
	b := DeviceBeat{ID: id, tx: t}
	var owner string
	var health []byte
	var open, sampled int64
	err := t.tx.QueryRowContext(t.ctx, "SELECT owner, state, model, health, health_up, open_tasks, oldest_proof, telemetry_at FROM "+deviceTables+" WHERE id = $1"+t.forUpdate(), string(id)).
		Scan(&owner, &b.State, &b.Model, &health, &b.up, &open, &b.oldest, &sampled)
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
	b.OpenTasks, b.Sampled = int(open), timeOrZero(sampled)
	return b, nil
}

// DeviceHired reports whether a device is placed in a cluster now: the
// idle-use caps do not apply to it. A heartbeat asks only when its use
// is above them.
func (t *Tx) DeviceHired(id iog.DeviceID) (bool, error) {
	var n int
	if err := t.tx.QueryRowContext(t.ctx, "SELECT COUNT(*) FROM cluster_devices WHERE device = $1", string(id)).Scan(&n); err != nil {
		return false, fmt.Errorf("clusters of device %s: %w", id, err)
	}
	return n > 0, nil
}

// BlockDevice puts a device read by a heartbeat (Tx.DeviceBeat) in state
// blocked, for reason since at, without reading or rewriting the rest of
// its row; the scheduler sees the change. The caller writes its health
// after, with UpdateDeviceHealth.
func (t *Tx) BlockDevice(id iog.DeviceID, reason string, at time.Time) error {
	if err := t.exec("UPDATE devices SET state = $2, blocked_reason = $3, blocked_at = $4, node_changed = "+nextNodeChange+" WHERE id = $1", string(id), string(api.DeviceBlocked), reason, unix(at)); err != nil {
		return fmt.Errorf("block device %s: %w", id, err)
	}
	return nil
}
