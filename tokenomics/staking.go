package tokenomics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/internetofgpus/iog"
)

// Staker keeps the stake that backs each device: the owner's and that of
// co-stakers, third parties who stake on the owner's device and share its
// rewards and slashes pro rata. It only keeps the books; the caller moves
// the tokens (on a Ledger) as each call says.
//
// Every method validates its input first, and an error leaves the state
// unchanged. Errors: an unknown device is iog.ErrNotFound, a malformed
// amount or address iog.ErrInvalid, a withdrawal of more than is staked
// iog.ErrInsufficientFunds, a stake that would take a device's stake
// beyond what an amount holds iog.ErrOverflow, and a call the state does
// not allow (a device registered twice) iog.ErrConflict.
type Staker interface {
	// Register declares a device, its owner and the stake it needs
	// (see RequiredStake).
	Register(dev iog.DeviceID, owner iog.WalletAddress, required iog.Amount) error
	// Stake adds amount of staker's tokens to the device's stake. The
	// staker may be the owner or anyone else (a co-staker).
	Stake(dev iog.DeviceID, staker iog.WalletAddress, amount iog.Amount) error
	// Unstake starts the cooldown of amount of staker's stake on the
	// device. It cannot be reversed: from now on that amount neither
	// counts toward the device's stake nor earns, though it can still be
	// slashed, and it becomes withdrawable when the cooldown ends.
	Unstake(dev iog.DeviceID, staker iog.WalletAddress, amount iog.Amount) (Cooldown, error)
	// Withdraw ends every cooldown of staker's that has run its course and
	// returns the total, which the caller pays out. It is zero when none
	// has. Cooldowns that together exceed what an amount holds are ended
	// over several calls, oldest first.
	Withdraw(staker iog.WalletAddress) (iog.Amount, error)
	// Device reports a device's stake.
	Device(dev iog.DeviceID) (DeviceStake, error)
}

// Slasher proposes, appeals and resolves slashes of a device's stake.
// Slashed tokens are held, not burned, until the slash is resolved.
type Slasher interface {
	// ProposeSlash takes amount from the device's stake, pro rata across
	// its stakers (active and cooling stake alike), and holds it for the
	// appeal window.
	ProposeSlash(dev iog.DeviceID, amount iog.Amount, reason SlashReason, evidence string) (Slash, error)
	// Appeal records a staker's appeal against a pending slash; it must
	// come within the appeal window. A wallet with no stake on the device
	// is iog.ErrForbidden; an appeal after the window is iog.ErrExpired.
	Appeal(id SlashID, by iog.WalletAddress, statement string) (Slash, error)
	// ResolveSlash settles a slash: upheld, its tokens are burned (the
	// caller burns Slash.Amount); overturned, they go back to the stakes
	// they came from. A slash may be overturned at any time before it is
	// settled, but upheld only once appealed (the decision on the appeal)
	// or once the window has passed unappealed: before that it is
	// iog.ErrConflict.
	ResolveSlash(id SlashID, upheld bool) (Slash, error)
}

// StakingConfig configures a StakeBook. The zero value is io.net's rules.
type StakingConfig struct {
	// Cooldown is how long unstaked tokens wait before they can be
	// withdrawn. Zero means 14 days.
	Cooldown time.Duration
	// AppealWindow is how long a proposed slash waits for an appeal. Zero
	// means 30 days, the network's month of reconsideration.
	AppealWindow time.Duration
}

// DefaultCooldown and DefaultAppealWindow are the durations a zero
// StakingConfig uses.
const (
	DefaultCooldown     = 14 * 24 * time.Hour
	DefaultAppealWindow = 30 * 24 * time.Hour
)

// Position is one staker's stake on a device.
type Position struct {
	Staker iog.WalletAddress
	// Active is the stake that counts and earns.
	Active iog.Amount
}

// DeviceStake is the stake on one device.
type DeviceStake struct {
	Device   iog.DeviceID
	Owner    iog.WalletAddress
	Required iog.Amount
	// Active is the stake that counts: the sum of the positions.
	Active iog.Amount
	// Cooling is stake whose cooldown has started and not yet been
	// withdrawn.
	Cooling iog.Amount
	// Held is stake taken by slashes not yet resolved.
	Held iog.Amount
	// Positions lists the stakers in the order they first staked.
	Positions []Position
}

// Meets reports whether the active stake reaches the required stake.
func (d DeviceStake) Meets() bool { return d.Active.Units() >= d.Required.Units() }

// Cooldown is stake on its way out.
type Cooldown struct {
	ID     uint64
	Device iog.DeviceID
	Staker iog.WalletAddress
	Amount iog.Amount
	// Ready is when the amount can be withdrawn.
	Ready time.Time
}

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

