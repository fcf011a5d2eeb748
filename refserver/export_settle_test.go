package refserver

import "context"

// Settle runs the settlement loop's step once, for the tests.
func (s *Server) Settle(ctx context.Context) error { return s.settler.step(ctx) }
