package refserver

import (
	"context"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tunnel"
)

// ClusterRounds returns a round of the leader's cluster loops, on a
// scheduler built as a new leadership builds it: tests run the rounds one
// at a time instead of on the clock.
func (s *Server) ClusterRounds() func(context.Context) error {
	p := newPlacer(s)
	return func(ctx context.Context) error {
		if err := p.step(ctx); err != nil {
			return err
		}
		return s.settleRentals(ctx)
	}
}

// MarkSilentDevices runs the heartbeat timeout's round.
func (s *Server) MarkSilentDevices(ctx context.Context) error { return s.markSilentDevices(ctx) }

// FeeAccount is the network's fee account.
func (s *Server) FeeAccount() iog.WalletAddress { return s.accounts.Fees }

// CreditsAccount is the network's account of payments refunded as
// credits.
func (s *Server) CreditsAccount() iog.WalletAddress { return s.accounts.Credits }

// RentalRecords are the rentals the relay is restored from.
func (s *Server) RentalRecords(ctx context.Context) ([]tunnel.Rental, error) {
	return s.rentalRecords(ctx)
}