// Share is one wallet's part of a reward or a slash.
type Share struct {
	Wallet iog.WalletAddress
	Amount iog.Amount
}

// StakeBook is the in-memory Staker and Slasher. It is safe for concurrent
// use. Create one with NewStakeBook.
type StakeBook struct {
	mu        sync.Mutex
	clock     iog.Clock
	cfg       StakingConfig
	devices   map[iog.DeviceID]*deviceBook
	cooldowns map[uint64]*Cooldown
	slashes   map[SlashID]*slashBook
	nextID    uint64
}

type deviceBook struct {
	owner     iog.WalletAddress
	required  iog.Amount
	positions []Position // in order of first stake
	held      int64
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

var _ interface {
	Staker
	Slasher
} = (*StakeBook)(nil)

// NewStakeBook returns an empty StakeBook that reads time from clock.
func NewStakeBook(clock iog.Clock, cfg StakingConfig) *StakeBook {
	if cfg.Cooldown <= 0 {
		cfg.Cooldown = DefaultCooldown
	}
	if cfg.AppealWindow <= 0 {
		cfg.AppealWindow = DefaultAppealWindow
	}
	return &StakeBook{
		clock:     clock,
		cfg:       cfg,
		devices:   make(map[iog.DeviceID]*deviceBook),
		cooldowns: make(map[uint64]*Cooldown),
		slashes:   make(map[SlashID]*slashBook),
	}
}

// Register implements Staker.
func (b *StakeBook) Register(dev iog.DeviceID, owner iog.WalletAddress, required iog.Amount) error {
	if _, err := iog.ParseDeviceID(string(dev)); err != nil {
		return fmt.Errorf("register device: %w", err)
	}
	if owner.IsZero() {
		return fmt.Errorf("register device %s: no owner wallet: %w", dev, iog.ErrInvalid)
	}
	if err := checkIO("register device "+string(dev)+": required stake", required, true); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.devices[dev]; ok {
		return fmt.Errorf("register device %s: already registered: %w", dev, iog.ErrConflict)
	}
	b.devices[dev] = &deviceBook{owner: owner, required: required}
	return nil
}

// Stake implements Staker.
func (b *StakeBook) Stake(dev iog.DeviceID, staker iog.WalletAddress, amount iog.Amount) error {
	what := fmt.Sprintf("stake on device %s", dev)
	if err := checkWalletAmount(what, staker, amount); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	d, err := b.device(what, dev)
	if err != nil {
		return err
	}
	// Every sum over the device's stake (its report, a slash's share-out)
	// fits an amount because the whole of it does.
	if total := b.stakeOn(dev, d); amount.Units() > math.MaxInt64-total {
		return fmt.Errorf("%s: %v more on the %v staked: %w", what, amount, iog.NewAmount(total, iog.IO), iog.ErrOverflow)
	}
	i := d.position(staker)
	if i < 0 {
		d.positions = append(d.positions, Position{Staker: staker, Active: iog.Zero(iog.IO)})
		i = len(d.positions) - 1
	}
	d.positions[i].Active = iog.NewAmount(d.positions[i].Active.Units()+amount.Units(), iog.IO)
	return nil
}

// stakeOn returns all the stake on a device: active, cooling and held.
func (b *StakeBook) stakeOn(dev iog.DeviceID, d *deviceBook) int64 {
	return d.active() + b.cooling(dev) + d.held
}

// active returns the device's active stake, the sum of its positions.
func (d *deviceBook) active() int64 {
	var total int64
	for _, p := range d.positions {
		total += p.Active.Units()
	}
	return total
}

// cooling returns the stake on dev whose cooldown has started and not
// been withdrawn.
func (b *StakeBook) cooling(dev iog.DeviceID) int64 {
	var total int64
	for _, c := range b.cooldowns {
		if c.Device == dev {
			total += c.Amount.Units()
		}
	}
	return total
}

// Unstake implements Staker.
func (b *StakeBook) Unstake(dev iog.DeviceID, staker iog.WalletAddress, amount iog.Amount) (Cooldown, error) {
	what := fmt.Sprintf("unstake from device %s", dev)
	if err := checkWalletAmount(what, staker, amount); err != nil {
		return Cooldown{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	d, err := b.device(what, dev)
	if err != nil {
		return Cooldown{}, err
	}
	i := d.position(staker)
	if i < 0 || d.positions[i].Active.Units() < amount.Units() {
		active := iog.Zero(iog.IO)
		if i >= 0 {
			active = d.positions[i].Active
		}
		return Cooldown{}, fmt.Errorf("%s: %v asked, %v staked by %v: %w", what, amount, active, staker, iog.ErrInsufficientFunds)
	}
	d.positions[i].Active = iog.NewAmount(d.positions[i].Active.Units()-amount.Units(), iog.IO)
	b.nextID++
	c := &Cooldown{ID: b.nextID, Device: dev, Staker: staker, Amount: amount, Ready: b.clock.Now().Add(b.cfg.Cooldown)}
	b.cooldowns[c.ID] = c
	return *c, nil
}

// Withdraw implements Staker.
func (b *StakeBook) Withdraw(staker iog.WalletAddress) (iog.Amount, error) {
	if staker.IsZero() {
		return iog.Amount{}, fmt.Errorf("withdraw: no wallet: %w", iog.ErrInvalid)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.Now()
	var due []*Cooldown
	for _, c := range b.cooldowns {
		if c.Staker == staker && !now.Before(c.Ready) {
			due = append(due, c)
		}
	}
	slices.SortFunc(due, func(a, b *Cooldown) int { return cmp.Compare(a.ID, b.ID) })
	var total int64
	for _, c := range due {
		if c.Amount.Units() > math.MaxInt64-total {
			continue // more than an amount holds: left for the next call
		}
		total += c.Amount.Units()
		delete(b.cooldowns, c.ID)
	}
	return iog.NewAmount(total, iog.IO), nil
}

// Cooldowns returns staker's cooldowns not yet withdrawn, oldest first.
func (b *StakeBook) Cooldowns(staker iog.WalletAddress) []Cooldown {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []Cooldown
	for _, c := range b.cooldowns {
		if c.Staker == staker {
			out = append(out, *c)
		}
	}
	slices.SortFunc(out, func(a, b Cooldown) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Device implements Staker.
func (b *StakeBook) Device(dev iog.DeviceID) (DeviceStake, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	d, err := b.device("device stake", dev)
	if err != nil {
		return DeviceStake{}, err
	}
	return DeviceStake{
		Device:    dev,
		Owner:     d.owner,
		Required:  d.required,
		Active:    iog.NewAmount(d.active(), iog.IO),
		Cooling:   iog.NewAmount(b.cooling(dev), iog.IO),
		Held:      iog.NewAmount(d.held, iog.IO),
		Positions: slices.Clone(d.positions),
	}, nil
}

// ShareReward splits a device's reward among its stakers pro rata to their
// active stake (largest remainder, so the shares sum to reward exactly).
// Cooling stake earns nothing. A device with no active stake is
// iog.ErrConflict: there is no one to pay.
func (b *StakeBook) ShareReward(dev iog.DeviceID, reward iog.Amount) ([]Share, error) {
	what := fmt.Sprintf("share reward of device %s", dev)
	if err := checkIO(what, reward, true); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	d, err := b.device(what, dev)
	if err != nil {
		return nil, err
	}
	weights := make([]uint64, len(d.positions))
	var sum uint64
	for i, p := range d.positions {
		weights[i] = uint64(p.Active.Units())
		sum += weights[i]
	}
	if sum == 0 {
		return nil, fmt.Errorf("%s: no active stake to share it: %w", what, iog.ErrConflict)
	}
	parts, err := reward.Split(weights)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	shares := make([]Share, 0, len(parts))
	for i, p := range parts {
		if weights[i] > 0 {
			shares = append(shares, Share{Wallet: d.positions[i].Staker, Amount: p})
		}
	}
	return shares, nil
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

func (b *StakeBook) device(what string, dev iog.DeviceID) (*deviceBook, error) {
	d, ok := b.devices[dev]
	if !ok {
		return nil, fmt.Errorf("%s: device %q is not registered: %w", what, dev, iog.ErrNotFound)
	}
	return d, nil
}

func (b *StakeBook) slash(what string, id SlashID) (*slashBook, error) {
	s, ok := b.slashes[id]
	if !ok {
		return nil, fmt.Errorf("%s: no such slash: %w", what, iog.ErrNotFound)
	}
	return s, nil
}

func (d *deviceBook) position(w iog.WalletAddress) int {
	return slices.IndexFunc(d.positions, func(p Position) bool { return p.Staker == w })
}

// checkIO checks that a is an amount of IO, positive (or, with zeroOK,
// not negative).
func checkIO(what string, a iog.Amount, zeroOK bool) error {
	if zeroOK && a.IsZero() && a.Currency() == iog.IO {
		return nil
	}
	return checkPositive(what, a, iog.IO)
}

func checkWalletAmount(what string, w iog.WalletAddress, a iog.Amount) error {
	if w.IsZero() {
		return fmt.Errorf("%s: no staker wallet: %w", what, iog.ErrInvalid)
	}
	return checkIO(what, a, false)
}
