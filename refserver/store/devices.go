package store

import (
	"bytes"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
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
	// BlockedReason, for a device in state blocked, is the rule it broke;
	// BlockedAt is when.
	BlockedReason string
	BlockedAt     time.Time

	Verifier gpu.DeviceRecord
	Health   iog.Health

	// stored is the row as the transaction that read it last read or
	// wrote it, shared by the copies of the Device, so that UpdateDevice
	// writes only the columns that changed; nil for a Device not read
	// from the store.
	stored *storedDevice
}

// storedDevice is a device's row as a transaction holds it: its plain
// columns, its records as stored, and the GPUs bound to it.
type storedDevice struct {
	tx               *Tx
	plain            devicePlain
	updated          int64
	verifier, health []byte
	gpus             []string
	// up is the row's up column: its health's, copied (upColumns).
	up int
	// stretch is its health's up stretch as read (noteUp).
	stretch upState
	// healthOnly says that the rest is not known: the device was read
	// by a heartbeat (Tx.DeviceBeat), for UpdateDeviceHealth.
	healthOnly bool
}

// readIn returns the up stretch of a device as read in t, nil when it
// was not.
func (s *storedDevice) readIn(t *Tx) *upState {
	if s == nil || s.tx != t {
		return nil
	}
	return &s.stretch
}

// devicePlain are the columns of a device's row that are not its records.
type devicePlain struct {
	name, state, tunnelKey, location string
	down, up                         uint64
	model                            string
	gpuCount                         int
	blockedReason                    string
	blockedAt                        int64
}

func plainOf(d Device) devicePlain {
	return devicePlain{d.Name, d.State, string(d.TunnelKey), d.Location.String(), d.Bandwidth.DownBytesPerSec, d.Bandwidth.UpBytesPerSec, d.Model, d.GPUCount,
		d.BlockedReason, blockedAt(d.BlockedAt)}
}

// blockedAt is a blocked_at column: 0 for a device never blocked.
func blockedAt(at time.Time) int64 {
	if at.IsZero() {
		return 0
	}
	return unix(at)
}

// blockedTime reads a blocked_at column.
func blockedTime(column int64) time.Time {
	if column == 0 {
		return time.Time{}
	}
	return time.Unix(0, column).UTC()
}

// knownUUIDs are the GPUs a verifier record holds, the rows of gpu_uuids
// it binds, in their record's (sorted) order.
func knownUUIDs(r gpu.DeviceRecord) []string {
	out := make([]string, len(r.Known))
	for i, k := range r.Known {
		out[i] = k.UUID
	}
	return out
}

// deviceColumns are what a Device holds, from recordTables: its row, its
// health and updated time, in device_health (heartbeatMigrations), and
// its verifier record, in device_verifiers (readsMigrations).
// deviceTables are its row and health, what the hot reads need.
// deviceRowColumns are the columns of its row.
const (
	deviceColumns    = "id, owner, name, state, tunnel_key, location, down_bps, up_bps, registered, updated, model, gpu_count, blocked_reason, blocked_at, verifier, health"
	deviceTables     = "devices JOIN device_health ON device_health.device = devices.id"
	recordTables     = deviceTables + " JOIN device_verifiers ON device_verifiers.device = devices.id"
	deviceRowColumns = "id, owner, name, state, tunnel_key, location, down_bps, up_bps, registered, model, gpu_count, blocked_reason, blocked_at"
)

