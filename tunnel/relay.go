package tunnel

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/yamux"
	"golang.org/x/time/rate"

	"github.com/internetofgpus/iog"
)

// RelayConfig configures a Relay. Certificate and Authorizer are required;
// every other zero value takes the default its field names.
type RelayConfig struct {
	// Certificate is the relay's TLS certificate; clients pin its key (see
	// NewCertificate and PinOf).
	Certificate tls.Certificate
	// Authorizer admits workers and allows streams.
	Authorizer Authorizer
	// Clock times the end of rentals for open streams, and the rate
	// limits; nil is iog.SystemClock.
	Clock iog.Clock
	// ConnConfig sets logging, keepalives, timeouts and windows.
	ConnConfig
	// DeviceRate limits the bytes per second through each device's tunnel,
	// both directions together, timed by Clock; zero is unlimited.
	DeviceRate rate.Limit
	// DeviceBurst is the most bytes a device's tunnel may move at once
	// under DeviceRate; zero is 256 KiB.
	DeviceBurst int
	// MaxStreams bounds the streams one connection may have open through
	// the relay at once; more are refused. An engineer's connection that
	// holds more than twice as many, counting those the relay has closed
	// and the engineer has not, is closed. Zero is 4096.
	MaxStreams int
	// Recheck is how often, timed by Clock, the relay asks the Authorizer
	// again about each open stream, closing it once refused (see
	// Authorizer): a rental ended before its expiry closes its streams
	// within Recheck. Zero is DefaultRecheck.
	Recheck time.Duration
}

// DefaultRecheck is how often the relay asks again about open streams,
// unless RelayConfig.Recheck says otherwise.
const DefaultRecheck = 30 * time.Second

// Stats are the counters of one device's tunnel since the relay started,
// across reconnections: what metering bills and tiers are built on.
type Stats struct {
	// ToDevice and FromDevice count the payload bytes the relay moved.
	ToDevice, FromDevice uint64
	// Streams counts the streams opened to the device.
	Streams uint64
	// Refused counts the streams refused to the device since its worker
	// first connected.
	Refused uint64
}

// Relay is the meeting point of workers behind NAT and the engineers and
// mesh peers that reach them. Workers keep one TLS connection each, over
// which the relay opens a stream per engineer stream and splices the two.
// The zero value is not usable; create one with NewRelay.
type Relay struct {
	cfg    RelayConfig
	tls    *tls.Config
	logger *slog.Logger
	clock  iog.Clock

	refused atomic.Uint64

	mu      sync.Mutex
	workers map[iog.DeviceID]*workerConn
	devices map[iog.DeviceID]*deviceState
}

// deviceState is the part of a device that outlives its connections.
type deviceState struct {
	toDevice, fromDevice, streams, refused atomic.Uint64
	limiter                                *rate.Limiter
}

// workerConn is a connected worker.
type workerConn struct {
	device iog.DeviceID
	key    []byte
	ports  []uint16
	addr   net.Addr
	sess   *yamux.Session
	live   liveStreams // the streams the relay opened to it, while spliced

	mu         sync.Mutex
	candidates []string // announced mesh candidates
}

// NewRelay checks cfg and returns a Relay.
func NewRelay(cfg RelayConfig) (*Relay, error) {
	if cfg.Authorizer == nil {
		return nil, fmt.Errorf("new relay: %w: an Authorizer is required", iog.ErrInvalid)
	}
	if len(cfg.Certificate.Certificate) == 0 {
		return nil, fmt.Errorf("new relay: %w: a TLS certificate is required", iog.ErrInvalid)
	}
	if _, err := PinOf(cfg.Certificate); err != nil {
		return nil, fmt.Errorf("new relay: %w", err)
	}
	if cfg.Clock == nil {
		cfg.Clock = iog.SystemClock
	}
	cfg.ConnConfig = cfg.withDefaults()
	if cfg.MaxStreams <= 0 {
		cfg.MaxStreams = 4096
	}
	if cfg.Recheck <= 0 {
		cfg.Recheck = DefaultRecheck
	}
	if cfg.DeviceBurst <= 0 {
		cfg.DeviceBurst = 256 << 10
	}
	return &Relay{
		cfg:     cfg,
		tls:     serverTLS(cfg.Certificate),
		logger:  cfg.Logger.With("part", "relay"),
		clock:   cfg.Clock,
		workers: make(map[iog.DeviceID]*workerConn),
		devices: make(map[iog.DeviceID]*deviceState),
	}, nil
}

