package tokenomics

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"

	"github.com/internetofgpus/iog"
)

// StakeBook is the in-memory Staker and Slasher. It is safe for concurrent
// use. Create one with NewStakeBook.
type StakeBook struct {
	mu        sync.Mutex
	clock     iog.Clock
	cfg       StakingConfig
	devices   map[iog.DeviceID]*deviceBook
	cooldowns map[uint64]*Cooldown
	slashes   map[SlashID]*SlashRecord
	nextID    uint64 // the last ID handed out, to a cooldown or a slash
	// stakedOn lists, for each wallet, the devices it has a position on
	// (active or not): where coStakedDevices looks. Nil until built
	// (positionIndex).
	stakedOn map[iog.WalletAddress]map[iog.DeviceID]struct{}
}

type deviceBook struct {
	owner     iog.WalletAddress
	required  iog.Amount
	positions []Position           // in order of first stake
	held      int64                // taken by unresolved slashes
	cooling   map[uint64]*Cooldown // its cooldowns, also in StakeBook.cooldowns
	// leaving: deregistered, kept until its last cooldown is withdrawn
	// and no slash holds any of its stake.
	leaving bool
}

var _ interface {
	Staker
	Slasher
} = (*StakeBook)(nil)

// NewStakeBook returns an empty StakeBook.
func NewStakeBook(cfg StakingConfig) *StakeBook {
	if cfg.Cooldown <= 0 {
		cfg.Cooldown = DefaultCooldown
	}
	if cfg.CoStakerCooldown <= 0 {
		cfg.CoStakerCooldown = DefaultCoStakerCooldown
	}
	if cfg.AppealWindow <= 0 {
		cfg.AppealWindow = DefaultAppealWindow
	}
	cfg.CoStaking = cfg.CoStaking.withDefaults()
	return &StakeBook{
		clock:     orSystem(cfg.Clock),
		cfg:       cfg,
		devices:   make(map[iog.DeviceID]*deviceBook),
		cooldowns: make(map[uint64]*Cooldown),
		slashes:   make(map[SlashID]*SlashRecord),
		stakedOn:  make(map[iog.WalletAddress]map[iog.DeviceID]struct{}),
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
	if d, ok := b.devices[dev]; ok {
		if d.leaving {
			return fmt.Errorf("register device %s: deregistered, its stake still cooling down: %w", dev, iog.ErrConflict)
		}
		return fmt.Errorf("register device %s: already registered: %w", dev, iog.ErrConflict)
	}
	b.devices[dev] = &deviceBook{owner: owner, required: required, cooling: make(map[uint64]*Cooldown)}
	return nil
}

// Deregister implements Staker.
func (b *StakeBook) Deregister(dev iog.DeviceID) ([]Cooldown, error) {
	what := fmt.Sprintf("deregister device %s", dev)
	b.mu.Lock()
	defer b.mu.Unlock()
	d, err := b.registered(what, dev)
	if err != nil {
		return nil, err
	}
	var open *SlashRecord // the oldest, so that the error is the same every time
	for _, s := range b.slashes {
		if s.Device == dev && s.unresolved() && (open == nil || s.ID < open.ID) {
			open = s
		}
	}
	if open != nil {
		return nil, fmt.Errorf("%s: slash %d is %v; it is decided before the device goes: %w", what, open.ID, open.State, iog.ErrConflict)
	}
	var started []Cooldown
	for _, p := range d.positions {
		if !p.Active.IsZero() {
			started = append(started, b.startCooldown(dev, p.Staker, p.Active))
		}
	}
	b.unindexPositions(dev, d)
	d.positions, d.leaving = nil, true
	b.prune(dev)
	return started, nil
}

// prune forgets a deregistered device once nothing of its stake is left:
// no cooldown, and no slash holding any.
func (b *StakeBook) prune(dev iog.DeviceID) {
	if d, ok := b.devices[dev]; ok && d.leaving && d.held == 0 && len(d.cooling) == 0 {
		delete(b.devices, dev)
	}
}

// registered returns a device that is registered and not deregistered.
func (b *StakeBook) registered(what string, dev iog.DeviceID) (*deviceBook, error) {
	d, err := b.device(what, dev)
	if err == nil && d.leaving {
		err = fmt.Errorf("%s: device %q is deregistered: %w", what, dev, iog.ErrConflict)
	}
	return d, err
}

// Stake implements Staker.
func (b *StakeBook) Stake(dev iog.DeviceID, staker iog.WalletAddress, amount iog.Amount) error {
	what := fmt.Sprintf("stake on device %s", dev)
	if err := checkWalletAmount(what, staker, amount); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	d, err := b.registered(what, dev)
	if err != nil {
		return err
	}
	// Every sum over the device's stake (its report, a slash's share-out)
	// fits an amount because the whole of it does.
	if total := b.stakeOn(dev, d); amount.Units() > math.MaxInt64-total {
		return fmt.Errorf("%s: %v more on the %v staked: %w", what, amount, iog.NewAmount(total, iog.IO), iog.ErrOverflow)
	}
	if staker != d.owner {
		if err := b.checkCoStake(what, dev, d, staker, amount); err != nil {
			return err
		}
	}
	i := d.position(staker)
	if i < 0 {
		d.positions = append(d.positions, Position{Staker: staker, Active: iog.Zero(iog.IO)})
		i = len(d.positions) - 1
		b.indexPosition(staker, dev)
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
	for _, c := range b.devices[dev].cooling {
		total += c.Amount.Units()
	}
	return total
}

// coolingOn returns the cooldowns of dev's stake, oldest first.
func (b *StakeBook) coolingOn(dev iog.DeviceID) []*Cooldown {
	out := slices.Collect(maps.Values(b.devices[dev].cooling))
	slices.SortFunc(out, func(a, b *Cooldown) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// addCooldown files c under its ID and its device, which is in the book.
func (b *StakeBook) addCooldown(c *Cooldown) {
	b.cooldowns[c.ID] = c
	b.devices[c.Device].cooling[c.ID] = c
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
	if staker == d.owner {
		if err := b.checkOwnerUnstake(what, d, amount); err != nil {
			return Cooldown{}, err
		}
	}
	d.positions[i].Active = iog.NewAmount(d.positions[i].Active.Units()-amount.Units(), iog.IO)
	return b.startCooldown(dev, staker, amount), nil
}

// startCooldown starts the cooldown of amount of staker's stake on dev,
// as long as the staker's role on it says (cooldownOf).
func (b *StakeBook) startCooldown(dev iog.DeviceID, staker iog.WalletAddress, amount iog.Amount) Cooldown {
	b.nextID++
	wait := b.cooldownOf(b.devices[dev], staker)
	c := &Cooldown{ID: b.nextID, Device: dev, Staker: staker, Amount: amount, Ready: b.clock.Now().Add(wait)}
	b.addCooldown(c)
	return *c
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
		delete(b.devices[c.Device].cooling, c.ID)
		b.prune(c.Device)
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
		Device:       dev,
		Owner:        d.owner,
		Required:     d.required,
		Active:       iog.NewAmount(d.active(), iog.IO),
		Cooling:      iog.NewAmount(b.cooling(dev), iog.IO),
		Held:         iog.NewAmount(d.held, iog.IO),
		Positions:    slices.Clone(d.positions),
		Deregistered: d.leaving,
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

func (b *StakeBook) device(what string, dev iog.DeviceID) (*deviceBook, error) {
	d, ok := b.devices[dev]
	if !ok {
		return nil, fmt.Errorf("%s: device %q is not registered: %w", what, dev, iog.ErrNotFound)
	}
	return d, nil
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
