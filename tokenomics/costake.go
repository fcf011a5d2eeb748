package tokenomics

import (
	"fmt"
	"slices"
	"time"

	"github.com/internetofgpus/iog"
)

// CoStakingRules limit co-staking, the stake wallets other than a
// device's owner put on it. Only active stake counts toward them: stake
// cooling down, withdrawn or held by a slash has left its position. The
// zero value is io.net's rules, as io.net's documentation states them: a
// co-staker provides at most 50% of the device's required stake, after
// the owner has staked at least 50%; one co-staker a device; an account
// co-stakes on at most 2 devices.
//
// The rules limit what a staker adds, and what an owner takes away from
// under its co-stakers; a slash takes stake from everyone alike, and a
// slash overturned gives back what it took even where that puts a
// device past a limit. A requirement that changes after the stake is in
// does not undo it either: the limits are checked when stake is added.
type CoStakingRules struct {
	// CoStakerShare is the most of a device's required stake its
	// co-stakers provide, their active stake together, rounded down to a
	// base unit. With one co-staker a device it is that co-staker's
	// limit. Zero means DefaultCoStakerShare, 50%.
	CoStakerShare iog.Rate
	// OwnerFirstShare is the least of the required stake the owner has
	// active, rounded up to a base unit, before a co-staker may stake,
	// and below which the owner may not unstake while a co-staker has
	// active stake on the device. Zero means DefaultOwnerFirstShare, 50%.
	OwnerFirstShare iog.Rate
	// CoStakersPerDevice is how many co-stakers may have active stake on
	// one device. Zero means DefaultCoStakersPerDevice, 1.
	CoStakersPerDevice int
	// CoStakesPerAccount is on how many devices, not its own, one wallet
	// may have active stake. Zero means DefaultCoStakesPerAccount, 2.
	CoStakesPerAccount int
}

// The co-staking rules of a zero CoStakingRules, from io.net's
// documentation.
var (
	DefaultCoStakerShare   = iog.BasisPoints(5_000)
	DefaultOwnerFirstShare = iog.BasisPoints(5_000)
)

// The co-staking counts of a zero CoStakingRules, from io.net's
// documentation ("one co-staker per offer"; "an account claims at most 2
// offers", an offer being a device open to co-staking).
const (
	DefaultCoStakersPerDevice = 1
	DefaultCoStakesPerAccount = 2
)

// DefaultCoStakerCooldown is how long a co-staker's unstaked tokens wait
// before they can be withdrawn, 21 days by io.net's documentation, a
// week longer than an owner's (DefaultCooldown).
const DefaultCoStakerCooldown = 21 * 24 * time.Hour

func (r CoStakingRules) withDefaults() CoStakingRules {
	if r.CoStakerShare.IsZero() {
		r.CoStakerShare = DefaultCoStakerShare
	}
	if r.OwnerFirstShare.IsZero() {
		r.OwnerFirstShare = DefaultOwnerFirstShare
	}
	if r.CoStakersPerDevice <= 0 {
		r.CoStakersPerDevice = DefaultCoStakersPerDevice
	}
	if r.CoStakesPerAccount <= 0 {
		r.CoStakesPerAccount = DefaultCoStakesPerAccount
	}
	return r
}

// coStakeCap is the most a device's co-stakers may have active together.
func (r CoStakingRules) coStakeCap(what string, required iog.Amount) (int64, error) {
	limit, err := required.MulRate(r.CoStakerShare, iog.RoundDown)
	if err != nil {
		return 0, fmt.Errorf("%s: the co-stakers' share of %v: %w", what, required, err)
	}
	return limit.Units(), nil
}

// ownerFloor is the least the owner has active before a co-stake, and
// keeps while a co-staker has stake on the device.
func (r CoStakingRules) ownerFloor(what string, required iog.Amount) (int64, error) {
	floor, err := required.MulRate(r.OwnerFirstShare, iog.RoundUp)
	if err != nil {
		return 0, fmt.Errorf("%s: the owner's share of %v: %w", what, required, err)
	}
	return floor.Units(), nil
}

// ownerActive returns the owner's active stake on the device.
func (d *deviceBook) ownerActive() int64 {
	if i := d.position(d.owner); i >= 0 {
		return d.positions[i].Active.Units()
	}
	return 0
}

// coStake returns the co-stakers' active stake on the device, together,
// and how many of them have any other than except.
func (d *deviceBook) coStake(except iog.WalletAddress) (total int64, others int) {
	for _, p := range d.positions {
		if p.Staker == d.owner || p.Active.IsZero() {
			continue
		}
		total += p.Active.Units()
		if p.Staker != except {
			others++
		}
	}
	return total, others
}