// Serve accepts connections on ln until ctx ends, then closes ln and every
// connection, waits for all of its goroutines, and returns nil. Accept
// errors that may pass (such as too many open files) are retried after a
// growing pause; it returns an error if ln is closed by someone else.
func (r *Relay) Serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		_ = ln.Close()
		wg.Wait()
	}()
	r.logger.Info("relay serving", "addr", ln.Addr().String())
	err := acceptLoop(ctx, ln, r.logger, func(c net.Conn) {
		wg.Go(func() { r.serveConn(ctx, c, &wg) })
	})
	if err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	return nil
}

// Online reports whether device's worker is connected.
func (r *Relay) Online(device iog.DeviceID) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.workers[device]
	return ok
}

// Stats returns device's counters, and false if the relay has never seen
// the device's worker connect.
func (r *Relay) Stats(device iog.DeviceID) (Stats, bool) {
	r.mu.Lock()
	d, ok := r.devices[device]
	r.mu.Unlock()
	if !ok {
		return Stats{}, false
	}
	return Stats{ToDevice: d.toDevice.Load(), FromDevice: d.fromDevice.Load(), Streams: d.streams.Load(), Refused: d.refused.Load()}, true
}

// AllStats returns the counters of every device the relay has seen, for
// metering and metrics export.
func (r *Relay) AllStats() map[iog.DeviceID]Stats {
	r.mu.Lock()
	ids := make([]iog.DeviceID, 0, len(r.devices))
	for id := range r.devices {
		ids = append(ids, id)
	}
	r.mu.Unlock()
	all := make(map[iog.DeviceID]Stats, len(ids))
	for _, id := range ids {
		all[id], _ = r.Stats(id)
	}
	return all
}

// Refused returns how many connections and streams the relay has refused.
func (r *Relay) Refused() uint64 { return r.refused.Load() }

func (r *Relay) device(id iog.DeviceID) *deviceState {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, ok := r.devices[id]
	if !ok {
		d = &deviceState{}
		if r.cfg.DeviceRate > 0 {
			d.limiter = rate.NewLimiter(r.cfg.DeviceRate, r.cfg.DeviceBurst)
		}
		r.devices[id] = d
	}
	return d
}

// countRefused counts a stream refused to a device the relay has seen. A
// device it has never seen gets no counters: any key may connect as an
// engineer, and names it makes up must not grow the relay's memory.
func (r *Relay) countRefused(id iog.DeviceID) {
	r.mu.Lock()
	d := r.devices[id]
	r.mu.Unlock()
	if d != nil {
		d.refused.Add(1)
	}
}

// refuse logs and counts a refusal, and tells the peer why when w is not
// nil.
func (r *Relay) refuse(w io.Writer, err error, attrs ...any) {
	r.refused.Add(1)
	r.logger.Warn("relay refused", append(attrs, "err", err.Error())...)
	if w != nil {
		_ = writeFrame(w, frameResult, resultOf(err).encode())
	}
}

// admit runs the TLS handshake and the hello, asks the Authorizer about
// a worker, and answers; refusals are logged, counted and told.
func (r *Relay) admit(ctx context.Context, conn *tls.Conn, remote string) (hello, error) {
	if err := conn.HandshakeContext(ctx); err != nil {
		r.logger.Debug("TLS handshake failed", "remote", remote, "err", err)
		return hello{}, err
	}
	ekm, err := exportEKM(conn.ConnectionState())
	if err != nil {
		r.refuse(nil, err, "remote", remote)
		return hello{}, err
	}
	h, err := readHello(conn, ekm)
	if err != nil {
		r.refuse(conn, err, "remote", remote)
		return hello{}, err
	}
	if h.role == roleWorker {
		err = r.cfg.Authorizer.AdmitWorker(h.device, h.key)
	}
	if err != nil {
		r.refuse(conn, err, "remote", remote, "device", h.device)
		return hello{}, err
	}
	if err := writeFrame(conn, frameResult, result{}.encode()); err != nil {
		return hello{}, err
	}
	return h, nil
}

