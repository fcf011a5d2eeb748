package gpu

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

// Someone asking for one device's nonces over and over withdraws them as
// fast as they come; the withdrawn nonces must not pile up in the book's
// expiry queue while a live nonce ahead of them keeps it from draining.
func TestNonceBookWithdrawnDoNotAccumulate(t *testing.T) {
	clock := iog.NewManualClock(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	book := NewNonceBook(clock, rand.NewChaCha8([32]byte{1}), time.Minute, 4)
	_, err := book.Issue("honest") // stays live at the head of the queue
	require.NoError(t, err)
	for range 100_000 {
		_, err := book.Issue("victim")
		require.NoError(t, err)
	}
	book.mu.Lock()
	defer book.mu.Unlock()
	require.Len(t, book.entries, 5)
	require.LessOrEqual(t, len(book.queue), 2*len(book.entries)+nonceQueueSlack, "the queue holds %d nonces for %d live ones", len(book.queue), len(book.entries))
}
