package api

import (
	"time"

	"github.com/internetofgpus/iog"
)

// EarningsHistory is a wallet's earnings over its last days, a bucket a
// UTC day, the oldest first, today last.
type EarningsHistory struct {
	Wallet iog.WalletAddress `json:"wallet"`
	Days   []EarningsDay     `json:"days"`
}

// EarningsDay is one UTC day of a wallet's earnings, exact: Rewards is
// the block rewards its devices were allotted by the epochs that ended
// that day (claimed or not), Rentals what its devices were paid for the
// clusters they ran (the suppliers' payouts of the cluster hours paid out
// that day), and Fees the network fees its own clusters paid that day. An
// amount a currency, by currency, with none for a currency that did not
// move.
type EarningsDay struct {
	Day     time.Time    `json:"day"`
	Rewards iog.Amount   `json:"rewards"`
	Rentals []iog.Amount `json:"rentals"`
	Fees    []iog.Amount `json:"fees"`
}
