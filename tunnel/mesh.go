package tunnel

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/yamux"

	"github.com/internetofgpus/iog"
)

// MeshConfig configures a Mesh. Agent, Listener and Handler are required;
// every other zero value takes the default its field names.
type MeshConfig struct {
	// Agent is the node's own connection to the relay: its device and
	// device key are the node's identity, and the relay carries candidate
	// exchange and relayed links.
	Agent *Agent
	// Listener receives direct links from peers.
	Listener net.Listener
	// Advertise lists the addresses peers should try; nil is the
	// listener's address, or each interface address with its port when it
	// listens on all of them.
	Advertise []string
	// Handler serves each stream a peer opens, and must close it.
	Handler func(ctx context.Context, peer iog.DeviceID, conn net.Conn)
	// Recheck is how often links are re-checked: a relayed link tries the
	// direct path again, a direct link is pinged and dropped if dead. Zero
	// is 30 s.
	Recheck time.Duration
	// DialTimeout bounds each direct attempt; zero is 2 s.
	DialTimeout time.Duration
	// Dial opens direct TCP connections; nil is a net.Dialer's.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Clock times the re-checks; nil is iog.SystemClock.
	Clock iog.Clock
	// Logger receives path changes; nil is slog.Default().
	Logger *slog.Logger
}

// Path describes how a node reaches a peer.
type Path struct {
	// Direct is true for a direct connection, false through the relay.
	Direct bool
	// Addr is the peer address of a direct path.
	Addr string
	// RTT is the round trip measured when the path was chosen or last
	// checked.
	RTT time.Duration
}

// Mesh links the nodes of one cluster. A node dials a peer directly when
// it can, picking among the peer's candidate addresses the one with the
// shortest round trip, and through the relay when no direct path works;
// links are re-checked periodically. Every link, direct or relayed, is
// TLS 1.3 between the two nodes' device keys, so the relay carries only
// ciphertext. The zero value is not usable; create one with NewMesh.
type Mesh struct {
	cfg    MeshConfig
	agent  *Agent
	device iog.DeviceID
	cert   tls.Certificate
	logger *slog.Logger

	mu       sync.Mutex
	runCtx   context.Context
	links    map[iog.DeviceID]*link
	draining []*link
	dialing  map[iog.DeviceID]chan struct{}
	wg       sync.WaitGroup
}

// link is an outgoing link to a peer.
type link struct {
	peer   iog.DeviceID
	sess   *yamux.Session
	direct bool
	addr   string
	rtt    time.Duration
	stop   func() bool // unhooks the close on the mesh's end
}

func (l *link) close() {
	l.stop()
	_ = l.sess.Close()
}