// nextNodeChange is the next value of the counter of the devices' changes
// the scheduler sees (node_changed): a write of a device's state, GPUs,
// location, bandwidth or up column sets it. On SQLite, whose one writer
// commits in the order of the values, a snapshot that holds a value holds
// every lower one.
const nextNodeChange = "(SELECT COALESCE(MAX(node_changed), 0) + 1 FROM devices)"

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
	args := append([]any{string(d.ID), d.Owner.String(), d.Name, d.State, []byte(d.TunnelKey), d.Location.String(), int64(d.Bandwidth.DownBytesPerSec), int64(d.Bandwidth.UpBytesPerSec),
		unix(d.Registered), d.Model, d.GPUCount, d.BlockedReason, plainOf(d).blockedAt, up}, copiesOf(d.Verifier, t.s.clock.Now())...)
	err = t.exec("INSERT INTO devices ("+deviceRowColumns+", up, "+strings.Join(copyColumns, ", ")+", node_changed) VALUES ("+marks(1, len(args))+", "+nextNodeChange+")", args...)
	if err == nil {
		err = t.exec("INSERT INTO device_verifiers (device, verifier) VALUES ($1, $2)", string(d.ID), verifier)
	}
	if err == nil {
		err = t.exec("INSERT INTO device_health (device, health, health_up, last_seen, updated) VALUES ($1, $2, $3, $4, $5)", string(d.ID), health, up, seen, unix(d.Updated))
	}
	if err != nil {
		return fmt.Errorf("store device %s: %w", d.ID, err)
	}
	if err := t.noteUp(d.ID, &upState{}, d.Health); err != nil {
		return err
	}
	return t.bindGPUs(d)
}

// UpdateDevice writes back every field of a device but its ID, owner and
// registration, and the GPUs its verifier record holds. A device read in
// this transaction (Tx.Device, Tx.Devices, Tx.SilentDevices, ...) has
// only the columns written that differ from the row as read, and its GPU
// bindings only if its GPUs changed: a heartbeat rewrites its health, not
// its name, records and bindings. What another query of the transaction
// wrote to the row between the read and the update is not seen.
func (t *Tx) UpdateDevice(d Device) error {
	verifier, health, err := deviceRecords(d)
	if err != nil {
		return err
	}
	plain, gpus := plainOf(d), knownUUIDs(d.Verifier)
	up, seen := upColumns(d.Health)
	old := d.stored
	if old == nil || old.tx != t || old.healthOnly {
		set := "name = $2, state = $3, tunnel_key = $4, location = $5, down_bps = $6, up_bps = $7, model = $8, gpu_count = $9, blocked_reason = $10, blocked_at = $11, up = $12, node_changed = " + nextNodeChange
		args := []any{string(d.ID), d.Name, d.State, []byte(d.TunnelKey), plain.location, int64(plain.down), int64(plain.up),
			d.Model, d.GPUCount, d.BlockedReason, plain.blockedAt, up}
		for i, v := range copiesOf(d.Verifier, t.s.clock.Now()) {
			args = append(args, v)
			set += fmt.Sprintf(", %s = $%d", copyColumns[i], len(args))
		}
		err = t.exec("UPDATE devices SET "+set+" WHERE id = $1", args...)
		if err == nil {
			err = t.writeVerifier(d.ID, verifier)
		}
		if err == nil {
			err = t.writeHealth(d.ID, health, up, seen, unix(d.Updated))
		}
		if err != nil {
			return fmt.Errorf("update device %s: %w", d.ID, err)
		}
		if err := t.noteUp(d.ID, old.readIn(t), d.Health); err != nil {
			return err
		}
		if old.readIn(t) != nil {
			old.stretch = upStateOf(d.Health)
		}
		return t.bindGPUs(d)
	}
	set, args := []string{}, []any{string(d.ID)}
	add := func(column string, v any) {
		args = append(args, v)
		set = append(set, fmt.Sprintf("%s = $%d", column, len(args)))
	}
	if plain != old.plain {
		add("name", d.Name)
		add("state", d.State)
		add("tunnel_key", []byte(d.TunnelKey))
		add("location", plain.location)
		add("down_bps", int64(plain.down))
		add("up_bps", int64(plain.up))
		add("model", d.Model)
		add("gpu_count", d.GPUCount)
		add("blocked_reason", d.BlockedReason)
		add("blocked_at", plain.blockedAt)
	}
	verifierChanged := !bytes.Equal(verifier, old.verifier)
	if verifierChanged {
		for i, v := range copiesOf(d.Verifier, t.s.clock.Now()) {
			add(copyColumns[i], v)
		}
	}
	if up != old.up {
		add("up", up)
	}
	if plain != old.plain || up != old.up {
		set = append(set, "node_changed = "+nextNodeChange)
	}
	if len(set) > 0 {
		if err := t.exec("UPDATE devices SET "+strings.Join(set, ", ")+" WHERE id = $1", args...); err != nil {
			return fmt.Errorf("update device %s: %w", d.ID, err)
		}
	}
	if verifierChanged {
		if err := t.writeVerifier(d.ID, verifier); err != nil {
			return fmt.Errorf("update device %s: %w", d.ID, err)
		}
	}
	if !bytes.Equal(health, old.health) || unix(d.Updated) != old.updated {
		if err := t.writeHealth(d.ID, health, up, seen, unix(d.Updated)); err != nil {
			return fmt.Errorf("update device %s: %w", d.ID, err)
		}
	}
	if !slices.Equal(gpus, old.gpus) {
		if err := t.bindGPUs(d); err != nil {
			return err
		}
	}
	if err := t.noteUp(d.ID, &old.stretch, d.Health); err != nil {
		return err
	}
	*old = storedDevice{tx: t, plain: plain, updated: unix(d.Updated), verifier: verifier, health: health, gpus: gpus, up: up, stretch: upStateOf(d.Health)}
	return nil
}

