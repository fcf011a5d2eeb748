package ledger_test

import (
	"context"
	"crypto/ed25519"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
	"github.com/internetofgpus/iog/tokenomics/ledger/ledgertest"
)

var (
	ctx = context.Background()
	t0  = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// authority is a fixed key, so tests and the crash child agree.
	authority = ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
)

// The suite's helpers, by the short names the tests here use.
var (
	wallet    = ledgertest.Wallet
	io        = ledgertest.IO
	apply     = ledgertest.Apply
	open      = ledgertest.Open
	available = ledgertest.Available
)

func TestMemory(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T) ledger.Ledger {
		return ledger.NewMemory(ledger.MemoryConfig{Clock: iog.NewManualClock(t0)})
	})
}

func TestFile(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T) ledger.Ledger {
		return openFile(t, filepath.Join(t.TempDir(), "ledger"))
	})
}

func openFile(t testing.TB, path string) *ledger.File {
	t.Helper()
	l, err := ledger.OpenFile(ctx, path, ledger.FileConfig{Authority: authority, Clock: iog.NewManualClock(t0)})
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return l
}

// TestMemoryDefaultClock: a ledger without a clock stamps entries with the
// system's time.
func TestMemoryDefaultClock(t *testing.T) {
	l := ledger.NewMemory(ledger.MemoryConfig{})
	before := time.Now()
	e := apply(t, l, ledger.Op{Kind: ledger.Open, Key: "k", Reason: "r", To: wallet(1)})
	require.False(t, e.Time.Before(before.Truncate(time.Second)))
	require.Equal(t, time.UTC, e.Time.Location())
}