// serveConn admits one connection and serves the streams its peer opens
// until it ends.
func (r *Relay) serveConn(ctx context.Context, c net.Conn, wg *sync.WaitGroup) {
	conn := tls.Server(c, r.tls)
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	remote := c.RemoteAddr().String()
	_ = conn.SetDeadline(r.deadline())
	h, err := r.admit(ctx, conn, remote)
	if err != nil {
		_ = conn.Close()
		return
	}
	_ = conn.SetDeadline(time.Time{})
	sess, err := yamux.Server(withPrivacy(conn, r.cfg.Privacy, h.flags&helloFlagPad != 0), r.cfg.muxConfig(r.logger, r.cfg.window(pathRTT(c))))
	if err != nil {
		_ = conn.Close()
		return
	}
	stop()
	stopSess := context.AfterFunc(ctx, func() { _ = sess.Close() })
	defer stopSess()
	defer sess.Close()
	if h.role == roleWorker {
		r.serveWorker(ctx, h, sess, c.RemoteAddr(), wg)
		return
	}
	wallet, _ := iog.WalletAddressOf(h.key)
	r.logger.Info("engineer connected", "wallet", wallet.String(), "remote", remote)
	var live liveStreams
	r.acceptStreams(sess, wg, 2*r.cfg.MaxStreams, func(st *yamux.Stream) { r.engineerStream(ctx, wallet, &live, st) }, "wallet", wallet.String())
}

func (r *Relay) serveWorker(ctx context.Context, h hello, sess *yamux.Session, addr net.Addr, wg *sync.WaitGroup) {
	w := &workerConn{device: h.device, key: h.key, ports: slices.Clone(h.ports), addr: addr, sess: sess}
	r.device(h.device) // create its counters
	r.mu.Lock()
	old := r.workers[h.device]
	r.workers[h.device] = w
	r.mu.Unlock()
	if old != nil {
		r.logger.Info("worker replaced its connection", "device", h.device)
		_ = old.sess.Close()
	}
	r.logger.Info("worker connected", "device", h.device, "remote", addr.String(), "ports", h.ports)
	defer func() {
		r.mu.Lock()
		if r.workers[h.device] == w {
			delete(r.workers, h.device)
		}
		r.mu.Unlock()
		r.logger.Info("worker disconnected", "device", h.device)
	}()
	r.acceptStreams(sess, wg, 0, func(st *yamux.Stream) { r.workerStream(ctx, w, st) }, "device", h.device)
}

// acceptStreams serves the streams a peer opens until its connection
// ends, at most MaxStreams at once; streams past that are refused.
//
// A stream the relay has closed stays in the session until the peer
// closes its side too. When maxHeld is not zero, a peer whose connection
// holds more streams than that, open or left unclosed, loses the
// connection, so that it cannot grow the relay's memory without bound.
// Engineers get that bound: any key may connect as one. A worker's
// session also holds the streams the relay opens to it, as many as
// engineers ask for, so it gets none.
func (r *Relay) acceptStreams(sess *yamux.Session, wg *sync.WaitGroup, maxHeld int, serve func(*yamux.Stream), attrs ...any) {
	slots := make(chan struct{}, r.cfg.MaxStreams)
	for {
		st, err := sess.AcceptStream()
		if err != nil {
			return
		}
		if held := sess.NumStreams(); maxHeld > 0 && held > maxHeld {
			r.refuse(nil, fmt.Errorf("%w: the peer holds %d streams, open or left unclosed, more than the %d the relay allows; closing its connection", iog.ErrUnavailable, held, maxHeld), attrs...)
			return
		}
		select {
		case slots <- struct{}{}:
			wg.Go(func() {
				defer func() { <-slots }()
				serve(st)
			})
		default:
			wg.Go(func() {
				defer st.Close()
				_ = st.SetDeadline(r.deadline())
				r.refuse(st, fmt.Errorf("%w: this connection has %d streams open, the most the relay allows", iog.ErrUnavailable, r.cfg.MaxStreams), attrs...)
			})
		}
	}
}

func (r *Relay) deadline() time.Time { return ioDeadline(r.cfg.HandshakeTimeout) }

func (r *Relay) worker(id iog.DeviceID) (*workerConn, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	w, ok := r.workers[id]
	if !ok {
		return nil, fmt.Errorf("device %s: %w: its worker is not connected to the relay", id, iog.ErrUnavailable)
	}
	return w, nil
}

