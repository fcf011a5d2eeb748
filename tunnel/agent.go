package tunnel

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/yamux"

	"github.com/internetofgpus/iog"
)

// AgentConfig configures an Agent. RelayAddr, RelayPin, Device, Key and
// Ports are required; every other zero value takes the default its field
// names.
type AgentConfig struct {
	// RelayAddr is the relay's host:port.
	RelayAddr string
	// RelayPin is the relay's key pin.
	RelayPin Pin
	// Device is the device this agent serves, and Key its ed25519 device
	// key, which the relay's Authorizer knows.
	Device iog.DeviceID
	Key    ed25519.PrivateKey
	// Ports are the local ports engineers may reach (SSH, Jupyter, the Ray
	// dashboard and client port). Nothing else is dialed.
	Ports []uint16
	// Host is where the exposed ports listen; "" is 127.0.0.1.
	Host string
	// Backoff spaces reconnection attempts.
	Backoff Backoff
	// Rand draws the backoff jitter; nil is a source seeded from
	// crypto/rand, so that workers do not retry in step.
	Rand *mrand.Rand
	// Clock times the waits between attempts; nil is iog.SystemClock.
	Clock iog.Clock
	// ConnConfig sets logging, keepalives, timeouts and windows.
	ConnConfig
	// Dial opens TCP connections, to the relay and to the local ports; nil
	// is a net.Dialer's.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Agent is the worker side of a reverse tunnel: it keeps one connection to
// the relay, reconnecting with jittered exponential backoff whenever it
// drops, and connects each stream the relay opens to a local port. The
// zero value is not usable; create one with NewAgent.
type Agent struct {
	cfg    AgentConfig
	dial   dialConfig
	logger *slog.Logger

	conn     atomic.Pointer[relayConn]
	conns    atomic.Uint64
	meshMu   sync.Mutex
	meshFunc func(ctx context.Context, peer iog.DeviceID, conn net.Conn)
}

// NewAgent checks cfg and returns an Agent; Run starts it.
func NewAgent(cfg AgentConfig) (*Agent, error) {
	if cfg.RelayAddr == "" {
		return nil, fmt.Errorf("new agent: %w: a relay address is required", iog.ErrInvalid)
	}
	if _, err := iog.ParseDeviceID(string(cfg.Device)); err != nil {
		return nil, fmt.Errorf("new agent: %w", err)
	}
	if len(cfg.Key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("new agent: %w: the device key must be an ed25519 private key", iog.ErrInvalid)
	}
	if len(cfg.Ports) > maxPorts || slices.Contains(cfg.Ports, 0) {
		return nil, fmt.Errorf("new agent: %w: want at most %d ports, none of them 0", iog.ErrInvalid, maxPorts)
	}
	cfg.Ports = slices.Clone(cfg.Ports)
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.Rand == nil {
		var seed [16]byte
		_, _ = rand.Read(seed[:])
		cfg.Rand = mrand.New(mrand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:])))
	}
	if cfg.Clock == nil {
		cfg.Clock = iog.SystemClock
	}
	cfg.ConnConfig = cfg.withDefaults()
	return &Agent{
		cfg:    cfg,
		dial:   newDialConfig(cfg.RelayAddr, cfg.RelayPin, cfg.HandshakeTimeout, cfg.Dial),
		logger: cfg.Logger.With("part", "agent", "device", cfg.Device),
	}, nil
}

func newDialConfig(addr string, pin Pin, timeout time.Duration, dial func(ctx context.Context, network, addr string) (net.Conn, error)) dialConfig {
	if dial == nil {
		d := &net.Dialer{}
		dial = d.DialContext
	}
	return dialConfig{addr: addr, pin: pin, timeout: timeout, dial: dial}
}

// Online reports whether the agent is connected to the relay now.
func (a *Agent) Online() bool { return a.conn.Load() != nil }

// Connections returns how many connections the relay has accepted from
// this agent: one, plus one per reconnection.
func (a *Agent) Connections() uint64 { return a.conns.Load() }

// Run keeps the agent connected until ctx ends, then closes its connection,
// waits for its streams and returns nil. An Agent runs once at a time: a
// second concurrent Run would hold a second connection for the same
// device, and the relay keeps only the newest.
func (a *Agent) Run(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		up, err := a.runOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if up {
			attempt = 0
		}
		d := a.cfg.Backoff.Delay(attempt, a.cfg.Rand)
		a.logger.Warn("relay connection lost; retrying", "err", err, "in", d)
		if iog.Sleep(ctx, a.cfg.Clock, d) != nil {
			return nil
		}
	}
}

// runOnce connects, serves streams until the connection ends, and reports
// whether the relay accepted it.
func (a *Agent) runOnce(ctx context.Context) (bool, error) {
	h := hello{role: roleWorker, device: a.cfg.Device, ports: a.cfg.Ports}
	sess, err := muxRelay(ctx, a.dial, h, a.cfg.Key, a.cfg.ConnConfig, a.logger)
	if err != nil {
		return false, err
	}
	stop := context.AfterFunc(ctx, func() { _ = sess.Close() })
	defer stop()
	rc := &relayConn{sess: sess}
	a.conn.Store(rc)
	a.conns.Add(1)
	a.logger.Info("connected to relay", "relay", a.cfg.RelayAddr)
	var wg sync.WaitGroup
	defer func() {
		a.conn.CompareAndSwap(rc, nil)
		_ = sess.Close()
		wg.Wait()
	}()
	for {
		st, err := sess.AcceptStream()
		if err != nil {
			return true, fmt.Errorf("relay connection: %w", err)
		}
		wg.Go(func() { a.serveStream(ctx, &rc.live, st) })
	}
}

