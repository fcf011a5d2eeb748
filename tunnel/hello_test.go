package tunnel

import (
	"crypto/ed25519"
	"crypto/tls"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

// A man in the middle who gets a worker to sign a hello in one TLS session
// cannot use the signature in another: the signature covers keying
// material only that session has.
func TestHelloCannotBeReplayedIntoAnotherSession(t *testing.T) {
	rentals := NewRentals(RentalsConfig{Clock: iog.NewManualClock(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))})
	deviceKey := testKey(10)
	require.NoError(t, rentals.RegisterDevice("gpu-1", deviceKey.Public().(ed25519.PublicKey)))
	relay, addr, pin := startRelay(t, RelayConfig{Authorizer: rentals})

	session := func() *tls.Conn {
		c, err := tls.Dial("tcp", addr, clientTLS(pin, nil))
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	signed := func(c *tls.Conn) hello {
		ekm, err := exportEKM(c.ConnectionState())
		require.NoError(t, err)
		h := hello{role: roleWorker, device: "gpu-1", ports: []uint16{22}, key: deviceKey.Public().(ed25519.PublicKey)}
		h.sig = ed25519.Sign(deviceKey, h.signedMessage(ekm))
		return h
	}
	answer := func(c *tls.Conn, h hello) error {
		require.NoError(t, writeFrame(c, frameHello, h.encode()))
		p, err := expectFrame(c, frameResult)
		require.NoError(t, err)
		r, err := decodeResult(p)
		require.NoError(t, err)
		return r.err()
	}

	victim, attacker := session(), session()
	require.ErrorIs(t, answer(attacker, signed(victim)), iog.ErrUnauthorized)
	require.NoError(t, answer(victim, signed(victim)))
	require.Eventually(t, func() bool { return relay.Online("gpu-1") }, 10*time.Second, time.Millisecond)
	require.Equal(t, uint64(1), relay.Refused())
}
