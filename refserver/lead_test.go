package refserver_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/internal/sqltest"
	"github.com/internetofgpus/iog/refserver"
)

// TestLeadership: of two servers on one PostgreSQL database exactly one
// leads; when it stops, the other takes over.
func TestLeadership(t *testing.T) {
	_, dsn := sqltest.OpenDSN(t, sqldb.Postgres)
	start := func() (*refserver.Server, context.CancelFunc, chan error) {
		s, err := refserver.New(ctx, refserver.Config{
			PostgresDSN: dsn, Authority: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32)),
			Clock: iog.NewManualClock(t0), Logger: slog.New(slog.DiscardHandler), LeaderPoll: 20 * time.Millisecond,
		})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		run, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- s.Run(run) }()
		return s, cancel, done
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for i := 0; !cond(); i++ {
			require.Less(t, i, 5000, what)
			time.Sleep(time.Millisecond)
		}
	}
	a, stopA, doneA := start()
	waitFor("a leads", a.Leading)
	b, stopB, doneB := start()
	defer func() { stopB(); require.NoError(t, <-doneB) }()
	time.Sleep(100 * time.Millisecond) // several of b's polls
	require.False(t, b.Leading(), "one leader at a time")
	stopA()
	require.NoError(t, <-doneA)
	waitFor("b takes over", b.Leading)
	require.False(t, a.Leading())
}
