package refserver

import (
	"context"
	"crypto/ed25519"
	"crypto/subtle"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
	"github.com/internetofgpus/iog/tunnel"
)

// relayLookupTimeout bounds the database lookup that admits a worker to
// the relay.
const relayLookupTimeout = 5 * time.Second

func (s *Server) relayRoutes() []route {
	return []route{
		{method: "GET", pattern: "/v1/relay", access: public, handle: s.getRelay, summary: "Where the tunnel relay listens, and the pin of its key"},
	}
}

// relayKey is the relay's TLS key, derived from the authority's: every
// leader serves the same key, so workers pin it once.
func (s *Server) relayKey() ed25519.PrivateKey {
	seed := deriveKey(s.authority.Seed(), "relay tls")
	return ed25519.NewKeyFromSeed(seed[:])
}

// getRelay answers where the leader's relay listens and its pin.
func (s *Server) getRelay(c *call) (any, error) {
	var addr string
	err := s.store.Tx(c.r.Context(), func(tx *store.Tx) error {
		var err error
		addr, err = tx.RelayAddr()
		return err
	})
	if err != nil {
		return nil, err
	}
	pin, err := tunnel.PinOfKey(s.relayKey().Public().(ed25519.PublicKey))
	if err != nil {
		return nil, err
	}
	return api.Relay{Addr: addr, Pin: pin.String()}, nil
}

// relayLoops run the relay while this server leads.
func (s *Server) relayLoops() []loop {
	return []loop{{name: "relay", every: s.cfg.RelayRefresh, step: s.serveRelay}}
}

// serveRelay listens on Config.RelayAddr, records where, and serves the
// relay until ctx ends, reloading its rentals from the database every
// Config.RelayRefresh meanwhile.
func (s *Server) serveRelay(ctx context.Context) error {
	auth := &relayAuthorizer{s: s, rentals: s.rentalRecords}
	cert, err := tunnel.NewCertificate(s.relayKey())
	if err != nil {
		return err
	}
	relay, err := tunnel.NewRelay(tunnel.RelayConfig{
		Certificate: cert, Authorizer: auth, Clock: s.cfg.Clock,
		ConnConfig: tunnel.ConnConfig{Logger: s.log}, Recheck: s.cfg.RelayRefresh,
	})
	if err != nil {
		return err
	}
	if err := auth.refresh(ctx); err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.RelayAddr)
	if err != nil {
		return fmt.Errorf("relay: %w: %w", iog.ErrUnavailable, err)
	}
	addr := s.cfg.RelayPublicAddr
	if addr == "" {
		addr = ln.Addr().String()
	}
	err = s.store.Tx(ctx, func(tx *store.Tx) error { return tx.SetRelayAddr(addr, s.cfg.Clock.Now()) })
	if err != nil {
		ln.Close()
		return err
	}
	served := make(chan error, 1)
	go func() { served <- relay.Serve(ctx, ln) }()
	defer s.tunnel.serving(relay)()
	for {
		select {
		case err := <-served:
			return err
		case <-ctx.Done():
			return <-served
		case <-s.cfg.Clock.After(s.cfg.RelayRefresh):
		}
		// A failed reload keeps the last rentals: the relay goes by what
		// the database said a moment ago.
		if err := auth.refresh(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("relay rentals not reloaded", "err", err)
		}
	}
}

// relayAuthorizer admits to the relay the workers of registered devices,
// by the tunnel keys the database holds, and lets renters and mesh peers
// reach the devices of their rentals. Workers are looked up at each
// connection; rentals are a snapshot the leader reloads every
// Config.RelayRefresh (see refresh), so the relay asks no database for
// every stream and every recheck of one.
type relayAuthorizer struct {
	s *Server
	// rentals reads every rental from the database.
	rentals func(context.Context) ([]tunnel.Rental, error)
	// current is the last snapshot of the rentals; nil before the first.
	current atomic.Pointer[tunnel.Rentals]
}

var _ tunnel.Authorizer = (*relayAuthorizer)(nil)

// refresh reloads the rentals from the database.
func (a *relayAuthorizer) refresh(ctx context.Context) error {
	records, err := a.rentals(ctx)
	if err != nil {
		return fmt.Errorf("relay rentals: %w", err)
	}
	r := tunnel.NewRentals(tunnel.RentalsConfig{Clock: a.s.cfg.Clock})
	if err := r.Restore(nil, records); err != nil {
		return fmt.Errorf("relay rentals: %w", err)
	}
	a.current.Store(r)
	return nil
}

// snapshot returns the rentals as last loaded; none before the first load.
func (a *relayAuthorizer) snapshot() *tunnel.Rentals {
	if r := a.current.Load(); r != nil {
		return r
	}
	return tunnel.NewRentals(tunnel.RentalsConfig{Clock: a.s.cfg.Clock})
}

// AdmitWorker implements tunnel.Authorizer: the key must be the tunnel
// key the device registered, and the device not removed.
func (a *relayAuthorizer) AdmitWorker(device iog.DeviceID, key ed25519.PublicKey) error {
	ctx, cancel := context.WithTimeout(context.Background(), relayLookupTimeout)
	defer cancel()
	var want ed25519.PublicKey
	var state string
	err := a.s.store.Tx(ctx, func(tx *store.Tx) error {
		var err error
		want, state, err = tx.TunnelKey(device)
		return err
	})
	if err != nil {
		return fmt.Errorf("worker for device %s: %w", device, err)
	}
	if state == string(api.DeviceRemoved) {
		return fmt.Errorf("worker for device %s: the device was removed: %w", device, iog.ErrNotFound)
	}
	if subtle.ConstantTimeCompare(key, want) != 1 {
		return fmt.Errorf("worker for device %s: the key is not the device's tunnel key: %w", device, iog.ErrUnauthorized)
	}
	return nil
}

// AllowDial implements tunnel.Authorizer by the rentals' snapshot.
func (a *relayAuthorizer) AllowDial(wallet iog.WalletAddress, device iog.DeviceID, port uint16) (time.Time, error) {
	return a.snapshot().AllowDial(wallet, device, port)
}

// AllowPeer implements tunnel.Authorizer by the rentals' snapshot.
func (a *relayAuthorizer) AllowPeer(from, to iog.DeviceID) (time.Time, error) {
	return a.snapshot().AllowPeer(from, to)
}
