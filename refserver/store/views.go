package store

import (
	"database/sql"
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// DeviceView is what a device's public view shows of its row: no records,
// no key, and its trust score at the time it was read for.
type DeviceView struct {
	ID         iog.DeviceID
	Owner      iog.WalletAddress
	Name       string
	State      string
	Location   iog.Location
	Bandwidth  iog.Bandwidth
	Registered time.Time
	Model      string
	GPUCount   int
	// Up and LastSeen are its health's.
	Up       bool
	LastSeen time.Time
	// Trust is its verifier record's trust score at the time read for.
	Trust gpu.TrustScore
	// BlockedReason and BlockedAt are a blocked device's rule broken and
	// when (Device.BlockedReason).
	BlockedReason string
	BlockedAt     time.Time
	// Hired says a cluster is placed on it (its rows in cluster_devices).
	// A view made from a Device (Device.View) does not know, and says
	// false.
	Hired bool
	// Proven says every GPU of its last accepted report has passed a
	// proof of compute (its verifier record's gpu.DeviceRecord.ProvenSince
	// is known), which its readiness reads.
	Proven bool
}

const viewColumns = "id, owner, name, state, location, down_bps, up_bps, registered, model, gpu_count, up, last_seen, trust, trust_from, trust_until, blocked_reason, blocked_at, proven_since, " +
	"CASE WHEN EXISTS (SELECT 1 FROM cluster_devices WHERE cluster_devices.device = devices.id) THEN 1 ELSE 0 END"

// DeviceView returns a device's public view with its trust at now. It
// reads the device's plain columns and the copies of its trust score and
// proofs, and decodes its verifier record only when now is outside the
// interval the trust copy holds at, or the row was written before the
// proofs' copy existed. An unknown device is iog.ErrNotFound. It locks
// nothing.
func (t *Tx) DeviceView(id iog.DeviceID, now time.Time) (DeviceView, error) {
	views, err := t.deviceViews(now, "WHERE id = $1", string(id))
	if err == nil && len(views) == 0 {
		err = fmt.Errorf("device %s is not registered: %w", id, iog.ErrNotFound)
	}
	if err != nil {
		return DeviceView{}, err
	}
	return views[0], nil
}

// DeviceViews lists the public views, with their trust at now, of the
// devices a filter selects, by ID. It locks nothing.
func (t *Tx) DeviceViews(f DeviceFilter, now time.Time) ([]DeviceView, error) {
	clause, args := f.clause()
	return t.deviceViews(now, clause, args...)
}

// scannedView is a view as its row holds it: fresh says the row's copies
// of the trust score and of the proofs hold at the time read for.
type scannedView struct {
	DeviceView
	fresh bool
}

func (t *Tx) deviceViews(now time.Time, clause string, args ...any) ([]DeviceView, error) {
	rows, err := queryAll(t, "devices", "SELECT "+viewColumns+" FROM "+deviceTables+" "+clause, args, func(row scanner) (scannedView, error) {
		return scanView(row, now)
	})
	if err != nil {
		return nil, err
	}
	views := make([]DeviceView, len(rows))
	for i, r := range rows {
		if !r.fresh {
			if r.Trust, r.Proven, err = t.storedCopies(r.ID, now); err != nil {
				return nil, err
			}
		}
		views[i] = r.DeviceView
	}
	return views, nil
}

func scanView(row scanner, now time.Time) (scannedView, error) {
	var v scannedView
	var id, owner, location string
	var down, up, registered, isUp, lastSeen, trust, from, until, blocked int64
	var proven sql.NullInt64
	var hired int64
	if err := row.Scan(&id, &owner, &v.Name, &v.State, &location, &down, &up, &registered, &v.Model, &v.GPUCount, &isUp, &lastSeen, &trust, &from, &until, &v.BlockedReason, &blocked, &proven, &hired); err != nil {
		return v, fmt.Errorf("read device: %w", err)
	}
	var err error
	v.ID = iog.DeviceID(id)
	if v.Owner, err = iog.ParseWalletAddress(owner); err == nil {
		v.Location, err = iog.ParseLocation(location)
	}
	if err != nil || trust < 0 || trust > 1000 {
		return v, fmt.Errorf("device %s: stored row is corrupt (%v): %w", id, err, iog.ErrInvalid)
	}
	v.Bandwidth = iog.Bandwidth{DownBytesPerSec: uint64(down), UpBytesPerSec: uint64(up)}
	v.Registered = time.Unix(0, registered).UTC()
	v.BlockedAt = blockedTime(blocked)
	v.Up, v.Hired = isUp == 1, hired == 1
	if lastSeen != unix(time.Time{}) {
		v.LastSeen = time.Unix(0, lastSeen).UTC()
	}
	at := unix(now)
	v.Trust, v.fresh = gpu.TrustScore(trust), from <= at && at < until && proven.Valid
	_, v.Proven = provenSince(proven.Int64)
	return v, nil
}

// storedCopies computes a device's trust score at now and whether its
// GPUs are proven (gpu.DeviceRecord.ProvenSince) from its verifier record, for a read the
// row's copies do not answer. It decodes only the part of the record they
// need (gpu.StandingRecord).
func (t *Tx) storedCopies(id iog.DeviceID, now time.Time) (gpu.TrustScore, bool, error) {
	var verifier []byte
	if err := t.tx.QueryRowContext(t.ctx, "SELECT verifier FROM device_verifiers WHERE device = $1", string(id)).Scan(&verifier); err != nil {
		return 0, false, fmt.Errorf("read device %s: %w", id, err)
	}
	r, err := gpu.StandingRecord(verifier)
	if err != nil {
		return 0, false, fmt.Errorf("device %s: stored row is corrupt: %w", id, err)
	}
	score, _ := recordTrust(r, now)
	_, proven := r.ProvenSince()
	return score, proven, nil
}

// recordTrust is a verifier record's trust score at now and the instant
// from which it may differ (gpu.DeviceRecord.Trust). The empty record of
// a device the verifier does not hold (removed) scores 0, for good.
func recordTrust(r gpu.DeviceRecord, now time.Time) (gpu.TrustScore, time.Time) {
	if r.Device == "" {
		return 0, time.Time{}
	}
	return r.Trust(now)
}

// View is the device's public view with its trust at now.
func (d Device) View(now time.Time) DeviceView {
	trust, _ := recordTrust(d.Verifier, now)
	_, proven := d.Verifier.ProvenSince()
	return DeviceView{
		ID: d.ID, Owner: d.Owner, Name: d.Name, State: d.State, Location: d.Location, Bandwidth: d.Bandwidth,
		Registered: d.Registered, Model: d.Model, GPUCount: d.GPUCount, Up: d.Health.Up, LastSeen: d.Health.LastSeen, Trust: trust,
		BlockedReason: d.BlockedReason, BlockedAt: d.BlockedAt,
		Proven: proven,
	}
}
