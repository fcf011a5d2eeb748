package refserver

import (
	"context"

	"github.com/internetofgpus/iog/tunnel"
)

// rentalRecords returns every rental the relay authorizes renters by. The
// clusters area records rentals and defines this function over its
// rentals table; until it lands nothing is rented, and the relay admits
// workers only.
func (s *Server) rentalRecords(context.Context) ([]tunnel.Rental, error) { return nil, nil }
