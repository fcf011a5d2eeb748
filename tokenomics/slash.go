package tokenomics

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/internetofgpus/iog"
)

// SlashReason says why a slash is proposed.
type SlashReason uint8

// The reasons for a slash.
const (
	// SpoofedHardware: the device claimed hardware it does not have.
	SpoofedHardware SlashReason = iota + 1
	// FalsifiedData: the device reported false telemetry or results.
	FalsifiedData
	// ServiceInconsistency: the device failed the service it promised.
	ServiceInconsistency
)

var slashReasonNames = [...]string{"", "spoofed hardware", "falsified data", "service inconsistency"}

// String returns the reason in words.
func (r SlashReason) String() string {
	if r == 0 || int(r) >= len(slashReasonNames) {
		return fmt.Sprintf("SlashReason(%d)", uint8(r))
	}
	return slashReasonNames[r]
}

// SlashID identifies a proposed slash.
type SlashID uint64

// SlashState is where a slash is in its life.
type SlashState uint8

// The states of a slash.
const (
	// SlashPending: proposed, in its appeal window, not appealed.
	SlashPending SlashState = iota + 1
	// SlashAppealed: appealed, awaiting the decision.
	SlashAppealed
	// SlashBurned: upheld; its tokens are to be burned.
	SlashBurned
	// SlashReturned: overturned; its tokens went back to the stakes.
	SlashReturned
)

var slashStateNames = [...]string{"", "pending", "appealed", "burned", "returned"}

// String returns the state's name.
func (s SlashState) String() string {
	if s == 0 || int(s) >= len(slashStateNames) {
		return fmt.Sprintf("SlashState(%d)", uint8(s))
	}
	return slashStateNames[s]
}

// Slash is a proposed slash and what became of it.
type Slash struct {
	ID       SlashID
	Device   iog.DeviceID
	Amount   iog.Amount
	Reason   SlashReason
	Evidence string
	Proposed time.Time
	// Deadline is the end of the appeal window.
	Deadline time.Time
	State    SlashState
	// Appeal is the appellant's statement, and AppealedBy the appellant.
	Appeal     string
	AppealedBy iog.WalletAddress
	// Shares is what each staker lost to the slash, summing to Amount.
	Shares []Share
}

// slashBook is a slash and where its tokens came from.
type slashBook struct {
	Slash
	takes []take
}

// take is what a slash took from one piece of stake: an active position
// (cooldown 0) or a cooldown.
type take struct {
	staker   iog.WalletAddress
	cooldown uint64
	ready    time.Time
	units    int64
}