// UpdateDeviceHealth writes back a device's health record, with its
// copies, and its updated time, and nothing else of it: for a change that
// touched nothing else, such as a heartbeat that issued no proof task, at
// the cost of neither encoding nor comparing the rest. They are in
// device_health; the device's row is written only when it goes up or
// down (its up column).
func (t *Tx) UpdateDeviceHealth(d Device) error {
	health, err := json.Marshal(d.Health)
	if err != nil {
		return fmt.Errorf("encode device %s: %w", d.ID, err)
	}
	up, seen := upColumns(d.Health)
	old := d.stored
	known := old != nil && old.tx == t
	if err := t.writeHealth(d.ID, health, up, seen, unix(d.Updated)); err != nil {
		return fmt.Errorf("update device %s: %w", d.ID, err)
	}
	if !known || old.up != up {
		// Where up is not known as read in this transaction, the row
		// is read to compare it.
		if err := t.exec(setUp, string(d.ID), up); err != nil {
			return fmt.Errorf("update device %s: %w", d.ID, err)
		}
	}
	if err := t.noteUp(d.ID, old.readIn(t), d.Health); err != nil {
		return err
	}
	if known {
		old.health, old.up, old.updated, old.stretch = health, up, unix(d.Updated), upStateOf(d.Health)
	}
	return nil
}

// setUp writes a device's up column where it changed.
const setUp = "UPDATE devices SET up = $2, node_changed = " + nextNodeChange + " WHERE id = $1 AND up <> $2"

// writeHealth writes a device's health record, its copies and its
// updated time to device_health.
func (t *Tx) writeHealth(id iog.DeviceID, health []byte, up int, seen, updated int64) error {
	return t.exec("UPDATE device_health SET health = $2, health_up = $3, last_seen = $4, updated = $5 WHERE device = $1", string(id), health, up, seen, updated)
}

