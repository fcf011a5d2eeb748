package tokenomics

import (
	"cmp"
	"slices"

	"github.com/internetofgpus/iog"
)

// DeviceRecord is one registered device of a StakeBook: its owner, the
// stake it needs and every staker's active position, in the order they
// first staked (the order rewards and slashes are shared in).
type DeviceRecord struct {
	Device    iog.DeviceID      `json:"device"`
	Owner     iog.WalletAddress `json:"owner"`
	Required  iog.Amount        `json:"required"`
	Positions []Position        `json:"positions"`
	// Deregistered reports a device deregistered whose stake is still
	// cooling down or held by a slash; it has no positions.
	Deregistered bool `json:"deregistered,omitempty"`
}

// StakeRecords is the whole state of a StakeBook, each kind of entity
// in the order of its key, and the last ID the book handed out (to a
// cooldown or a slash), without which a restored book would hand out
// again the ID of a cooldown already withdrawn.
//
// What the stake held by unresolved slashes adds up to is not recorded:
// it is the sum of their amounts.
type StakeRecords struct {
	Devices   []DeviceRecord `json:"devices"`
	Cooldowns []Cooldown     `json:"cooldowns"`
	Slashes   []SlashRecord  `json:"slashes"`
	LastID    uint64         `json:"last_id"`
}

// DeviceRecord returns the record of a device, and false when the book
// holds none (never registered, or deregistered and gone).
func (b *StakeBook) DeviceRecord(dev iog.DeviceID) (DeviceRecord, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	d, ok := b.devices[dev]
	if !ok {
		return DeviceRecord{}, false
	}
	return d.record(dev), true
}

func (d *deviceBook) record(dev iog.DeviceID) DeviceRecord {
	return DeviceRecord{Device: dev, Owner: d.owner, Required: d.required, Positions: slices.Clone(d.positions), Deregistered: d.leaving}
}

// CooldownRecord returns a cooldown, its own record, and false when there
// is none by that ID (never started, or withdrawn).
func (b *StakeBook) CooldownRecord(id uint64) (Cooldown, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.cooldowns[id]
	if !ok {
		return Cooldown{}, false
	}
	return *c, true
}

// SlashRecord returns the record of a slash, and false when there is none
// by that ID. Slashes are kept once resolved, as the book's history.
func (b *StakeBook) SlashRecord(id SlashID) (SlashRecord, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.slashes[id]
	if !ok {
		return SlashRecord{}, false
	}
	return s.copy(), true
}

// LastID returns the last ID the book handed out to a cooldown or a
// slash: an action that starts either changes it, and the server saves it
// with the records that action touched.
func (b *StakeBook) LastID() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.nextID
}

// Records returns the whole state of the book.
func (b *StakeBook) Records() StakeRecords {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := StakeRecords{
		Devices:   make([]DeviceRecord, 0, len(b.devices)),
		Cooldowns: make([]Cooldown, 0, len(b.cooldowns)),
		Slashes:   make([]SlashRecord, 0, len(b.slashes)),
		LastID:    b.nextID,
	}
	for dev, d := range b.devices {
		r.Devices = append(r.Devices, d.record(dev))
	}
	for _, c := range b.cooldowns {
		r.Cooldowns = append(r.Cooldowns, *c)
	}
	for _, s := range b.slashes {
		r.Slashes = append(r.Slashes, s.copy())
	}
	slices.SortFunc(r.Devices, func(a, b DeviceRecord) int { return cmp.Compare(a.Device, b.Device) })
	slices.SortFunc(r.Cooldowns, func(a, b Cooldown) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(r.Slashes, func(a, b SlashRecord) int { return cmp.Compare(a.ID, b.ID) })
	return r
}
