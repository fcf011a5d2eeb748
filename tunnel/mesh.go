package tunnel

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
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
