package api

import (
	"time"

	"github.com/internetofgpus/iog"
)

// StakeRequest stakes or unstakes an amount of IO on a device.
type StakeRequest struct {
	Amount iog.Amount `json:"amount"`
}

// DeviceStake is the stake on a device, public as it is on chain: what its
// hardware requires, what is active (counts and earns), cooling (unstaked,
// waiting to be withdrawn) and held by slashes not yet decided, and every
// staker's active position.
type DeviceStake struct {
	Device   iog.DeviceID      `json:"device"`
	Owner    iog.WalletAddress `json:"owner"`
	Required iog.Amount        `json:"required"`
	Active   iog.Amount        `json:"active"`
	Cooling  iog.Amount        `json:"cooling"`
	Held     iog.Amount        `json:"held"`
	// Meets reports whether the active stake reaches the required stake.
	Meets     bool            `json:"meets"`
	Positions []StakePosition `json:"positions"`
	// Deregistered reports a removed device whose stake is still cooling
	// down or held by a slash.
	Deregistered bool `json:"deregistered"`
}

// StakePosition is one staker's active stake on a device.
type StakePosition struct {
	Staker iog.WalletAddress `json:"staker"`
	Active iog.Amount        `json:"active"`
}

// Cooldown is unstaked IO on its way back to its staker: withdrawable
// from Ready on.
type Cooldown struct {
	ID     uint64            `json:"id"`
	Device iog.DeviceID      `json:"device"`
	Staker iog.WalletAddress `json:"staker"`
	Amount iog.Amount        `json:"amount"`
	Ready  time.Time         `json:"ready"`
}

// UnstakeResponse is the cooldown an unstake started and the device's
// stake after it.
type UnstakeResponse struct {
	Cooldown Cooldown    `json:"cooldown"`
	Stake    DeviceStake `json:"stake"`
}

// WalletStakes is a wallet's stake: its active positions, device by
// device, and its cooldowns not yet withdrawn, oldest first, with their
// totals.
type WalletStakes struct {
	Wallet    iog.WalletAddress `json:"wallet"`
	Positions []WalletPosition  `json:"positions"`
	Cooldowns []Cooldown        `json:"cooldowns"`
	Active    iog.Amount        `json:"active"`
	Cooling   iog.Amount        `json:"cooling"`
}

// WalletPosition is a wallet's active stake on one device.
type WalletPosition struct {
	Device iog.DeviceID `json:"device"`
	Active iog.Amount   `json:"active"`
}

// StakeWithdrawal is what a withdrawal of matured cooldowns paid back to
// the wallet's available balance, the cooldowns it ended, and the
// wallet's balances after it.
type StakeWithdrawal struct {
	Withdrawn iog.Amount `json:"withdrawn"`
	Cooldowns []Cooldown `json:"cooldowns"`
	Account   Account    `json:"account"`
}

// SlashReason says why a slash is proposed.
type SlashReason string

// The reasons for a slash.
const (
	SlashSpoofedHardware      SlashReason = "spoofed_hardware"
	SlashFalsifiedData        SlashReason = "falsified_data"
	SlashServiceInconsistency SlashReason = "service_inconsistency"
)

// SlashState is where a slash is in its life: pending (in its appeal
// window), appealed, burned (upheld) or returned (overturned).
type SlashState string

// The states of a slash.
const (
	SlashPending  SlashState = "pending"
	SlashAppealed SlashState = "appealed"
	SlashBurned   SlashState = "burned"
	SlashReturned SlashState = "returned"
)

// ProposeSlashRequest proposes a slash of a device's stake, with the
// evidence for it.
type ProposeSlashRequest struct {
	Device   iog.DeviceID `json:"device"`
	Amount   iog.Amount   `json:"amount"`
	Reason   SlashReason  `json:"reason"`
	Evidence string       `json:"evidence"`
}

// AppealRequest appeals a pending slash.
type AppealRequest struct {
	Statement string `json:"statement"`
}

// SlashDecision decides a slash: upheld, its stake is burned; not, it
// goes back to the stakes it came from.
type SlashDecision struct {
	Upheld bool `json:"upheld"`
}