// NewMesh checks cfg and returns a Mesh; Run starts it.
func NewMesh(cfg MeshConfig) (*Mesh, error) {
	if cfg.Agent == nil || cfg.Listener == nil || cfg.Handler == nil {
		return nil, fmt.Errorf("new mesh: %w: an Agent, a Listener and a Handler are required", iog.ErrInvalid)
	}
	if len(cfg.Advertise) > maxCandidates {
		return nil, fmt.Errorf("new mesh: %w: %d addresses to advertise, at most %d", iog.ErrInvalid, len(cfg.Advertise), maxCandidates)
	}
	if cfg.Recheck <= 0 {
		cfg.Recheck = 30 * time.Second
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 2 * time.Second
	}
	if cfg.Dial == nil {
		d := &net.Dialer{}
		cfg.Dial = d.DialContext
	}
	if cfg.Clock == nil {
		cfg.Clock = iog.SystemClock
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cert, err := NewCertificate(cfg.Agent.cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("new mesh: %w", err)
	}
	return &Mesh{
		cfg:     cfg,
		agent:   cfg.Agent,
		device:  cfg.Agent.cfg.Device,
		cert:    cert,
		logger:  cfg.Logger.With("part", "mesh", "device", cfg.Agent.cfg.Device),
		links:   make(map[iog.DeviceID]*link),
		dialing: make(map[iog.DeviceID]chan struct{}),
	}, nil
}

// Run serves direct and relayed links from peers, announces the node's
// candidates to the relay (again after each reconnection) and re-checks
// links, until ctx ends; then it closes the listener and every link, waits
// for its goroutines and returns nil.
func (m *Mesh) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	m.mu.Lock()
	m.runCtx = ctx
	m.mu.Unlock()
	m.agent.meshMu.Lock()
	m.agent.meshFunc = func(actx context.Context, peer iog.DeviceID, conn net.Conn) {
		m.serveLink(actx, conn, peer)
	}
	m.agent.meshMu.Unlock()
	defer func() {
		m.agent.meshMu.Lock()
		m.agent.meshFunc = nil
		m.agent.meshMu.Unlock()
		cancel()
		_ = m.cfg.Listener.Close()
		m.mu.Lock()
		for _, l := range m.links {
			l.close()
		}
		for _, l := range m.draining {
			l.close()
		}
		m.links, m.draining = map[iog.DeviceID]*link{}, nil
		m.mu.Unlock()
		m.wg.Wait()
	}()
	m.wg.Go(func() {
		err := acceptLoop(ctx, m.cfg.Listener, m.logger, func(c net.Conn) {
			m.wg.Go(func() { m.serveLink(ctx, c, "") })
		})
		if err != nil {
			m.logger.Error("mesh stopped accepting direct links", "err", err)
		}
	})

	tick := min(m.cfg.Recheck, time.Second)
	var announced uint64
	next := m.cfg.Clock.Now().Add(m.cfg.Recheck)
	for {
		if n := m.agent.Connections(); n != announced && m.agent.Online() {
			if err := m.announce(ctx); err != nil {
				m.logger.Warn("announcing candidates failed", "err", err)
			} else {
				announced = n
			}
		}
		if now := m.cfg.Clock.Now(); !now.Before(next) {
			m.recheck(ctx)
			next = now.Add(m.cfg.Recheck)
		}
		if iog.Sleep(ctx, m.cfg.Clock, tick) != nil {
			return nil
		}
	}
}

// candidates is what the node announces.
func (m *Mesh) candidates() []string {
	if len(m.cfg.Advertise) > 0 {
		return m.cfg.Advertise
	}
	addr := m.cfg.Listener.Addr().String()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsUnspecified() {
		return []string{addr}
	}
	ifaddrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range ifaddrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.IsGlobalUnicast() && len(out) < maxCandidates {
			out = append(out, net.JoinHostPort(ipn.IP.String(), port))
		}
	}
	return out
}

func (m *Mesh) announce(ctx context.Context) error {
	payload, err := encodeAddrs(m.candidates())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, m.agent.cfg.HandshakeTimeout)
	defer cancel()
	st, _, _, err := m.agent.request(ctx, frameAnnounce, payload)
	if err != nil {
		return err
	}
	return st.Close()
}

// lookup asks the relay for a peer's key and candidates; the relay checks
// that both nodes are in one rental.
func (m *Mesh) lookup(ctx context.Context, peer iog.DeviceID) (peerInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, m.agent.cfg.HandshakeTimeout)
	defer cancel()
	st, t, p, err := m.agent.request(ctx, frameLookup, meshReq{peer: peer}.encode())
	if err != nil {
		return peerInfo{}, fmt.Errorf("look up mesh peer %s: %w", peer, err)
	}
	_ = st.Close()
	if t != frameCandidates {
		return peerInfo{}, fmt.Errorf("look up mesh peer %s: %w", peer, frameErrorf("got a %s frame, want candidates", t))
	}
	return decodeCandidates(p)
}

// Path reports how the node reaches peer now, and false when it has no
// link to it.
func (m *Mesh) Path(peer iog.DeviceID) (Path, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.links[peer]
	if !ok {
		return Path{}, false
	}
	return Path{Direct: l.direct, Addr: l.addr, RTT: l.rtt}, true
}

