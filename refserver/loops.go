package refserver

import (
	"context"
	"errors"
	"time"

	"github.com/internetofgpus/iog"
)

// loop is a component of the network's background work, run by the one
// server that leads (see lead): every interval, its step does one round
// (place waiting clusters, mark silent devices down, run the epoch due),
// each round its own transactions. A step must be safe to run again after
// a crash in the middle of it, and must do nothing twice: what it did is
// in the database, and it starts from there.
type loop struct {
	name  string
	every time.Duration
	step  func(ctx context.Context) error
}

// loopTable lists the loops, area by area.
func (s *Server) loopTable() []loop {
	var all []loop
	for _, area := range [][]loop{s.deviceLoops(), s.epochLoops(), s.clusterLoops(), s.relayLoops(), s.pruneLoops(), s.settlementLoops()} {
		all = append(all, area...)
	}
	return all
}

// runLoops runs every loop until ctx ends; a step that fails is logged
// and tried again at its next round.
func (s *Server) runLoops(ctx context.Context) {
	done := make(chan struct{})
	loops := s.loopTable()
	for _, l := range loops {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				if err := l.step(ctx); err != nil && ctx.Err() == nil {
					s.log.Warn("loop step failed", "loop", l.name, "err", err)
				}
				if iog.Sleep(ctx, s.cfg.Clock, l.every) != nil {
					return
				}
			}
		}()
	}
	for range loops {
		<-done
	}
}

// Run leads the network's loops while this server holds the leadership,
// until ctx ends: on SQLite it leads at once (one process uses the file);
// on PostgreSQL it waits for the leader's lock, so that of several servers
// on one database exactly one runs the loops, and another takes over
// within LeaderPoll when it dies.
func (s *Server) Run(ctx context.Context) error {
	for {
		lease, err := s.store.Lead(ctx, s.cfg.LeaderPoll)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		s.log.Info("leading the network's loops")
		s.leading.Store(true)
		leadCtx, cancel := context.WithCancel(ctx)
		go func() {
			// Leadership ends when the lock's connection does.
			<-lease.Lost()
			cancel()
		}()
		s.runLoops(leadCtx)
		cancel()
		s.leading.Store(false)
		lease.Release()
		if ctx.Err() != nil {
			return nil
		}
		if err := lease.Err(); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Warn("lost the leadership", "err", err)
		}
	}
}

// Leading reports whether this server runs the loops now.
func (s *Server) Leading() bool { return s.leading.Load() }