// engineerStream serves one stream an engineer opened: an open frame, the
// authorization, then a splice to the worker; or a reset of a stream the
// engineer cut short.
func (r *Relay) engineerStream(ctx context.Context, wallet iog.WalletAddress, live *liveStreams, st *yamux.Stream) {
	defer st.Close()
	_ = st.SetDeadline(r.deadline())
	t, p, err := readFrame(st)
	var req openReq
	switch {
	case err != nil:
	case t == frameReset:
		err = live.reset(p)
	case t == frameOpen:
		req, err = decodeOpen(p)
	default:
		err = frameErrorf("an engineer may not send a %s frame", t)
	}
	if err != nil {
		r.refuse(st, err, "wallet", wallet.String())
		return
	}
	if t == frameReset {
		return
	}
	attrs := []any{"wallet", wallet.String(), "device", req.device, "port", req.port}
	until, err := r.cfg.Authorizer.AllowDial(wallet, req.device, req.port)
	if err == nil {
		err = r.checkPort(req.device, req.port)
	}
	if err != nil {
		r.countRefused(req.device)
		r.refuse(st, err, attrs...)
		return
	}
	// The port was checked against the worker's session that carries the
	// stream; a worker that reconnects ends the stream with its old
	// session, so only the rental needs asking again.
	ask := func() (time.Time, error) { return r.cfg.Authorizer.AllowDial(wallet, req.device, req.port) }
	r.connect(ctx, st, live, req.device, frameOpen, req.encode(), until, ask, attrs)
}

// checkPort refuses ports the device's worker does not expose.
func (r *Relay) checkPort(device iog.DeviceID, port uint16) error {
	w, err := r.worker(device)
	if err != nil {
		return err
	}
	if !slices.Contains(w.ports, port) {
		return fmt.Errorf("device %s port %d: %w: the worker does not expose it (it exposes %v)", device, port, iog.ErrForbidden, w.ports)
	}
	return nil
}

// connect opens a stream to device's worker, sends it the open frame,
// passes its answer back on st and splices the two until they end, until
// passes, or ask, the Authorizer's question asked again every Recheck,
// refuses. live holds the streams of st's connection.
//
// A splice cut short, by a failure, a withdrawn authorization or a reset
// from either end, is cut at both ends: each end that did not cut it is
// sent a reset, and each is given HandshakeTimeout to close its side,
// which it does at once, while the relay drops what it still sends.
func (r *Relay) connect(ctx context.Context, st *yamux.Stream, live *liveStreams, device iog.DeviceID, t frameType, payload []byte, until time.Time, ask func() (time.Time, error), attrs []any) {
	w, err := r.worker(device)
	if err != nil {
		r.refuse(st, err, attrs...)
		return
	}
	out, err := w.sess.OpenStream()
	if err != nil {
		r.refuse(st, fmt.Errorf("device %s: %w: %w", device, iog.ErrUnavailable, err), attrs...)
		return
	}
	defer out.Close()
	inEnd, outEnd := &cuttable{Stream: st}, &cuttable{Stream: out}
	defer live.add(st.StreamID(), inEnd.end)()
	defer w.live.add(out.StreamID(), outEnd.end)()
	_ = out.SetDeadline(r.deadline())
	if err := writeFrame(out, t, payload); err != nil {
		r.refuse(st, fmt.Errorf("device %s: %w: %w", device, iog.ErrUnavailable, err), attrs...)
		return
	}
	var res result
	p, err := expectFrame(out, frameResult)
	if err == nil {
		res, err = decodeResult(p)
	}
	if err != nil {
		r.refuse(st, fmt.Errorf("device %s: %w: %w", device, iog.ErrUnavailable, err), attrs...)
		return
	}
	if err := writeFrame(st, frameResult, p); err != nil {
		return
	}
	if res.code != resultOK {
		r.logger.Info("worker refused a stream", append(attrs, "reason", res.message)...)
		return
	}
	inEnd.ready()
	outEnd.ready()
	d := r.device(device)
	d.streams.Add(1)
	g := &grant{clock: r.clock, until: until, every: r.cfg.Recheck, ask: ask}
	splice(ctx, inEnd, outEnd, meter{&d.toDevice, d.limiter, r.clock}, meter{&d.fromDevice, d.limiter, r.clock}, g, func(why error) {
		if errors.Is(why, errCut) {
			r.logger.Info("stream closed at the end of its rental", append(attrs, "reason", why.Error())...)
		}
		inEnd.reset(why, r.cfg.HandshakeTimeout)
		outEnd.reset(why, r.cfg.HandshakeTimeout)
		deadline := r.deadline()
		drain(st, deadline)
		drain(out, deadline)
	})
}