// Slash is a proposed slash and what became of it, public as governance
// is: the stake it took from each staker (Shares), held until decided.
type Slash struct {
	ID       uint64       `json:"id"`
	Device   iog.DeviceID `json:"device"`
	Amount   iog.Amount   `json:"amount"`
	Reason   SlashReason  `json:"reason"`
	Evidence string       `json:"evidence"`
	Proposed time.Time    `json:"proposed"`
	// Deadline ends the appeal window.
	Deadline   time.Time          `json:"deadline"`
	State      SlashState         `json:"state"`
	Appeal     string             `json:"appeal,omitempty"`
	AppealedBy *iog.WalletAddress `json:"appealed_by,omitempty"`
	Shares     []SlashShare       `json:"shares"`
}

// SlashShare is what a slash took from one staker.
type SlashShare struct {
	Wallet iog.WalletAddress `json:"wallet"`
	Amount iog.Amount        `json:"amount"`
}

// SlashList is a page of slashes; Next, when set, continues it.
type SlashList struct {
	Slashes []Slash `json:"slashes"`
	Next    string  `json:"next,omitempty"`
}

// WithdrawalRequest withdraws funds off the network to a Solana address.
type WithdrawalRequest struct {
	Amount iog.Amount        `json:"amount"`
	To     iog.WalletAddress `json:"to"`
}

// The statuses of a withdrawal: pending until it is paid out on Solana
// (which only a server that settles on Solana does), then paid.
const (
	WithdrawalPending = "pending"
	WithdrawalPaid    = "paid"
)

// Withdrawal is a withdrawal of funds off the network.
type Withdrawal struct {
	ID      string            `json:"id"`
	Wallet  iog.WalletAddress `json:"wallet"`
	Amount  iog.Amount        `json:"amount"`
	To      iog.WalletAddress `json:"to"`
	Status  string            `json:"status"`
	Created time.Time         `json:"created"`
	Updated time.Time         `json:"updated"`
}

// WithdrawalList is a page of a wallet's withdrawals, newest first; Next,
// when set, continues it.
type WithdrawalList struct {
	Withdrawals []Withdrawal `json:"withdrawals"`
	Next        string       `json:"next,omitempty"`
}

// Earnings is a wallet's earnings and expenses: a page of the ledger
// entries that moved its balances, and what came in and went out per
// currency over all of them.
type Earnings struct {
	Wallet  iog.WalletAddress `json:"wallet"`
	Entries []LedgerEntry     `json:"entries"`
	Totals  []Flow            `json:"totals"`
	// Next, when set, continues the entries after the page.
	Next string `json:"next,omitempty"`
}

// LedgerEntry is one ledger entry as a wallet saw it: its kind (mint,
// burn, transfer, hold, release), its reason, and what it changed of the
// wallet's available and held balances (negative for a debit).
type LedgerEntry struct {
	Seq       uint64     `json:"seq"`
	Time      time.Time  `json:"time"`
	Kind      string     `json:"kind"`
	Reason    string     `json:"reason"`
	Amount    iog.Amount `json:"amount"`
	Available iog.Amount `json:"available"`
	Held      iog.Amount `json:"held"`
	// Settlement is the entry's settlement on Solana; absent when the
	// server does not settle its ledger.
	Settlement *Settlement `json:"settlement,omitempty"`
}

// The statuses of an entry's settlement on Solana.
const (
	// SettlementPending is an entry not on-chain yet.
	SettlementPending = "pending"
	// SettlementSettled is an entry on-chain: Signature names its
	// transaction.
	SettlementSettled = "settled"
	// SettlementFailed is an entry the chain refused (Error says why):
	// settling stops there until an operator has looked.
	SettlementFailed = "failed"
)

// Settlement is a ledger entry's settlement on Solana.
type Settlement struct {
	// Status is SettlementPending, SettlementSettled or SettlementFailed.
	Status string `json:"status"`
	// Signature is the settled entry's transaction signature, in base58.
	Signature string `json:"signature,omitempty"`
	// Error is the chain's refusal of a failed entry.
	Error string `json:"error,omitempty"`
}

// Flow is what came into a wallet (earnings) and what left it
// (expenses) in one currency; moving its own funds between available and
// held is neither.
type Flow struct {
	Currency iog.Currency `json:"currency"`
	In       iog.Amount   `json:"in"`
	Out      iog.Amount   `json:"out"`
}