// Dial opens a stream to peer over the best link, making the link first if
// there is none. Errors are as for Tunnel.Dial, from the relay's
// Authorizer; a peer whose key does not match is iog.ErrUnauthorized.
func (m *Mesh) Dial(ctx context.Context, peer iog.DeviceID) (net.Conn, error) {
	for try := 0; ; try++ {
		l, err := m.link(ctx, peer)
		if err != nil {
			return nil, fmt.Errorf("mesh dial %s: %w", peer, err)
		}
		st, err := l.sess.OpenStream()
		if err == nil {
			return newStream(st, nil), nil
		}
		m.drop(l)
		if try > 0 || ctx.Err() != nil {
			return nil, fmt.Errorf("mesh dial %s: %w: %w", peer, iog.ErrUnavailable, err)
		}
	}
}

// link returns the live link to peer, making one if needed; concurrent
// callers share one attempt.
func (m *Mesh) link(ctx context.Context, peer iog.DeviceID) (*link, error) {
	for {
		m.mu.Lock()
		if m.runCtx == nil {
			m.mu.Unlock()
			return nil, fmt.Errorf("%w: the mesh is not running", iog.ErrUnavailable)
		}
		if l, ok := m.links[peer]; ok && !l.sess.IsClosed() {
			m.mu.Unlock()
			return l, nil
		}
		wait, busy := m.dialing[peer]
		if !busy {
			done := make(chan struct{})
			m.dialing[peer] = done
			runCtx := m.runCtx
			m.mu.Unlock()
			l, err := m.establish(ctx, runCtx, peer)
			m.mu.Lock()
			delete(m.dialing, peer)
			close(done)
			if err == nil {
				if runCtx.Err() != nil {
					l.close()
					err = fmt.Errorf("%w: the mesh has stopped", iog.ErrUnavailable)
				} else {
					m.links[peer] = l
				}
			}
			m.mu.Unlock()
			return l, err
		}
		m.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// establish makes a link to peer: direct if any candidate answers, the
// fastest of them, else through the relay.
func (m *Mesh) establish(ctx, runCtx context.Context, peer iog.DeviceID) (*link, error) {
	info, err := m.lookup(ctx, peer)
	if err != nil {
		return nil, err
	}
	l, err := m.direct(ctx, runCtx, peer, info)
	if err == nil {
		m.logger.Info("mesh link direct", "peer", peer, "addr", l.addr, "rtt", l.rtt)
		return l, nil
	}
	m.logger.Info("no direct path; using the relay", "peer", peer, "err", err)
	st, _, _, err := m.agent.request(ctx, frameOpenMesh, meshReq{peer: peer}.encode())
	if err != nil {
		return nil, err
	}
	l, err = m.secure(ctx, runCtx, st, peer, info.key)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	m.logger.Info("mesh link relayed", "peer", peer, "rtt", l.rtt)
	return l, nil
}

// direct tries every candidate at once and keeps the one with the
// shortest round trip.
func (m *Mesh) direct(ctx, runCtx context.Context, peer iog.DeviceID, info peerInfo) (*link, error) {
	if len(info.addrs) == 0 {
		return nil, fmt.Errorf("%w: peer %s announced no candidates", iog.ErrUnavailable, peer)
	}
	type attempt struct {
		l   *link
		err error
	}
	results := make(chan attempt, len(info.addrs))
	for _, addr := range info.addrs {
		go func() {
			actx, cancel := context.WithTimeout(ctx, m.cfg.DialTimeout)
			defer cancel()
			c, err := m.cfg.Dial(actx, "tcp", addr)
			if err != nil {
				results <- attempt{err: err}
				return
			}
			l, err := m.secure(actx, runCtx, c, peer, info.key)
			if err != nil {
				_ = c.Close()
				results <- attempt{err: err}
				return
			}
			l.direct, l.addr = true, addr
			results <- attempt{l: l}
		}()
	}
	var best *link
	var errs []error
	for range info.addrs {
		a := <-results
		switch {
		case a.err != nil:
			errs = append(errs, a.err)
		case best == nil || a.l.rtt < best.rtt:
			if best != nil {
				best.close()
			}
			best = a.l
		default:
			a.l.close()
		}
	}
	if best == nil {
		return nil, fmt.Errorf("%w: %w", iog.ErrUnavailable, errors.Join(errs...))
	}
	return best, nil
}

// secure runs the initiator's side of a link over c: TLS 1.3 with the
// node's certificate, checking the peer's key, then its identity, then the
// multiplexer and one ping to measure the round trip.
func (m *Mesh) secure(ctx, runCtx context.Context, c net.Conn, peer iog.DeviceID, key ed25519.PublicKey) (*link, error) {
	pin, err := PinOfKey(key)
	if err != nil {
		return nil, err
	}
	conn := tls.Client(c, clientTLS(pin, &m.cert))
	if err := conn.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("mesh TLS with %s: %w", peer, err)
	}
	if _, _, err := exchange(ctx, conn, frameOpenMesh, meshReq{peer: m.device}.encode()); err != nil {
		return nil, fmt.Errorf("mesh hello to %s: %w", peer, err)
	}
	sess, err := yamux.Client(conn, m.agent.cfg.muxConfig(m.logger, m.agent.cfg.StreamWindow))
	if err != nil {
		return nil, err
	}
	l := &link{peer: peer, sess: sess, stop: context.AfterFunc(runCtx, func() { _ = sess.Close() })}
	if l.rtt, err = sess.Ping(); err != nil {
		l.close()
		return nil, fmt.Errorf("mesh ping to %s: %w", peer, err)
	}
	return l, nil
}

// serveLink runs the acceptor's side of a link: TLS 1.3 asking for the
// peer's certificate, its hello, a check with the relay that the claimed
// device has that key and shares a rental with this one, then streams for
// the handler. relayedFrom is the device the relay vouched for, "" for a
// direct link.
func (m *Mesh) serveLink(ctx context.Context, c net.Conn, relayedFrom iog.DeviceID) {
	m.mu.Lock()
	runCtx := m.runCtx
	m.mu.Unlock()
	if runCtx == nil {
		_ = c.Close()
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(runCtx, cancel)()
	cfg := serverTLS(m.cert)
	cfg.ClientAuth = tls.RequireAnyClientCert // checked against the relay's directory in admit
	conn := tls.Server(c, cfg)
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	_ = conn.SetDeadline(ioDeadline(m.agent.cfg.HandshakeTimeout))
	peer, err := m.admit(ctx, conn, relayedFrom)
	if err != nil {
		m.logger.Warn("mesh link refused", "from", relayedFrom, "remote", c.RemoteAddr().String(), "err", err)
		_ = writeFrame(conn, frameResult, resultOf(err).encode())
		return
	}
	if err := writeFrame(conn, frameResult, result{}.encode()); err != nil {
		return
	}
	_ = conn.SetDeadline(time.Time{})
	sess, err := yamux.Server(conn, m.agent.cfg.muxConfig(m.logger, m.agent.cfg.StreamWindow))
	if err != nil {
		return
	}
	defer sess.Close()
	context.AfterFunc(ctx, func() { _ = sess.Close() })
	var wg sync.WaitGroup
	defer wg.Wait()
	if relayedFrom == "" {
		// A direct link lasts only as long as the peer may reach this node;
		// the relay cuts relayed links itself.
		wg.Go(func() { m.watch(ctx, sess, peer) })
	}
	for {
		st, err := sess.AcceptStream()
		if err != nil {
			return
		}
		wg.Go(func() { m.cfg.Handler(ctx, peer, newStream(st, nil)) })
	}
}

// watch closes an accepted direct link once the relay no longer allows
// the peer, checking every Recheck.
func (m *Mesh) watch(ctx context.Context, sess *yamux.Session, peer iog.DeviceID) {
	for {
		select {
		case <-sess.CloseChan():
			return
		case <-m.cfg.Clock.After(m.cfg.Recheck):
		case <-ctx.Done():
			return
		}
		if _, err := m.lookup(ctx, peer); revoked(err) {
			m.logger.Info("mesh link no longer allowed", "peer", peer, "err", err)
			_ = sess.Close()
			return
		}
	}
}

// revoked reports an authorization withdrawn (iog.ErrForbidden,
// iog.ErrExpired), as opposed to a check that failed for a passing
// reason.
func revoked(err error) bool {
	return errors.Is(err, iog.ErrForbidden) || errors.Is(err, iog.ErrExpired)
}

// admit authenticates the initiator of a link.
func (m *Mesh) admit(ctx context.Context, conn *tls.Conn, relayedFrom iog.DeviceID) (iog.DeviceID, error) {
	if err := conn.HandshakeContext(ctx); err != nil {
		return "", fmt.Errorf("mesh TLS: %w", err)
	}
	p, err := expectFrame(conn, frameOpenMesh)
	if err != nil {
		return "", err
	}
	req, err := decodeMeshReq(p)
	if err != nil {
		return "", err
	}
	if relayedFrom != "" && req.peer != relayedFrom {
		return "", fmt.Errorf("%w: mesh hello names %s, the relay vouched for %s", iog.ErrUnauthorized, req.peer, relayedFrom)
	}
	info, err := m.lookup(ctx, req.peer)
	if err != nil {
		return "", err
	}
	certs := conn.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return "", fmt.Errorf("%w: mesh peer sent no certificate", iog.ErrUnauthorized)
	}
	got, ok := certs[0].PublicKey.(ed25519.PublicKey)
	if !ok || !got.Equal(info.key) {
		return "", fmt.Errorf("%w: mesh peer claims %s but its key is not that device's", iog.ErrUnauthorized, req.peer)
	}
	return req.peer, nil
}

// drop forgets a link that failed.
func (m *Mesh) drop(l *link) {
	l.close()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.links[l.peer] == l {
		delete(m.links, l.peer)
	}
}

// recheck tries the direct path again for relayed links, pings direct
// ones, and closes drained links.
func (m *Mesh) recheck(ctx context.Context) {
	m.mu.Lock()
	links := make([]*link, 0, len(m.links))
	for _, l := range m.links {
		links = append(links, l)
	}
	m.draining = slices.DeleteFunc(m.draining, func(l *link) bool {
		if l.sess.NumStreams() == 0 || l.sess.IsClosed() {
			l.close()
			return true
		}
		return false
	})
	runCtx := m.runCtx
	m.mu.Unlock()
	for _, l := range links {
		if l.sess.IsClosed() {
			m.logger.Info("mesh link closed", "peer", l.peer)
			m.drop(l)
			continue
		}
		info, err := m.lookup(ctx, l.peer)
		if revoked(err) {
			// The relay cuts relayed links itself when a rental ends.
			m.logger.Info("mesh link no longer allowed", "peer", l.peer, "err", err)
			m.drop(l)
			continue
		}
		if l.direct {
			rtt, err := l.sess.Ping()
			if err != nil {
				m.logger.Info("direct mesh link died", "peer", l.peer, "err", err)
				m.drop(l)
				continue
			}
			m.mu.Lock()
			l.rtt = rtt
			m.mu.Unlock()
			continue
		}
		if err != nil {
			continue
		}
		nl, err := m.direct(ctx, runCtx, l.peer, info)
		if err != nil {
			continue
		}
		m.logger.Info("mesh link moved to a direct path", "peer", l.peer, "addr", nl.addr, "rtt", nl.rtt)
		m.mu.Lock()
		if m.links[l.peer] == l {
			m.links[l.peer] = nl
			_ = l.sess.GoAway() // streams open on it finish there
			m.draining = append(m.draining, l)
		} else {
			nl.close()
		}
		m.mu.Unlock()
	}
}
