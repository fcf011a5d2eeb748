package refserver

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
	"github.com/internetofgpus/iog/tunnel"
)

func newTestServer(t *testing.T, authority byte, clock iog.Clock) *Server {
	s, err := New(context.Background(), Config{
		DataDir: t.TempDir(), Authority: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{authority}, 32)),
		Clock: clock, Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// TestRelayKeyIsTheAuthoritys: the relay's TLS key, and so its pin, is
// derived from the authority key alone: every server of a network, and
// every restart, serves the same; another network's differs.
func TestRelayKeyIsTheAuthoritys(t *testing.T) {
	pin := func(s *Server) tunnel.Pin {
		cert, err := tunnel.NewCertificate(s.relayKey())
		require.NoError(t, err)
		p, err := tunnel.PinOf(cert)
		require.NoError(t, err)
		return p
	}
	a, b, other := newTestServer(t, 1, nil), newTestServer(t, 1, nil), newTestServer(t, 2, nil)
	require.Equal(t, pin(a), pin(b))
	require.NotEqual(t, pin(a), pin(other))
	require.False(t, a.relayKey().Equal(a.authority), "the relay does not hold the authority key itself")
}

// TestRelayAuthorizer: workers are admitted by their devices' tunnel keys
// as the database holds them; renters and mesh peers by the rentals as
// last loaded.
func TestRelayAuthorizer(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := iog.NewManualClock(t0)
	s := newTestServer(t, 1, clock)
	tunnelKey := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, 32)).Public().(ed25519.PublicKey)
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{4}, 32)).Public().(ed25519.PublicKey)
	owner, _ := iog.WalletAddressOf(other)
	insert := func(id iog.DeviceID, state api.DeviceState) {
		err := s.store.Tx(context.Background(), func(tx *store.Tx) error {
			return tx.InsertDevice(store.Device{ID: id, Owner: owner, Name: "d", State: string(state), TunnelKey: tunnelKey,
				Registered: t0, Updated: t0, Health: iog.NewHealth(t0)})
		})
		require.NoError(t, err)
	}
	insert("dev-1", api.DeviceActive)
	insert("dev-2", api.DeviceRemoved)
	var rentals []tunnel.Rental
	auth := &relayAuthorizer{s: s, rentals: func(context.Context) ([]tunnel.Rental, error) { return rentals, nil }}

	require.NoError(t, auth.AdmitWorker("dev-1", tunnelKey))
	require.ErrorIs(t, auth.AdmitWorker("dev-1", other), iog.ErrUnauthorized)
	require.ErrorIs(t, auth.AdmitWorker("dev-2", tunnelKey), iog.ErrNotFound, "a removed device")
	require.ErrorIs(t, auth.AdmitWorker("dev-3", tunnelKey), iog.ErrNotFound, "an unknown device")

	renter, _ := iog.WalletAddressOf(tunnelKey)
	_, err := auth.AllowDial(renter, "dev-1", 22)
	require.ErrorIs(t, err, iog.ErrForbidden, "nothing loaded yet")
	rentals = []tunnel.Rental{{Cluster: "c-1", Renter: renter, Devices: []iog.DeviceID{"dev-1", "dev-4"}, Expires: t0.Add(time.Hour)}}
	_, err = auth.AllowDial(renter, "dev-1", 22)
	require.ErrorIs(t, err, iog.ErrForbidden, "not until the next refresh")
	require.NoError(t, auth.refresh(context.Background()))
	until, err := auth.AllowDial(renter, "dev-1", 22)
	require.NoError(t, err)
	require.Equal(t, t0.Add(time.Hour), until)
	_, err = auth.AllowDial(owner, "dev-1", 22)
	require.ErrorIs(t, err, iog.ErrForbidden, "another wallet")
	_, err = auth.AllowPeer("dev-4", "dev-1")
	require.NoError(t, err)
	clock.Advance(2 * time.Hour)
	_, err = auth.AllowDial(renter, "dev-1", 22)
	require.ErrorIs(t, err, iog.ErrExpired)

	rentals = nil
	require.NoError(t, auth.refresh(context.Background()))
	_, err = auth.AllowPeer("dev-4", "dev-1")
	require.ErrorIs(t, err, iog.ErrForbidden, "the rental ended")
	rentals = []tunnel.Rental{{Cluster: "c-2"}}
	require.ErrorIs(t, auth.refresh(context.Background()), iog.ErrInvalid, "a malformed record")
}
