package refserver

import (
	"context"

	"github.com/internetofgpus/iog/refserver/store"
)

// pruneLoops forget what every signed or mutating request leaves behind
// once it can serve no purpose: a heartbeat each 20 s from each of
// 100,000 devices is 5,000 nonces and idempotency records a second, which
// kept would grow the database by gigabytes a day and deepen the indexes
// every request writes. A nonce lives as long as a request with it may
// be accepted, so the loop runs that often.
func (s *Server) pruneLoops() []loop {
	return []loop{{name: "prune", every: s.cfg.MaxClockSkew, step: s.prune}}
}

// pruneBatch is how many rows one transaction of the prune loop deletes:
// a backlog (after a long stop) goes a part at a time, and the requests'
// batches take the database between the parts.
const pruneBatch = 5000

// prune deletes the expired nonces, the idempotency records older than
// Config.IdempotencyTTL, the expired sign-in challenges and sessions, the
// telemetry samples older than Config.TelemetryKeep and the up stretches
// that ended before the longest health window, a part at a time, until
// none is left.
func (s *Server) prune(ctx context.Context) error {
	now := s.cfg.Clock.Now().UTC()
	for _, part := range []func(tx *store.Tx) (int64, error){
		func(tx *store.Tx) (int64, error) { return tx.PruneNonces(now.Add(-s.cfg.MaxClockSkew), pruneBatch) },
		func(tx *store.Tx) (int64, error) {
			return tx.PruneIdempotency(now.Add(-s.cfg.IdempotencyTTL), pruneBatch)
		},
		func(tx *store.Tx) (int64, error) { return tx.PruneSessionChallenges(now, pruneBatch) },
		func(tx *store.Tx) (int64, error) { return tx.PruneSessions(now, pruneBatch) },
		func(tx *store.Tx) (int64, error) { return tx.PruneTelemetry(now.Add(-s.cfg.TelemetryKeep), pruneBatch) },
		func(tx *store.Tx) (int64, error) {
			return tx.PruneUptime(now.Add(-healthWindows[len(healthWindows)-1]), pruneBatch)
		},
	} {
		for {
			var n int64
			err := s.store.Tx(ctx, func(tx *store.Tx) (err error) {
				n, err = part(tx)
				return err
			})
			if err != nil {
				return err
			}
			if n < pruneBatch {
				break
			}
		}
	}
	return nil
}
