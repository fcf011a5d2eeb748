package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/parallel"
	"github.com/internetofgpus/iog/tokenomics"
)

// LoadStake returns the stake book's records of some devices (every
// device when devices is nil): their device records, cooldowns and
// slashes, and the book's last ID. It locks the ID counter and the rows
// it reads, so the book a request restores from them stays its own until
// the transaction ends. Restore a tokenomics.StakeBook from them, act on
// it, and SaveStake the same devices. In a read-only transaction (ReadTx)
// it locks nothing: the book it restores is for reading, and the
// snapshot the transaction reads is already its own.
func (t *Tx) LoadStake(devices []iog.DeviceID) (tokenomics.StakeRecords, error) {
	var r tokenomics.StakeRecords
	var last int64
	counter := "UPDATE stake_counter SET last_id = last_id WHERE id = 1 RETURNING last_id"
	if t.readOnly {
		counter = "SELECT last_id FROM stake_counter WHERE id = 1"
	}
	if err := t.tx.QueryRowContext(t.ctx, counter).Scan(&last); err != nil {
		return r, fmt.Errorf("load stake: %w", err)
	}
	r.LastID = uint64(last)
	where, args := devicesIn(devices, 1)
	lock := t.forUpdate()
	var err error
	r.Devices, err = records[tokenomics.DeviceRecord](t, "SELECT record FROM stake_devices"+where("device")+" ORDER BY device"+lock, args)
	if err == nil {
		r.Cooldowns, err = records[tokenomics.Cooldown](t, "SELECT record FROM stake_cooldowns"+where("device")+" ORDER BY id"+lock, args)
	}
	if err == nil {
		r.Slashes, err = records[tokenomics.SlashRecord](t, "SELECT record FROM stake_slashes"+where("device")+" ORDER BY id"+lock, args)
	}
	if err != nil {
		return r, fmt.Errorf("load stake: %w", err)
	}
	return r, nil
}

// SaveStake writes back the stake book's records of devices, as a book
// restored from LoadStake(devices) holds them after acting: rows of those
// devices that the book no longer holds are deleted.
func (t *Tx) SaveStake(devices []iog.DeviceID, r tokenomics.StakeRecords) error {
	if devices == nil {
		return fmt.Errorf("save stake: name the devices: %w", iog.ErrInvalid)
	}
	where, args := devicesIn(devices, 1)
	for _, table := range []string{"stake_devices", "stake_positions", "stake_cooldowns", "stake_slashes"} {
		if err := t.exec("DELETE FROM "+table+where("device"), args...); err != nil {
			return fmt.Errorf("save stake: %w", err)
		}
	}
	mine := func(d iog.DeviceID) bool { return slices.Contains(devices, d) }
	for _, d := range r.Devices {
		if !mine(d.Device) {
			continue
		}
		if err := t.insertJSON("INSERT INTO stake_devices (device, record) VALUES ($1, $2)", d, string(d.Device)); err != nil {
			return err
		}
		for _, p := range d.Positions {
			if err := t.exec("INSERT INTO stake_positions (device, staker) VALUES ($1, $2) ON CONFLICT DO NOTHING", string(d.Device), p.Staker.String()); err != nil {
				return fmt.Errorf("save stake: %w", err)
			}
		}
	}
	for _, c := range r.Cooldowns {
		if mine(c.Device) {
			if err := t.insertJSON("INSERT INTO stake_cooldowns (id, device, staker, ready, record) VALUES ($1, $2, $3, $4, $5)", c, int64(c.ID), string(c.Device), c.Staker.String(), unix(c.Ready)); err != nil {
				return err
			}
		}
	}
	for _, s := range r.Slashes {
		if mine(s.Device) {
			if err := t.insertJSON("INSERT INTO stake_slashes (id, device, state, record) VALUES ($1, $2, $3, $4)", s, int64(s.ID), string(s.Device), s.State.String()); err != nil {
				return err
			}
		}
	}
	if err := t.exec("UPDATE stake_counter SET last_id = $1 WHERE id = 1", int64(r.LastID)); err != nil {
		return fmt.Errorf("save stake: %w", err)
	}
	return nil
}

// StakedDevices returns the devices on which a staker has a position or a
// cooldown: what a staker's withdrawal or listing restores.
func (t *Tx) StakedDevices(staker iog.WalletAddress) ([]iog.DeviceID, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT device FROM stake_positions WHERE staker = $1
		UNION SELECT device FROM stake_cooldowns WHERE staker = $1 ORDER BY device`, staker.String())
	if err != nil {
		return nil, fmt.Errorf("staked devices: %w", err)
	}
	defer rows.Close()
	var out []iog.DeviceID
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		out = append(out, iog.DeviceID(d))
	}
	return out, rows.Err()
}

// SlashDevice returns the device of a slash.
func (t *Tx) SlashDevice(id tokenomics.SlashID) (iog.DeviceID, error) {
	var d string
	err := t.tx.QueryRowContext(t.ctx, "SELECT device FROM stake_slashes WHERE id = $1", int64(id)).Scan(&d)
	if noRows(err) {
		return "", fmt.Errorf("slash %d is not known: %w", id, iog.ErrNotFound)
	}
	return iog.DeviceID(d), err
}

// devicesIn returns a WHERE clause naming the devices (none for nil,
// which selects all) with its parameters numbered from first.
func devicesIn(devices []iog.DeviceID, first int) (func(column string) string, []any) {
	if devices == nil {
		return func(string) string { return "" }, nil
	}
	marks := make([]string, len(devices))
	args := make([]any, len(devices))
	for i, d := range devices {
		marks[i] = fmt.Sprintf("$%d", first+i)
		args[i] = string(d)
	}
	list := strings.Join(marks, ", ")
	if len(devices) == 0 {
		list = "NULL"
	}
	return func(column string) string { return " WHERE " + column + " IN (" + list + ")" }, args
}

// records reads the JSON records of type T a query selects, one column
// a row, in order, and decodes them on every core: an epoch reads the
// stake record of every device.
func records[T any](t *Tx, query string, args []any) ([]T, error) {
	rows, err := t.tx.QueryContext(t.ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var raw [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		raw = append(raw, b)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return nil, nil
	}
	out := make([]T, len(raw))
	err = parallel.Do(len(raw), func(i int) error {
		if err := json.Unmarshal(raw[i], &out[i]); err != nil {
			return fmt.Errorf("a stored record does not decode: %v: %w", err, iog.ErrInvalid)
		}
		return nil
	})
	return out, err
}

// insertJSON runs an INSERT whose last parameter is v's JSON.
func (t *Tx) insertJSON(query string, v any, args ...any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode record: %w", err)
	}
	if err := t.exec(query, append(args, b)...); err != nil {
		return fmt.Errorf("store record: %w", err)
	}
	return nil
}