// serveStream serves one stream the relay opened: it connects a stream to
// a local port or a mesh peer, or ends one of those that the relay cut
// short (see liveStreams).
func (a *Agent) serveStream(ctx context.Context, live *liveStreams, st *yamux.Stream) {
	defer st.Close()
	_ = st.SetDeadline(ioDeadline(a.cfg.HandshakeTimeout))
	t, p, err := readFrame(st)
	if err != nil {
		a.logger.Warn("bad stream from relay", "err", err)
		return
	}
	switch t {
	case frameOpen:
		req, err := decodeOpen(p)
		if err == nil && !slices.Contains(a.cfg.Ports, req.port) {
			err = fmt.Errorf("port %d: %w: not exposed by this worker", req.port, iog.ErrForbidden)
		}
		if err != nil {
			a.logger.Warn("refused a stream", "err", err)
			_ = writeFrame(st, frameResult, resultOf(err).encode())
			return
		}
		addr := net.JoinHostPort(a.cfg.Host, strconv.Itoa(int(req.port)))
		dctx, cancel := context.WithTimeout(ctx, a.cfg.HandshakeTimeout)
		local, err := a.dial.dial(dctx, "tcp", addr)
		cancel()
		if err != nil {
			err = fmt.Errorf("device %s port %d: %w: %w", a.cfg.Device, req.port, iog.ErrUnavailable, err)
			_ = writeFrame(st, frameResult, resultOf(err).encode())
			return
		}
		c := &cuttable{Stream: st}
		defer live.add(st.StreamID(), c.end)()
		if err := writeFrame(st, frameResult, result{}.encode()); err != nil {
			_ = local.Close()
			return
		}
		c.ready()
		// A stream this side cuts short, such as one whose service reset
		// its connection, must be cut at the relay and the engineer too.
		splice(ctx, c, local, meter{}, meter{}, nil, func(why error) { c.reset(why, a.cfg.HandshakeTimeout) })
	case frameOpenMesh:
		req, err := decodeMeshReq(p)
		a.meshMu.Lock()
		accept := a.meshFunc
		a.meshMu.Unlock()
		if err == nil && accept == nil {
			err = fmt.Errorf("device %s: %w: no mesh node runs on it", a.cfg.Device, iog.ErrUnavailable)
		}
		if err != nil {
			_ = writeFrame(st, frameResult, resultOf(err).encode())
			return
		}
		c := &cuttable{Stream: st}
		defer live.add(st.StreamID(), c.end)()
		if err := writeFrame(st, frameResult, result{}.encode()); err != nil {
			return
		}
		c.ready()
		accept(ctx, req.peer, c)
	case frameReset:
		if err := live.reset(p); err != nil {
			a.logger.Warn("bad reset from relay", "err", err)
		}
	default:
		a.logger.Warn("bad stream from relay", "err", frameErrorf("unexpected %s frame", t))
	}
}

// request opens a stream to the relay, sends one frame and reads the
// answer frame; the stream is returned open for a relayed link, which the
// relay may cut short (see openLive).
func (a *Agent) request(ctx context.Context, t frameType, payload []byte) (*stream, frameType, []byte, error) {
	rc := a.conn.Load()
	if rc == nil {
		return nil, 0, nil, fmt.Errorf("device %s: %w: not connected to the relay", a.cfg.Device, iog.ErrUnavailable)
	}
	var s *stream
	var err error
	if t == frameOpenMesh {
		s, err = openLive(rc.sess, &rc.live, a.cfg.HandshakeTimeout)
	} else {
		var st *yamux.Stream
		if st, err = rc.sess.OpenStream(); err == nil {
			s = newStream(st, nil)
		}
	}
	if err != nil {
		return nil, 0, nil, fmt.Errorf("open stream to relay: %w: %w", iog.ErrUnavailable, err)
	}
	rt, rp, err := exchange(ctx, s.Stream, t, payload)
	if err != nil {
		s.abandon()
		return nil, 0, nil, err
	}
	return s, rt, rp, nil
}

// exchange writes a frame on st and reads the answer, giving up when ctx
// ends.
func exchange(ctx context.Context, st net.Conn, t frameType, payload []byte) (frameType, []byte, error) {
	stop := context.AfterFunc(ctx, func() { _ = st.SetDeadline(pastDeadline) })
	defer stop()
	if err := writeFrame(st, t, payload); err != nil {
		return 0, nil, err
	}
	rt, rp, err := readFrame(st)
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, ctx.Err()
		}
		return 0, nil, err
	}
	if !stop() {
		return 0, nil, ctx.Err()
	}
	if rt == frameResult {
		res, err := decodeResult(rp)
		if err != nil {
			return 0, nil, err
		}
		if err := res.err(); err != nil {
			return 0, nil, err
		}
	}
	return rt, rp, nil
}