// ProposeSlash implements Slasher.
func (b *StakeBook) ProposeSlash(dev iog.DeviceID, amount iog.Amount, reason SlashReason, evidence string) (Slash, error) {
	what := fmt.Sprintf("propose slash of device %s", dev)
	if err := checkIO(what, amount, false); err != nil {
		return Slash{}, err
	}
	if reason == 0 || int(reason) >= len(slashReasonNames) {
		return Slash{}, fmt.Errorf("%s: %v is not a reason for a slash: %w", what, reason, iog.ErrInvalid)
	}
	if evidence == "" {
		return Slash{}, fmt.Errorf("%s: a slash needs evidence: %w", what, iog.ErrInvalid)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	d, err := b.device(what, dev)
	if err != nil {
		return Slash{}, err
	}
	// The pieces of stake a slash can take from: active positions, then
	// cooldowns in the order they started.
	var pieces []take
	for _, p := range d.positions {
		pieces = append(pieces, take{staker: p.Staker, units: p.Active.Units()})
	}
	cools := make([]*Cooldown, 0)
	for _, c := range b.cooldowns {
		if c.Device == dev {
			cools = append(cools, c)
		}
	}
	slices.SortFunc(cools, func(a, b *Cooldown) int { return cmp.Compare(a.ID, b.ID) })
	for _, c := range cools {
		pieces = append(pieces, take{staker: c.Staker, cooldown: c.ID, ready: c.Ready, units: c.Amount.Units()})
	}
	weights := make([]uint64, len(pieces))
	var slashable int64
	for i, p := range pieces {
		weights[i] = uint64(p.units)
		slashable += p.units
	}
	if amount.Units() > slashable {
		return Slash{}, fmt.Errorf("%s: %v asked, %v at stake: %w", what, amount, iog.NewAmount(slashable, iog.IO), iog.ErrInsufficientFunds)
	}
	parts, err := amount.Split(weights)
	if err != nil {
		return Slash{}, fmt.Errorf("%s: %w", what, err)
	}
	// Validated; now change the state.
	now := b.clock.Now()
	b.nextID++
	s := &slashBook{Slash: Slash{
		ID: SlashID(b.nextID), Device: dev, Amount: amount, Reason: reason, Evidence: evidence,
		Proposed: now, Deadline: now.Add(b.cfg.AppealWindow), State: SlashPending,
	}}
	perStaker := map[iog.WalletAddress]int64{}
	var order []iog.WalletAddress
	for i, part := range parts {
		if part.IsZero() {
			continue
		}
		p := pieces[i]
		p.units = part.Units()
		s.takes = append(s.takes, p)
		if p.cooldown == 0 {
			j := d.position(p.staker)
			d.positions[j].Active = iog.NewAmount(d.positions[j].Active.Units()-p.units, iog.IO)
		} else {
			c := b.cooldowns[p.cooldown]
			c.Amount = iog.NewAmount(c.Amount.Units()-p.units, iog.IO)
		}
		if _, ok := perStaker[p.staker]; !ok {
			order = append(order, p.staker)
		}
		perStaker[p.staker] += p.units
	}
	for _, w := range order {
		s.Shares = append(s.Shares, Share{Wallet: w, Amount: iog.NewAmount(perStaker[w], iog.IO)})
	}
	d.held += amount.Units()
	b.slashes[s.ID] = s
	return s.copy(), nil
}

// Appeal implements Slasher.
func (b *StakeBook) Appeal(id SlashID, by iog.WalletAddress, statement string) (Slash, error) {
	what := fmt.Sprintf("appeal slash %d", id)
	if statement == "" {
		return Slash{}, fmt.Errorf("%s: an appeal needs a statement: %w", what, iog.ErrInvalid)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	s, err := b.slash(what, id)
	if err != nil {
		return Slash{}, err
	}
	if s.State != SlashPending {
		return Slash{}, fmt.Errorf("%s: the slash is %v: %w", what, s.State, iog.ErrConflict)
	}
	if now := b.clock.Now(); !now.Before(s.Deadline) {
		return Slash{}, fmt.Errorf("%s: the appeal window closed at %v: %w", what, s.Deadline.UTC().Format(time.RFC3339), iog.ErrExpired)
	}
	if !b.hasStake(s, by) {
		return Slash{}, fmt.Errorf("%s: %v has no stake on device %s: %w", what, by, s.Device, iog.ErrForbidden)
	}
	s.State, s.Appeal, s.AppealedBy = SlashAppealed, statement, by
	return s.copy(), nil
}

// hasStake reports whether w is the device's owner or lost stake to s.
func (b *StakeBook) hasStake(s *slashBook, w iog.WalletAddress) bool {
	if w.IsZero() {
		return false
	}
	if b.devices[s.Device].owner == w {
		return true
	}
	return slices.ContainsFunc(s.Shares, func(sh Share) bool { return sh.Wallet == w })
}

// ResolveSlash implements Slasher.
func (b *StakeBook) ResolveSlash(id SlashID, upheld bool) (Slash, error) {
	what := fmt.Sprintf("resolve slash %d", id)
	b.mu.Lock()
	defer b.mu.Unlock()
	s, err := b.slash(what, id)
	if err != nil {
		return Slash{}, err
	}
	switch {
	case s.State != SlashPending && s.State != SlashAppealed:
		return Slash{}, fmt.Errorf("%s: already %v: %w", what, s.State, iog.ErrConflict)
	case upheld && s.State == SlashPending && b.clock.Now().Before(s.Deadline):
		return Slash{}, fmt.Errorf("%s: the appeal window is open until %v: %w", what, s.Deadline.UTC().Format(time.RFC3339), iog.ErrConflict)
	}
	d := b.devices[s.Device]
	d.held -= s.Amount.Units()
	if upheld {
		s.State = SlashBurned
		return s.copy(), nil
	}
	for _, t := range s.takes {
		b.giveBack(d, s.Device, t)
	}
	s.State = SlashReturned
	return s.copy(), nil
}

// giveBack returns what a slash took to the piece of stake it came from:
// the staker's active position, or its cooldown (recreated, with its
// original ready time, if it was withdrawn meanwhile).
func (b *StakeBook) giveBack(d *deviceBook, dev iog.DeviceID, t take) {
	if t.cooldown == 0 {
		i := d.position(t.staker)
		d.positions[i].Active = iog.NewAmount(d.positions[i].Active.Units()+t.units, iog.IO)
		return
	}
	c, ok := b.cooldowns[t.cooldown]
	if !ok {
		c = &Cooldown{ID: t.cooldown, Device: dev, Staker: t.staker, Amount: iog.Zero(iog.IO), Ready: t.ready}
		b.cooldowns[t.cooldown] = c
	}
	c.Amount = iog.NewAmount(c.Amount.Units()+t.units, iog.IO)
}

// Slash returns a slash by its ID.
func (b *StakeBook) Slash(id SlashID) (Slash, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, err := b.slash("slash", id)
	if err != nil {
		return Slash{}, err
	}
	return s.copy(), nil
}

func (s *slashBook) copy() Slash {
	out := s.Slash
	out.Shares = slices.Clone(s.Shares)
	return out
}

func (b *StakeBook) slash(what string, id SlashID) (*slashBook, error) {
	s, ok := b.slashes[id]
	if !ok {
		return nil, fmt.Errorf("%s: no such slash: %w", what, iog.ErrNotFound)
	}
	return s, nil
}
