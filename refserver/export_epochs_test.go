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

// LoopCount returns how many loops the leader runs, for the tests that
// wait until every loop sleeps on the clock.
func LoopCount(s *Server) int { return len(s.loopTable()) }

// Prune runs the prune loop's step once, for the tests.
func (s *Server) Prune(ctx context.Context) error { return s.prune(ctx) }

// RewardsAccount returns the account that holds the block rewards of s
// until they are claimed, for the tests.
func (s *Server) RewardsAccount() iog.WalletAddress { return s.accounts.Rewards }
