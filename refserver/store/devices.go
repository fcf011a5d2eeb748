package store

import (
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// Device is a device's row: who owns it, what it is called, where it is
// in its lifecycle, and the records of its domain state.
type Device struct {
	ID    iog.DeviceID
	Owner iog.WalletAddress
	Name  string
	// State is its place in the lifecycle (api.DeviceState's names).
	State string
	// TunnelKey is the key its worker's agent opens the relay tunnel with.
	TunnelKey  ed25519.PublicKey
	Location   iog.Location
	Bandwidth  iog.Bandwidth
	Registered time.Time
	Updated    time.Time
	// Model and GPUCount summarize its last accepted report.
	Model    string
	GPUCount int
	Verifier gpu.DeviceRecord
	Health   iog.Health
}

const deviceColumns = "id, owner, name, state, tunnel_key, location, down_bps, up_bps, registered, updated, model, gpu_count, verifier, health"

// upColumns are the copies of a device's health its queries need.
func upColumns(h iog.Health) (up int, lastSeen int64) {
	if h.Up {
		up = 1
	}
	return up, unix(h.LastSeen)
}

// InsertDevice stores a new device.
func (t *Tx) InsertDevice(d Device) error {
	verifier, health, err := deviceRecords(d)
	if err != nil {
		return err
	}
	up, seen := upColumns(d.Health)
	err = t.exec("INSERT INTO devices ("+deviceColumns+", up, last_seen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
		string(d.ID), d.Owner.String(), d.Name, d.State, []byte(d.TunnelKey), d.Location.String(), int64(d.Bandwidth.DownBytesPerSec), int64(d.Bandwidth.UpBytesPerSec),
		unix(d.Registered), unix(d.Updated), d.Model, d.GPUCount, verifier, health, up, seen)
	if err != nil {
		return fmt.Errorf("store device %s: %w", d.ID, err)
	}
	return t.bindGPUs(d)
}

// UpdateDevice writes back every field of a device but its ID, owner and
// registration, and the GPUs its verifier record holds.
func (t *Tx) UpdateDevice(d Device) error {
	verifier, health, err := deviceRecords(d)
	if err != nil {
		return err
	}
	up, seen := upColumns(d.Health)
	err = t.exec("UPDATE devices SET name = $2, state = $3, tunnel_key = $4, location = $5, down_bps = $6, up_bps = $7, updated = $8, model = $9, gpu_count = $10, verifier = $11, health = $12, up = $13, last_seen = $14 WHERE id = $1",
		string(d.ID), d.Name, d.State, []byte(d.TunnelKey), d.Location.String(), int64(d.Bandwidth.DownBytesPerSec), int64(d.Bandwidth.UpBytesPerSec),
		unix(d.Updated), d.Model, d.GPUCount, verifier, health, up, seen)
	if err != nil {
		return fmt.Errorf("update device %s: %w", d.ID, err)
	}
	return t.bindGPUs(d)
}

func deviceRecords(d Device) (verifier, health []byte, err error) {
	if verifier, err = json.Marshal(d.Verifier); err == nil {
		health, err = json.Marshal(d.Health)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("encode device %s: %w", d.ID, err)
	}
	return verifier, health, nil
}

// bindGPUs makes gpu_uuids name exactly the GPUs the device's verifier
// record holds. A GPU another device holds fails on its primary key: the
// verifier refuses that before it gets here.
func (t *Tx) bindGPUs(d Device) error {
	if err := t.exec("DELETE FROM gpu_uuids WHERE device = $1", string(d.ID)); err != nil {
		return fmt.Errorf("bind GPUs of %s: %w", d.ID, err)
	}
	for _, k := range d.Verifier.Known {
		if err := t.exec("INSERT INTO gpu_uuids (uuid, device) VALUES ($1, $2)", k.UUID, string(d.ID)); err != nil {
			return fmt.Errorf("bind GPU %s to %s: %w", k.UUID, d.ID, err)
		}
	}
	return nil
}

// Device returns a device, locked for the transaction. An unknown one is
// iog.ErrNotFound.
func (t *Tx) Device(id iog.DeviceID) (Device, error) {
	d, err := scanDevice(t.tx.QueryRowContext(t.ctx, "SELECT "+deviceColumns+" FROM devices WHERE id = $1"+t.forUpdate(), string(id)))
	if noRows(err) {
		return Device{}, fmt.Errorf("device %s is not registered: %w", id, iog.ErrNotFound)
	}
	return d, err
}

// DevicesHolding returns the devices that hold any of the GPUs, other
// than except: the ones a report naming those GPUs could collide with.
func (t *Tx) DevicesHolding(uuids []string, except iog.DeviceID) ([]Device, error) {
	if len(uuids) == 0 {
		return nil, nil
	}
	marks := make([]string, len(uuids))
	args := []any{string(except)}
	for i, u := range uuids {
		marks[i] = fmt.Sprintf("$%d", i+2)
		args = append(args, u)
	}
	return t.devices("WHERE id <> $1 AND id IN (SELECT device FROM gpu_uuids WHERE uuid IN ("+strings.Join(marks, ", ")+"))", args...)
}

// DeviceFilter selects devices for a listing; zero fields select all.
type DeviceFilter struct {
	Owner iog.WalletAddress
	State string
	Model string
	// After continues a listing after this device ID; Limit bounds it.
	After iog.DeviceID
	Limit int
}

// Devices lists the devices a filter selects, by ID.
func (t *Tx) Devices(f DeviceFilter) ([]Device, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if !f.Owner.IsZero() {
		add("owner = $%d", f.Owner.String())
	}
	if f.State != "" {
		add("state = $%d", f.State)
	}
	if f.Model != "" {
		add("model = $%d", f.Model)
	}
	if f.After != "" {
		add("id > $%d", string(f.After))
	}
	q := ""
	if len(where) > 0 {
		q = "WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id"
	if f.Limit > 0 {
		add("LIMIT $%d", f.Limit)
		q += " " + where[len(where)-1]
		where = where[:len(where)-1]
	}
	return t.devices(q, args...)
}

func (t *Tx) devices(clause string, args ...any) ([]Device, error) {
	return queryAll(t, "devices", "SELECT "+deviceColumns+" FROM devices "+clause, args, scanDevice)
}

func scanDevice(row scanner) (Device, error) {
	var d Device
	var id, owner, location string
	var key, verifier, health []byte
	var down, up, registered, updated int64
	if err := row.Scan(&id, &owner, &d.Name, &d.State, &key, &location, &down, &up, &registered, &updated, &d.Model, &d.GPUCount, &verifier, &health); err != nil {
		if err == sql.ErrNoRows {
			return d, err
		}
		return d, fmt.Errorf("read device: %w", err)
	}
	var err error
	d.ID = iog.DeviceID(id)
	if d.Owner, err = iog.ParseWalletAddress(owner); err == nil {
		d.Location, err = iog.ParseLocation(location)
	}
	if err == nil {
		err = json.Unmarshal(verifier, &d.Verifier)
	}
	if err == nil {
		err = json.Unmarshal(health, &d.Health)
	}
	if err != nil || len(key) != ed25519.PublicKeySize {
		return d, fmt.Errorf("device %s: stored row is corrupt (%v): %w", id, err, iog.ErrInvalid)
	}
	d.TunnelKey = ed25519.PublicKey(key)
	d.Bandwidth = iog.Bandwidth{DownBytesPerSec: uint64(down), UpBytesPerSec: uint64(up)}
	d.Registered, d.Updated = time.Unix(0, registered).UTC(), time.Unix(0, updated).UTC()
	return d, nil
}

// SilentDevices returns the devices marked up whose last heartbeat was
// before seen, locked: the ones the heartbeat timeout marks down.
func (t *Tx) SilentDevices(seen time.Time) ([]Device, error) {
	return t.devices("WHERE up = 1 AND last_seen < $1 ORDER BY id"+t.forUpdate(), unix(seen))
}