// coStakedDevices returns the devices, other than except, on which w has
// active stake and is not the owner, in order.
func (b *StakeBook) coStakedDevices(w iog.WalletAddress, except iog.DeviceID) []iog.DeviceID {
	var out []iog.DeviceID
	for dev := range b.positionIndex()[w] {
		d := b.devices[dev]
		if dev == except || d.owner == w {
			continue
		}
		if i := d.position(w); i >= 0 && !d.positions[i].Active.IsZero() {
			out = append(out, dev)
		}
	}
	slices.Sort(out)
	return out
}

// checkCoStake checks that amount more of staker's stake on the device,
// which staker does not own, keeps to the co-staking rules.
func (b *StakeBook) checkCoStake(what string, dev iog.DeviceID, d *deviceBook, staker iog.WalletAddress, amount iog.Amount) error {
	r := b.cfg.CoStaking
	floor, err := r.ownerFloor(what, d.required)
	if err != nil {
		return err
	}
	limit, err := r.coStakeCap(what, d.required)
	if err != nil {
		return err
	}
	if owner := d.ownerActive(); owner < floor {
		return fmt.Errorf("%s: the owner must first have %v active (%s of the %v required), and has %v: %w",
			what, iog.NewAmount(floor, iog.IO), Percent(r.OwnerFirstShare, 0), d.required, iog.NewAmount(owner, iog.IO), iog.ErrConflict)
	}
	total, others := d.coStake(staker)
	if i := d.position(staker); i < 0 || d.positions[i].Active.IsZero() {
		// A new co-staker takes one of the device's places and one of
		// the account's.
		if others >= r.CoStakersPerDevice {
			return fmt.Errorf("%s: the device has %d co-staker(s) already, the most it takes: %w", what, others, iog.ErrConflict)
		}
		if on := b.coStakedDevices(staker, dev); len(on) >= r.CoStakesPerAccount {
			return fmt.Errorf("%s: %v co-stakes on %d devices already (%v), the most one account may: %w", what, staker, len(on), on, iog.ErrConflict)
		}
	}
	if amount.Units() > limit-total {
		return fmt.Errorf("%s: co-stakers may provide at most %v (%s of the %v required); they have %v, and %v more would make %v: %w",
			what, iog.NewAmount(limit, iog.IO), Percent(r.CoStakerShare, 0), d.required, iog.NewAmount(total, iog.IO), amount,
			iog.NewAmount(total+amount.Units(), iog.IO), iog.ErrConflict)
	}
	return nil
}

// checkOwnerUnstake checks that the owner's unstaking amount keeps what
// it must have active while a co-staker has stake on the device.
func (b *StakeBook) checkOwnerUnstake(what string, d *deviceBook, amount iog.Amount) error {
	if total, _ := d.coStake(iog.WalletAddress{}); total == 0 {
		return nil
	}
	floor, err := b.cfg.CoStaking.ownerFloor(what, d.required)
	if err != nil {
		return err
	}
	if left := d.ownerActive() - amount.Units(); left < floor {
		return fmt.Errorf("%s: while a co-staker has stake on the device the owner keeps %v active (%s of the %v required); %v less would leave %v: %w",
			what, iog.NewAmount(floor, iog.IO), Percent(b.cfg.CoStaking.OwnerFirstShare, 0), d.required, amount, iog.NewAmount(left, iog.IO), iog.ErrConflict)
	}
	return nil
}

// cooldownOf returns how long staker's unstaked tokens on the device
// wait: an owner's Cooldown, a co-staker's CoStakerCooldown.
func (b *StakeBook) cooldownOf(d *deviceBook, staker iog.WalletAddress) time.Duration {
	if staker == d.owner {
		return b.cfg.Cooldown
	}
	return b.cfg.CoStakerCooldown
}

// positionIndex returns the devices each wallet has a position on,
// building the index if the book has none yet (a restored book); from
// then on indexPosition and unindexPositions keep it.
func (b *StakeBook) positionIndex() map[iog.WalletAddress]map[iog.DeviceID]struct{} {
	if b.stakedOn == nil {
		b.stakedOn = make(map[iog.WalletAddress]map[iog.DeviceID]struct{})
		for dev, d := range b.devices {
			for _, p := range d.positions {
				b.indexPosition(p.Staker, dev)
			}
		}
	}
	return b.stakedOn
}

// indexPosition records w's new position on dev, if the index is built.
func (b *StakeBook) indexPosition(w iog.WalletAddress, dev iog.DeviceID) {
	if b.stakedOn == nil {
		return
	}
	on := b.stakedOn[w]
	if on == nil {
		on = make(map[iog.DeviceID]struct{})
		b.stakedOn[w] = on
	}
	on[dev] = struct{}{}
}

// unindexPositions forgets the device's positions, which it is about to
// lose, if the index is built.
func (b *StakeBook) unindexPositions(dev iog.DeviceID, d *deviceBook) {
	if b.stakedOn == nil {
		return
	}
	for _, p := range d.positions {
		delete(b.stakedOn[p.Staker], dev)
		if len(b.stakedOn[p.Staker]) == 0 {
			delete(b.stakedOn, p.Staker)
		}
	}
}
