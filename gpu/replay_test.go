package gpu_test

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// wallClock is a clock that can be set anywhere, backwards too, as a
// machine's wall clock can be.
type wallClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *wallClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *wallClock) After(d time.Duration) <-chan time.Time { return iog.SystemClock.After(d) }

func (c *wallClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// A used nonce stays used whatever the clock does: once its device has
// forgotten it, a clock set back before its expiry must not make its
// report acceptable again, in the Verifier or after a restore.
func TestVerifierReplayAfterClockStepsBack(t *testing.T) {
	clock := &wallClock{now: epoch}
	cfg := gpu.VerifierConfig{Clock: clock, Random: seeded(30), NonceKey: [32]byte{3, 0}}
	v := gpu.NewVerifier(cfg)
	key, err := gpu.NewKeypair(seeded(31))
	require.NoError(t, err)
	require.NoError(t, v.Register("rig-1", key.Address()))
	n := &net{v: v, rng: newNet(32).rng}
	inv := h100Host(n.rng, 2)
	first := n.signed(t, key, "rig-1", inv)
	_, err = v.Verify(first)
	require.NoError(t, err)

	// Two TTLs later another report makes the device forget the first
	// nonce, which its expiry refuses anyway.
	clock.set(epoch.Add(2*gpu.DefaultNonceTTL + time.Second))
	_, err = v.Verify(n.signed(t, key, "rig-1", n.moved(inv)))
	require.NoError(t, err)
	rec, ok := v.Record("rig-1")
	require.True(t, ok)
	require.Len(t, rec.UsedNonces, 1, "the first nonce is forgotten")
	clock.set(epoch.Add(gpu.DefaultNonceTTL + time.Second))
	_, err = v.Verify(n.signed(t, key, "rig-1", n.moved(inv)))
	require.NoError(t, err, "a clock set back by less than two TTLs refuses no fresh nonce")
	records, err := json.Marshal(v.Records())
	require.NoError(t, err)

	clock.set(epoch.Add(time.Second))
	_, err = v.Verify(first)
	require.Equal(t, gpu.CheckNonce, gpu.FailedCheck(err), "%v", err)
	require.ErrorIs(t, err, iog.ErrConflict)

	var back []gpu.DeviceRecord
	require.NoError(t, json.Unmarshal(records, &back))
	restored := gpu.NewVerifier(cfg)
	require.NoError(t, restored.Restore(back))
	_, err = restored.Verify(first)
	require.Equal(t, gpu.CheckNonce, gpu.FailedCheck(err), "after a restore: %v", err)
	require.ErrorIs(t, err, iog.ErrConflict)

	// Once the clock is past what the device forgot, it reports again.
	clock.set(epoch.Add(3 * gpu.DefaultNonceTTL))
	_, err = restored.Verify(n.signed(t, key, "rig-1", n.moved(inv)))
	require.NoError(t, err)
}

// Records written before the Verifier kept what it forgot still restore.
func TestVerifierRestoresRecordsWithoutForgottenNonces(t *testing.T) {
	old := `[{"device":"rig-1","owner":"11111111111111111111111111111112","registered":"2026-11-22T00:00:00Z","credited":"0001-01-01T00:00:00Z",` +
		`"used_nonces":["` + gpu.Nonce{1}.String() + `"]}]`
	var records []gpu.DeviceRecord
	require.NoError(t, json.Unmarshal([]byte(old), &records))
	v := gpu.NewVerifier(gpu.VerifierConfig{Random: seeded(33)})
	require.NoError(t, v.Restore(records))
	rec, ok := v.Record("rig-1")
	require.True(t, ok)
	require.Equal(t, []gpu.Nonce{{1}}, rec.UsedNonces)
}

// The NonceBook keeps the same promise on its own.
func TestNonceBookReplayAfterClockStepsBack(t *testing.T) {
	clock := &wallClock{now: epoch}
	book := gpu.NewNonceBook(gpu.NonceBookConfig{Clock: clock, Random: seeded(34), TTL: time.Minute})
	first, err := book.Issue("d1")
	require.NoError(t, err)
	require.NoError(t, book.Use("d1", first.Nonce))
	// Enough later uses that the book sweeps, and forgets the first.
	clock.set(epoch.Add(2*time.Minute + time.Second))
	for range 200 {
		ch, err := book.Issue("d1")
		require.NoError(t, err)
		require.NoError(t, book.Use("d1", ch.Nonce))
	}
	clock.set(epoch.Add(time.Second))
	require.ErrorIs(t, book.Check("d1", first.Nonce), iog.ErrConflict)
	require.ErrorIs(t, book.Use("d1", first.Nonce), iog.ErrConflict)
}
