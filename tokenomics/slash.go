package tokenomics

import (
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
	ID       SlashID      `json:"id"`
	Device   iog.DeviceID `json:"device"`
	Amount   iog.Amount   `json:"amount"`
	Reason   SlashReason  `json:"reason"`
	Evidence string       `json:"evidence"`
	Proposed time.Time    `json:"proposed"`
	// Deadline is the end of the appeal window.
	Deadline time.Time  `json:"deadline"`
	State    SlashState `json:"state"`
	// Appeal is the appellant's statement, and AppealedBy the appellant.
	Appeal     string            `json:"appeal,omitempty"`
	AppealedBy iog.WalletAddress `json:"appealed_by,omitzero"`
	// Shares is what each staker lost to the slash, summing to Amount.
	Shares []Share `json:"shares"`
}

// SlashRecord is a slash and where its tokens came from, which an
// overturned slash gives them back to: the record a StakeBook is restored
// from.
type SlashRecord struct {
	Slash
	// Takes lists what the slash took from each piece of stake; the
	// amounts sum to the slash's Amount.
	Takes []SlashTake `json:"takes"`
}

// SlashTake is what a slash took from one piece of stake: a staker's
// active position (Cooldown 0) or one of its cooldowns.
type SlashTake struct {
	Staker iog.WalletAddress `json:"staker"`
	// Cooldown is the ID of the cooldown taken from, 0 for the active
	// position, and Ready that cooldown's end: an overturned slash
	// recreates a cooldown withdrawn meanwhile with its own end.
	Cooldown uint64     `json:"cooldown,omitempty"`
	Ready    time.Time  `json:"ready,omitzero"`
	Amount   iog.Amount `json:"amount"`
}

// unresolved reports whether the slash still holds its tokens.
func (s *Slash) unresolved() bool { return s.State == SlashPending || s.State == SlashAppealed }

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
	// the device's cooldowns in the order they started.
	var pieces []SlashTake
	for _, p := range d.positions {
		pieces = append(pieces, SlashTake{Staker: p.Staker, Amount: p.Active})
	}
	for _, c := range b.coolingOn(dev) {
		pieces = append(pieces, SlashTake{Staker: c.Staker, Cooldown: c.ID, Ready: c.Ready, Amount: c.Amount})
	}
	weights := make([]uint64, len(pieces))
	var slashable int64
	for i, p := range pieces {
		weights[i] = uint64(p.Amount.Units())
		slashable += p.Amount.Units()
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
	s := &SlashRecord{Slash: Slash{
		ID: SlashID(b.nextID), Device: dev, Amount: amount, Reason: reason, Evidence: evidence,
		Proposed: now, Deadline: now.Add(b.cfg.AppealWindow), State: SlashPending,
	}}
	for i, part := range parts {
		if part.IsZero() {
			continue
		}
		p := pieces[i]
		p.Amount = part
		s.Takes = append(s.Takes, p)
		if p.Cooldown == 0 {
			j := d.position(p.Staker)
			d.positions[j].Active = iog.NewAmount(d.positions[j].Active.Units()-part.Units(), iog.IO)
		} else {
			c := b.cooldowns[p.Cooldown]
			c.Amount = iog.NewAmount(c.Amount.Units()-part.Units(), iog.IO)
		}
	}
	s.Shares = sharesOf(s.Takes)
	d.held += amount.Units()
	b.slashes[s.ID] = s
	return s.copy().Slash, nil
}

// sharesOf sums takes by staker, in the order the stakers first appear.
func sharesOf(takes []SlashTake) []Share {
	var shares []Share
	for _, t := range takes {
		i := slices.IndexFunc(shares, func(sh Share) bool { return sh.Wallet == t.Staker })
		if i < 0 {
			shares = append(shares, Share{Wallet: t.Staker, Amount: iog.Zero(iog.IO)})
			i = len(shares) - 1
		}
		shares[i].Amount = iog.NewAmount(shares[i].Amount.Units()+t.Amount.Units(), iog.IO)
	}
	return shares
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
	return s.copy().Slash, nil
}

// hasStake reports whether w is the device's owner or lost stake to s.
func (b *StakeBook) hasStake(s *SlashRecord, w iog.WalletAddress) bool {
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
	case !s.unresolved():
		return Slash{}, fmt.Errorf("%s: already %v: %w", what, s.State, iog.ErrConflict)
	case upheld && s.State == SlashPending && b.clock.Now().Before(s.Deadline):
		return Slash{}, fmt.Errorf("%s: the appeal window is open until %v: %w", what, s.Deadline.UTC().Format(time.RFC3339), iog.ErrConflict)
	}
	d := b.devices[s.Device]
	d.held -= s.Amount.Units()
	s.State = SlashBurned
	if !upheld {
		for _, t := range s.Takes {
			b.giveBack(d, s.Device, t)
		}
		s.State = SlashReturned
	}
	b.prune(s.Device)
	return s.copy().Slash, nil
}

// giveBack returns what a slash took to the piece of stake it came from:
// the staker's active position, or its cooldown (recreated, with its
// original ready time, if it was withdrawn meanwhile).
func (b *StakeBook) giveBack(d *deviceBook, dev iog.DeviceID, t SlashTake) {
	if t.Cooldown == 0 {
		i := d.position(t.Staker)
		d.positions[i].Active = iog.NewAmount(d.positions[i].Active.Units()+t.Amount.Units(), iog.IO)
		return
	}
	c, ok := b.cooldowns[t.Cooldown]
	if !ok {
		c = &Cooldown{ID: t.Cooldown, Device: dev, Staker: t.Staker, Amount: iog.Zero(iog.IO), Ready: t.Ready}
		b.addCooldown(c)
	}
	c.Amount = iog.NewAmount(c.Amount.Units()+t.Amount.Units(), iog.IO)
}

// Slash returns a slash by its ID.
func (b *StakeBook) Slash(id SlashID) (Slash, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, err := b.slash("slash", id)
	if err != nil {
		return Slash{}, err
	}
	return s.copy().Slash, nil
}

// copy returns a copy of s that shares no memory with it.
func (s *SlashRecord) copy() SlashRecord {
	out := *s
	out.Shares = slices.Clone(s.Shares)
	out.Takes = slices.Clone(s.Takes)
	return out
}

func (b *StakeBook) slash(what string, id SlashID) (*SlashRecord, error) {
	s, ok := b.slashes[id]
	if !ok {
		return nil, fmt.Errorf("%s: no such slash: %w", what, iog.ErrNotFound)
	}
	return s, nil
}
