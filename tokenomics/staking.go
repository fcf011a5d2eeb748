package tokenomics

import (
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
// not allow (a device registered twice, stake on a deregistered device,
// a co-stake or an owner's unstake the co-staking rules refuse)
// iog.ErrConflict.
type Staker interface {
	// Register declares a device, its owner and the stake it needs
	// (see RequiredStake).
	Register(dev iog.DeviceID, owner iog.WalletAddress, required iog.Amount) error
	// Deregister takes a device out of the book, the pair of Register.
	// Its stake leaves as an unstake does: every active position starts
	// its cooldown, withdrawn at its end like the cooldowns already
	// running, and Deregister returns the cooldowns it started. From then
	// on the device takes no stake and earns nothing, but its cooling
	// stake can still be slashed, as any cooling stake can, so leaving
	// escapes no case; and a slash of the device pending or appealed is
	// decided first (until then Deregister is iog.ErrConflict). The book
	// forgets the device by itself once its last cooldown is withdrawn
	// and no slash holds any of its stake; until then its ID cannot be
	// registered again (iog.ErrConflict) and Device reports it
	// Deregistered.
	Deregister(dev iog.DeviceID) ([]Cooldown, error)
	// Stake adds amount of staker's tokens to the device's stake. The
	// staker may be the owner or anyone else (a co-staker), whose stake
	// keeps to the co-staking rules (CoStakingRules).
	Stake(dev iog.DeviceID, staker iog.WalletAddress, amount iog.Amount) error
	// Unstake starts the cooldown of amount of staker's stake on the
	// device. It cannot be reversed: from now on that amount neither
	// counts toward the device's stake nor earns, though it can still be
	// slashed, and it becomes withdrawable when the cooldown ends: an
	// owner's cooldown and a co-staker's differ (StakingConfig). An
	// owner keeps the share of the required stake the co-staking rules
	// ask while a co-staker has stake on the device.
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
	// Clock dates cooldowns and slashes. Nil means iog.SystemClock.
	Clock iog.Clock
	// Cooldown is how long an owner's unstaked tokens wait before they
	// can be withdrawn. Zero means DefaultCooldown, 14 days.
	Cooldown time.Duration
	// CoStakerCooldown is how long a co-staker's unstaked tokens wait.
	// Zero means DefaultCoStakerCooldown, 21 days. A cooldown's length is
	// chosen when it starts, by the staker's role on the device.
	CoStakerCooldown time.Duration
	// AppealWindow is how long a proposed slash waits for an appeal. Zero
	// means 30 days, the network's month of reconsideration.
	AppealWindow time.Duration
	// CoStaking limits the stake of wallets other than the owner. The
	// zero value is io.net's rules.
	CoStaking CoStakingRules
}

// DefaultCooldown and DefaultAppealWindow are the durations a zero
// StakingConfig uses. The owner's 14-day cooldown is io.net's
// documentation.
const (
	DefaultCooldown     = 14 * 24 * time.Hour
	DefaultAppealWindow = 30 * 24 * time.Hour
)

// Position is one staker's stake on a device.
type Position struct {
	Staker iog.WalletAddress `json:"staker"`
	// Active is the stake that counts and earns.
	Active iog.Amount `json:"active"`
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
	// Deregistered reports a device deregistered whose stake is still
	// cooling down or held by a slash.
	Deregistered bool
}

// Meets reports whether the active stake reaches the required stake.
func (d DeviceStake) Meets() bool { return d.Active.Units() >= d.Required.Units() }

// Cooldown is stake on its way out.
type Cooldown struct {
	ID     uint64            `json:"id"`
	Device iog.DeviceID      `json:"device"`
	Staker iog.WalletAddress `json:"staker"`
	Amount iog.Amount        `json:"amount"`
	// Ready is when the amount can be withdrawn.
	Ready time.Time `json:"ready"`
}

// Share is one wallet's part of a reward or a slash.
type Share struct {
	Wallet iog.WalletAddress `json:"wallet"`
	Amount iog.Amount        `json:"amount"`
}
