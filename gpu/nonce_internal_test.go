package gpu

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

// Issuing nonces keeps nothing; used nonces are kept a TTL past their
// expiry and then forgotten, so the book's memory follows the reports
// accepted in the last two TTLs, not the nonces asked for.
func TestNonceBookMemory(t *testing.T) {
	clock := iog.NewManualClock(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	book := NewNonceBook(NonceBookConfig{Clock: clock, Random: rand.NewChaCha8([32]byte{1}), TTL: time.Minute})
	for range 100_000 {
		_, err := book.Issue("victim")
		require.NoError(t, err)
	}
	require.Empty(t, book.used.set)

	most := 0
	for range 10_000 { // one report a second for almost three hours
		ch, err := book.Issue("rig-1")
		require.NoError(t, err)
		require.NoError(t, book.Use("rig-1", ch.Nonce))
		most = max(most, len(book.used.set))
		clock.Advance(time.Second)
	}
	require.LessOrEqual(t, most, 2*120+minUsedSweep, "at most two TTLs of used nonces, and the sweep's slack")
}
