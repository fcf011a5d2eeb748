package refserver

import (
	"context"

	"github.com/internetofgpus/iog"
)

// SettleEpoch runs the epoch loop's step once, for the tests.
func (s *Server) SettleEpoch(ctx context.Context) error { return s.settleEpoch(ctx) }

// NetworkAccounts returns the fee and market accounts of s, for the tests.
func NetworkAccounts(s *Server) (fees, market iog.WalletAddress) {
	return s.accounts.Fees, s.accounts.Market
}
