package tokenomics

import (
	"fmt"
	"math"

	"github.com/internetofgpus/iog"
)

// Restore rebuilds a book from its records (as Records returned them, in
// any order), on a book fresh from NewStakeBook. It checks every record,
// and what the records say together (a slash's takes add up to it and
// come from stake of its device, an unresolved slash's device is
// registered, no ID is above LastID, no device's stake overflows), and
// either restores them all or, on records that could not have come from
// a book, returns an error wrapping iog.ErrInvalid and changes nothing.
// A book that already holds anything is iog.ErrConflict.
//
// The co-staking rules (CoStakingRules) are not checked: they limit the
// stake added from now on, and records saved before the rules, or under
// other ones, load as they are.
func (b *StakeBook) Restore(r StakeRecords) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.devices) > 0 || len(b.cooldowns) > 0 || len(b.slashes) > 0 || b.nextID > 0 {
		return fmt.Errorf("restore stake book: the book is not empty: %w", iog.ErrConflict)
	}
	devices, err := restoreDevices(r.Devices)
	if err != nil {
		return err
	}
	cooldowns, err := restoreCooldowns(r.Cooldowns, devices, r.LastID)
	if err != nil {
		return err
	}
	slashes, err := restoreSlashes(r.Slashes, devices, cooldowns, r.LastID)
	if err != nil {
		return err
	}
	// Every sum over a device's stake must fit an amount, as Stake keeps
	// it; and a deregistered device is kept only while some of its stake
	// is.
	cooling := make(map[iog.DeviceID]int64, len(devices))
	cools := make(map[iog.DeviceID]bool, len(devices))
	for _, c := range r.Cooldowns {
		if cooling[c.Device] > math.MaxInt64-c.Amount.Units() {
			return invalidRecord("device %s: its stake overflows an amount", c.Device)
		}
		cooling[c.Device] += c.Amount.Units()
		cools[c.Device] = true
	}
	for _, rec := range r.Devices {
		d := devices[rec.Device]
		if d.leaving && d.held == 0 && !cools[rec.Device] {
			return invalidRecord("device %s: deregistered with nothing left of its stake", rec.Device)
		}
		if cooling[rec.Device] > math.MaxInt64-d.held || cooling[rec.Device]+d.held > math.MaxInt64-d.active() {
			return invalidRecord("device %s: its stake overflows an amount", rec.Device)
		}
	}
	// The index of positions is built when a co-stake first needs it: a
	// book restored to be read, or to settle an epoch, never does.
	b.devices, b.cooldowns, b.slashes, b.nextID, b.stakedOn = devices, cooldowns, slashes, r.LastID, nil
	return nil
}

func invalidRecord(format string, args ...any) error {
	return fmt.Errorf("restore stake book: "+format+": %w", append(args, iog.ErrInvalid)...)
}

func restoreDevices(records []DeviceRecord) (map[iog.DeviceID]*deviceBook, error) {
	devices := make(map[iog.DeviceID]*deviceBook, len(records))
	for _, r := range records {
		what := fmt.Sprintf("restore stake book: device %q", r.Device)
		if _, err := iog.ParseDeviceID(string(r.Device)); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if _, dup := devices[r.Device]; dup {
			return nil, invalidRecord("device %s recorded twice", r.Device)
		}
		if r.Owner.IsZero() {
			return nil, invalidRecord("device %s: no owner", r.Device)
		}
		if err := checkIO(what+": required stake", r.Required, true); err != nil {
			return nil, err
		}
		if r.Deregistered && len(r.Positions) > 0 {
			return nil, invalidRecord("device %s: deregistered with positions", r.Device)
		}
		d := &deviceBook{owner: r.Owner, required: r.Required, leaving: r.Deregistered, cooling: make(map[uint64]*Cooldown)}
		var active int64
		for _, p := range r.Positions {
			if p.Staker.IsZero() || d.position(p.Staker) >= 0 {
				return nil, invalidRecord("device %s: a position of no staker or of %v twice", r.Device, p.Staker)
			}
			if err := checkIO(what+": position", p.Active, true); err != nil {
				return nil, err
			}
			if active > math.MaxInt64-p.Active.Units() {
				return nil, invalidRecord("device %s: its stake overflows an amount", r.Device)
			}
			active += p.Active.Units()
			d.positions = append(d.positions, p)
		}
		devices[r.Device] = d
	}
	return devices, nil
}

func restoreCooldowns(records []Cooldown, devices map[iog.DeviceID]*deviceBook, lastID uint64) (map[uint64]*Cooldown, error) {
	cooldowns := make(map[uint64]*Cooldown, len(records))
	for _, r := range records {
		what := fmt.Sprintf("restore stake book: cooldown %d", r.ID)
		switch _, dup := cooldowns[r.ID]; {
		case r.ID == 0 || r.ID > lastID:
			return nil, invalidRecord("cooldown ID %d: want 1 to the last ID, %d", r.ID, lastID)
		case dup:
			return nil, invalidRecord("cooldown %d recorded twice", r.ID)
		case r.Staker.IsZero():
			return nil, invalidRecord("cooldown %d: no staker", r.ID)
		case r.Ready.IsZero():
			return nil, invalidRecord("cooldown %d: no ready time", r.ID)
		}
		if _, err := iog.ParseDeviceID(string(r.Device)); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if err := checkIO(what, r.Amount, true); err != nil {
			return nil, err
		}
		d, ok := devices[r.Device]
		if !ok {
			return nil, invalidRecord("cooldown %d: device %s is not in the book", r.ID, r.Device)
		}
		c := r
		cooldowns[r.ID] = &c
		d.cooling[r.ID] = &c
	}
	return cooldowns, nil
}