// writeVerifier writes a device's verifier record to device_verifiers;
// its copies are the caller's to write (copiesOf).
func (t *Tx) writeVerifier(id iog.DeviceID, verifier []byte) error {
	return t.exec("UPDATE device_verifiers SET verifier = $2 WHERE device = $1", string(id), verifier)
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

// copyColumns are the devices' columns that keep copies of what a
// verifier record implies, so that the hot reads need not decode it:
//   - trust, and the interval [trust_from, trust_until) of times it holds
//     at: the record's trust score (gpu.DeviceRecord.Trust), computed
//     when written, for public reads (Tx.DeviceView); trust_until is
//     math.MaxInt64 for a score that holds from then on;
//   - open_tasks, the proof tasks it has open, and oldest_proof, the
//     oldest last proof of its GPUs (math.MaxInt64 with none,
//     math.MinInt64 when one was never proven), for heartbeats (Tx.DeviceBeat);
//   - proven_since, the oldest last proof of the GPUs of its last
//     accepted report (gpu.DeviceRecord.ProvenSince; math.MinInt64 when
//     it lists none or one was never proven), for epochs (Tx.LiveDevices).
//
// Every write of a device's verifier column writes these with it
// (copiesOf); a row written before a column existed holds a value that
// says it is unknown, and its reads decode the record.
var copyColumns = []string{"trust", "trust_from", "trust_until", "open_tasks", "oldest_proof", "proven_since"}

// copiesOf is the values of copyColumns for a record written at now.
func copiesOf(r gpu.DeviceRecord, now time.Time) []any {
	score, u := recordTrust(r, now)
	until := int64(math.MaxInt64)
	if !u.IsZero() {
		until = unix(u)
	}
	oldest := int64(math.MaxInt64)
	for _, k := range r.Known {
		proven := int64(math.MinInt64)
		if !k.Proven.IsZero() {
			proven = unix(k.Proven)
		}
		oldest = min(oldest, proven)
	}
	since := int64(math.MinInt64)
	if at, ok := r.ProvenSince(); ok {
		since = unix(at)
	}
	return []any{int64(score), unix(now), until, int64(len(r.OpenTasks)), oldest, since}
}

// provenSince reads a proven_since column (copyColumns).
func provenSince(column int64) (time.Time, bool) {
	if column == math.MinInt64 {
		return time.Time{}, false
	}
	return time.Unix(0, column).UTC(), true
}

// marks are the placeholders $from to $to, comma-separated.
func marks(from, to int) string {
	out := make([]string, 0, to-from+1)
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("$%d", i))
	}
	return strings.Join(out, ", ")
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
	d, err := scanDevice(t.tx.QueryRowContext(t.ctx, "SELECT "+deviceColumns+" FROM "+recordTables+" WHERE id = $1"+t.forUpdate(), string(id)))
	if noRows(err) {
		return Device{}, fmt.Errorf("device %s is not registered: %w", id, iog.ErrNotFound)
	}
	if d.stored != nil {
		d.stored.tx = t
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
	clause, args := f.clause()
	return t.devices(clause, args...)
}

// clause is the filter's WHERE, ORDER BY and LIMIT clauses and their
// arguments.
func (f DeviceFilter) clause() (string, []any) {
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
		args = append(args, f.Limit)
		q += fmt.Sprintf(" LIMIT $%d", len(args))
	}
	return q, args
}

func (t *Tx) devices(clause string, args ...any) ([]Device, error) {
	out, err := queryAll(t, "devices", "SELECT "+deviceColumns+" FROM "+recordTables+" "+clause, args, scanDevice)
	for _, d := range out {
		d.stored.tx = t
	}
	return out, err
}

func scanDevice(row scanner) (Device, error) {
	var d Device
	var id, owner, location string
	var key, verifier, health []byte
	var down, up, registered, updated, blocked int64
	if err := row.Scan(&id, &owner, &d.Name, &d.State, &key, &location, &down, &up, &registered, &updated, &d.Model, &d.GPUCount, &d.BlockedReason, &blocked, &verifier, &health); err != nil {
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
	d.BlockedAt = blockedTime(blocked)
	isUp, _ := upColumns(d.Health)
	d.stored = &storedDevice{plain: plainOf(d), updated: updated, verifier: verifier, health: health, gpus: knownUUIDs(d.Verifier), up: isUp, stretch: upStateOf(d.Health)}
	return d, nil
}

// SilentDevices returns the devices marked up whose last heartbeat was
// before seen, locked: the ones the heartbeat timeout marks down. It
// returns at most limit of them, by ID, after the device after (none:
// ""), so that a round marks a large fleet a part at a time.
func (t *Tx) SilentDevices(seen time.Time, after iog.DeviceID, limit int) ([]Device, error) {
	return t.devices("WHERE health_up = 1 AND last_seen < $1 AND id > $2 ORDER BY id LIMIT $3"+t.forUpdate(), unix(seen), string(after), limit)
}
