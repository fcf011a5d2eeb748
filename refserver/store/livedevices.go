package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/internal/parallel"
)

// LiveDevice is a device as an epoch reads it: what it nominates a
// device by and judges it on, and no more. It is not a Device, and is
// never written back as one; SaveHealth writes its health alone.
type LiveDevice struct {
	ID    iog.DeviceID
	Owner iog.WalletAddress
	// State is its place in the lifecycle (api.DeviceState's names).
	State string
	// Model and GPUCount summarize its last accepted report, and
	// Bandwidth is its connectivity as registered.
	Model     string
	GPUCount  int
	Bandwidth iog.Bandwidth
	// Copied says that the copies kept beside the device's verifier
	// record (copyColumns) hold at the time LiveDevices read for: its
	// trust score then is Trust, and the oldest last proof of its GPUs
	// ProvenSince (Proven false: one never passed, or the report lists
	// none), as gpu.Verifier.StandingAt takes them.
	Copied      bool
	Trust       gpu.TrustScore
	ProvenSince time.Time
	Proven      bool
	// Verifier is, when the copies do not hold (Copied false), the part
	// of its verifier record that judges it (gpu.StandingRecord): its
	// GPUs by UUID, its known GPUs and its trust history; empty
	// otherwise (Tx.StandingRecords reads it).
	Verifier gpu.DeviceRecord
	Health   iog.Health
}

// liveDeviceColumns are LiveDevice's columns, the verifier record only
// where the copies beside it do not hold at the time $1.
const liveDeviceColumns = "id, owner, state, model, gpu_count, down_bps, up_bps, health, trust, trust_from, trust_until, proven_since, " +
	"CASE WHEN proven_since IS NOT NULL AND trust_from <= $1 AND $1 < trust_until THEN NULL ELSE (SELECT verifier FROM device_verifiers WHERE device_verifiers.device = devices.id) END"

// LiveDevices returns every device not removed, by ID, locked, as of
// now: the devices an epoch nominates (the active ones) and judges.
//
// An epoch reads every device, and decoding their records was most of
// its cost: a device is judged from the copies beside its record when
// they hold at now, which they do but for a record not written since its
// trust score changed, and otherwise from the part of the record that
// judges it. The rows are read in order and decoded on every core.
func (t *Tx) LiveDevices(now time.Time) ([]LiveDevice, error) {
	rows, err := t.tx.QueryContext(t.ctx, "SELECT "+liveDeviceColumns+" FROM "+deviceTables+" WHERE state <> 'removed' ORDER BY id"+t.forUpdate(), unix(now))
	if err != nil {
		return nil, fmt.Errorf("list devices: %w", err)
	}
	defer rows.Close()
	// raw[i] is row i's columns as read, its records not yet decoded.
	type rawLive struct {
		id, owner, state, model string
		gpuCount                int
		down, up                int64
		health, verifier        []byte
		trust, from, until      int64
		proven                  sql.NullInt64
	}
	var raw []rawLive
	for rows.Next() {
		var r rawLive
		if err := rows.Scan(&r.id, &r.owner, &r.state, &r.model, &r.gpuCount, &r.down, &r.up, &r.health, &r.trust, &r.from, &r.until, &r.proven, &r.verifier); err != nil {
			return nil, fmt.Errorf("list devices: %w", err)
		}
		raw = append(raw, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list devices: %w", err)
	}
	out := make([]LiveDevice, len(raw))
	err = parallel.Do(len(raw), func(i int) error {
		r, d := raw[i], &out[i]
		d.ID, d.State, d.Model, d.GPUCount = iog.DeviceID(r.id), r.state, r.model, r.gpuCount
		d.Bandwidth = iog.Bandwidth{DownBytesPerSec: uint64(r.down), UpBytesPerSec: uint64(r.up)}
		var err error
		if d.Owner, err = iog.ParseWalletAddress(r.owner); err == nil {
			err = json.Unmarshal(r.health, &d.Health)
		}
		switch {
		case err != nil:
		case r.verifier != nil:
			d.Verifier, err = gpu.StandingRecord(r.verifier)
		case r.trust < 0 || r.trust > 1000:
			err = fmt.Errorf("trust %d", r.trust)
		default:
			d.Copied, d.Trust = true, gpu.TrustScore(r.trust)
			d.ProvenSince, d.Proven = provenSince(r.proven.Int64)
		}
		if err != nil {
			return fmt.Errorf("device %s: stored row is corrupt (%v): %w", r.id, err, iog.ErrInvalid)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// StandingRecords returns the part of the verifier record that judges
// each device of ids (gpu.StandingRecord), by ID: for the few devices an
// epoch says more of than the copies tell (why one is not eligible). An
// ID not registered is missing from the map.
func (t *Tx) StandingRecords(ids []iog.DeviceID) (map[iog.DeviceID]gpu.DeviceRecord, error) {
	out := make(map[iog.DeviceID]gpu.DeviceRecord, len(ids))
	for _, id := range ids {
		var data []byte
		err := t.tx.QueryRowContext(t.ctx, "SELECT verifier FROM device_verifiers WHERE device = $1", string(id)).Scan(&data)
		if noRows(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read device %s: %w", id, err)
		}
		r, err := gpu.StandingRecord(data)
		if err != nil {
			return nil, fmt.Errorf("device %s: stored row is corrupt (%v): %w", id, err, iog.ErrInvalid)
		}
		out[id] = r
	}
	return out, nil
}

// SaveHealth writes back the health records of devices, and the copies
// of them the queries use (the devices' up column where it changed), and
// nothing else of them, with two prepared statements.
func (t *Tx) SaveHealth(devices []LiveDevice) error {
	if len(devices) == 0 {
		return nil
	}
	stmt, err := t.tx.PrepareContext(t.ctx, "UPDATE device_health SET health = $2, health_up = $3, last_seen = $4 WHERE device = $1")
	if err != nil {
		return fmt.Errorf("save health: %w", err)
	}
	defer stmt.Close()
	upStmt, err := t.tx.PrepareContext(t.ctx, setUp)
	if err != nil {
		return fmt.Errorf("save health: %w", err)
	}
	defer upStmt.Close()
	for _, d := range devices {
		health, err := json.Marshal(d.Health)
		if err != nil {
			return fmt.Errorf("encode the health of %s: %w", d.ID, err)
		}
		up, seen := upColumns(d.Health)
		if _, err := stmt.ExecContext(t.ctx, string(d.ID), health, up, seen); err == nil {
			_, err = upStmt.ExecContext(t.ctx, string(d.ID), up)
		}
		if err == nil {
			err = t.noteUp(d.ID, nil, d.Health)
		}
		if err != nil {
			return fmt.Errorf("save the health of %s: %w", d.ID, err)
		}
	}
	return nil
}
