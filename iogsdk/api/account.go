package api

import (
	"time"

	"github.com/internetofgpus/iog"
)

// Account is a wallet's holdings.
type Account struct {
	Wallet   iog.WalletAddress `json:"wallet"`
	Balances []Balance         `json:"balances"`
	// Unclaimed is the IO of the block rewards the wallet earned and has
	// not claimed yet (RewardClaim): not in its balances until it does.
	Unclaimed iog.Amount `json:"unclaimed"`
}

// RewardClaim is a claim of a wallet's block rewards: every share of an
// epoch's reward it had not claimed, paid at once from the network's
// rewards account into its IO balance.
type RewardClaim struct {
	ID     int64             `json:"id"`
	Wallet iog.WalletAddress `json:"wallet"`
	// Amount is the sum of the Shares shares the claim paid, earned in
	// the epochs FirstEpoch to LastEpoch.
	Amount     iog.Amount `json:"amount"`
	Shares     int        `json:"shares"`
	FirstEpoch uint64     `json:"first_epoch"`
	LastEpoch  uint64     `json:"last_epoch"`
	Claimed    time.Time  `json:"claimed"`
	// Account is the wallet's account after the claim.
	Account Account `json:"account"`
}

// Balance is an account's holdings of one currency: Available can be
// spent; Held is in escrow.
type Balance struct {
	Currency  iog.Currency `json:"currency"`
	Available iog.Amount   `json:"available"`
	Held      iog.Amount   `json:"held"`
}