func restoreSlashes(records []SlashRecord, devices map[iog.DeviceID]*deviceBook, cooldowns map[uint64]*Cooldown, lastID uint64) (map[SlashID]*SlashRecord, error) {
	slashes := make(map[SlashID]*SlashRecord, len(records))
	for _, r := range records {
		if _, dup := slashes[r.ID]; dup {
			return nil, invalidRecord("slash %d recorded twice", r.ID)
		}
		if err := checkSlashRecord(r, lastID); err != nil {
			return nil, err
		}
		d, registered := devices[r.Device]
		if r.unresolved() && !registered {
			return nil, invalidRecord("slash %d is %v but device %s is not registered", r.ID, r.State, r.Device)
		}
		for _, t := range r.Takes {
			if err := checkTake(r, t, d, cooldowns, lastID); err != nil {
				return nil, err
			}
		}
		if r.unresolved() {
			if d.held > math.MaxInt64-r.Amount.Units() {
				return nil, invalidRecord("device %s: its stake overflows an amount", r.Device)
			}
			d.held += r.Amount.Units()
		}
		s := r.copy()
		slashes[r.ID] = &s
	}
	return slashes, nil
}

// checkSlashRecord checks what a slash record says on its own.
func checkSlashRecord(r SlashRecord, lastID uint64) error {
	what := fmt.Sprintf("restore stake book: slash %d", r.ID)
	appealed := r.Appeal != "" || !r.AppealedBy.IsZero()
	switch {
	case r.ID == 0 || uint64(r.ID) > lastID:
		return invalidRecord("slash ID %d: want 1 to the last ID, %d", r.ID, lastID)
	case r.Reason == 0 || int(r.Reason) >= len(slashReasonNames):
		return invalidRecord("slash %d: %v is not a reason", r.ID, r.Reason)
	case r.State == 0 || int(r.State) >= len(slashStateNames):
		return invalidRecord("slash %d: %v is not a state", r.ID, r.State)
	case r.Evidence == "":
		return invalidRecord("slash %d: no evidence", r.ID)
	case r.Proposed.IsZero() || r.Deadline.Before(r.Proposed):
		return invalidRecord("slash %d: proposed %v with its deadline %v", r.ID, r.Proposed, r.Deadline)
	case appealed && (r.Appeal == "" || r.AppealedBy.IsZero()):
		return invalidRecord("slash %d: an appeal needs its statement and its appellant", r.ID)
	case r.State == SlashPending && appealed, r.State == SlashAppealed && !appealed:
		return invalidRecord("slash %d: %v with the appeal %q of %v", r.ID, r.State, r.Appeal, r.AppealedBy)
	}
	if _, err := iog.ParseDeviceID(string(r.Device)); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := checkIO(what, r.Amount, false); err != nil {
		return err
	}
	var sum int64
	for _, t := range r.Takes {
		if t.Staker.IsZero() {
			return invalidRecord("slash %d: a take from no staker", r.ID)
		}
		if err := checkIO(what+": take", t.Amount, false); err != nil {
			return err
		}
		if sum > r.Amount.Units()-t.Amount.Units() {
			return invalidRecord("slash %d: its takes add up to more than %v", r.ID, r.Amount)
		}
		sum += t.Amount.Units()
	}
	if sum != r.Amount.Units() {
		return invalidRecord("slash %d: its takes add up to %v, not %v", r.ID, iog.NewAmount(sum, iog.IO), r.Amount)
	}
	if want := sharesOf(r.Takes); !sameShares(r.Shares, want) {
		return invalidRecord("slash %d: its shares are not its takes by staker", r.ID)
	}
	return nil
}

func sameShares(a, b []Share) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Wallet != b[i].Wallet || a[i].Amount != b[i].Amount {
			return false
		}
	}
	return true
}

// checkTake checks that a slash's take can be given back: from an
// unresolved slash, to a position of the device (d) or to a cooldown of
// its stake, which may have been withdrawn meanwhile.
func checkTake(s SlashRecord, t SlashTake, d *deviceBook, cooldowns map[uint64]*Cooldown, lastID uint64) error {
	if t.Cooldown == 0 {
		if !t.Ready.IsZero() {
			return invalidRecord("slash %d: a take from an active position with a ready time", s.ID)
		}
		if s.unresolved() && d.position(t.Staker) < 0 {
			return invalidRecord("slash %d: a take from %v, who has no position on device %s", s.ID, t.Staker, s.Device)
		}
		return nil
	}
	if t.Cooldown > lastID || t.Ready.IsZero() {
		return invalidRecord("slash %d: a take from cooldown %d ready at %v", s.ID, t.Cooldown, t.Ready)
	}
	if !s.unresolved() {
		return nil
	}
	if c, ok := cooldowns[t.Cooldown]; ok && (c.Staker != t.Staker || c.Device != s.Device || !c.Ready.Equal(t.Ready)) {
		return invalidRecord("slash %d: its take from cooldown %d is not that cooldown's", s.ID, t.Cooldown)
	}
	return nil
}
