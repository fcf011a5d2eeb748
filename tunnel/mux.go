package tunnel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/yamux"
	"golang.org/x/time/rate"

	"github.com/internetofgpus/iog"
)

// Defaults shared by the relay, the agent and the client.
const (
	// DefaultKeepAlive is how often a connection is pinged; with the
	// default PeerTimeout, a dead peer is noticed within three times this.
	DefaultKeepAlive = 5 * time.Second
	// DefaultHandshakeTimeout bounds a TLS handshake plus hello, and the
	// open frame of a stream.
	DefaultHandshakeTimeout = 10 * time.Second
	// DefaultStreamWindow is the most a stream may have in flight: it
	// should cover bandwidth × RTT of the path, and 4 MiB does 1 Gbit/s at
	// 32 ms. Memory is taken only while data waits to be read, so an idle
	// stream costs nothing of it.
	DefaultStreamWindow = 4 << 20
	// windowRate is the rate a connection's stream window is sized for:
	// the window covers twice its measured RTT at this rate, up to
	// ConnConfig.StreamWindow.
	windowRate = 1 << 30
	// minStreamWindow is the smallest window a short path is given.
	minStreamWindow = 512 << 10
	// copyBufferSize is the chunk each splice moves at a time; a large one
	// makes for large multiplexer frames and few TLS records.
	copyBufferSize = 128 << 10
)

// ConnConfig holds the settings every tunnel connection shares, on the
// relay, the agent and the client alike. Each zero value takes the default
// its field names.
type ConnConfig struct {
	// Logger receives connection events and refusals; nil is
	// slog.Default().
	Logger *slog.Logger
	// KeepAlive is the ping interval of every connection; zero is
	// DefaultKeepAlive.
	KeepAlive time.Duration
	// PeerTimeout is how long a ping may go unanswered, or a write wait
	// for the connection, before the peer counts as dead and the
	// connection is closed; zero is twice KeepAlive. A dead peer is thus
	// noticed within KeepAlive + PeerTimeout. Pings queue behind data, so
	// a busy connection needs the slack.
	PeerTimeout time.Duration
	// HandshakeTimeout bounds a connection's TLS handshake and hello, and a
	// stream's open; zero is DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
	// StreamWindow is the largest per-stream window of the multiplexer, in
	// bytes; zero is DefaultStreamWindow. Where the kernel reports a
	// connection's round-trip time (Linux), the window is sized to twice
	// that time at 1 GiB/s, at least 512 KiB and at most this: a short
	// path needs little window, and a stream backlogged on a window it
	// does not need spreads its data over more memory than the caches
	// hold (on loopback, 4 MiB costs about a fifth more CPU per byte
	// than 512 KiB).
	StreamWindow uint32
	// Privacy pads and delays this side's traffic; off by default. On a
	// relay, padding follows each peer's request, and MaxDelay applies to
	// every connection.
	Privacy Privacy
}

// withDefaults fills the zero fields.
func (c ConnConfig) withDefaults() ConnConfig {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.KeepAlive <= 0 {
		c.KeepAlive = DefaultKeepAlive
	}
	if c.PeerTimeout <= 0 {
		c.PeerTimeout = 2 * c.KeepAlive
	}
	if c.HandshakeTimeout <= 0 {
		c.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if c.StreamWindow == 0 {
		c.StreamWindow = DefaultStreamWindow
	}
	return c
}

// acceptLoop hands every connection ln accepts to handle, which must not
// block, until ctx ends; then it closes ln and returns nil. Accept errors
// that may pass (such as too many open files) are logged and retried
// after a pause that doubles up to a second; a listener closed by someone
// else ends the loop with an error.
func acceptLoop(ctx context.Context, ln net.Listener, logger *slog.Logger, handle func(net.Conn)) error {
	stop := context.AfterFunc(ctx, func() { _ = ln.Close() })
	defer stop()
	var pause time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("accept on %s: %w", ln.Addr(), err)
			}
			pause = min(max(2*pause, 5*time.Millisecond), time.Second)
			logger.Error("accept failed; retrying", "addr", ln.Addr().String(), "err", err, "in", pause)
			select {
			case <-time.After(pause): // pacing at the I/O edge, on the wall clock
			case <-ctx.Done():
				return nil
			}
			continue
		}
		pause = 0
		handle(c)
	}
}

// ioDeadline is a connection deadline d from now. Deadlines of net.Conn
// are wall-clock instants, so this, at the I/O edge, is the one place the
// package reads the wall clock; rental expiries go through an iog.Clock.
func ioDeadline(d time.Duration) time.Time { return time.Now().Add(d) }

// window is the stream window of a connection with round-trip time rtt;
// zero is an RTT not known, which gets StreamWindow.
func (cc ConnConfig) window(rtt time.Duration) uint32 {
	if rtt <= 0 {
		return cc.StreamWindow
	}
	w := uint64(rtt) * 2 * windowRate / uint64(time.Second)
	return uint32(min(max(w, minStreamWindow), uint64(cc.StreamWindow)))
}

// muxConfig is the multiplexer configuration of a tunnel connection whose
// streams get the window given.
func (cc ConnConfig) muxConfig(logger *slog.Logger, window uint32) *yamux.Config {
	c := yamux.DefaultConfig()
	c.AcceptBacklog = 1024
	c.EnableKeepAlive = true
	c.KeepAliveInterval = cc.KeepAlive
	c.ConnectionWriteTimeout = cc.PeerTimeout
	// yamux starts every stream at 256 KiB and cannot go below it.
	c.MaxStreamWindowSize = max(window, 256<<10)
	c.StreamOpenTimeout = 30 * time.Second
	// No timer resets a half-closed stream: yamux would reset a stream
	// whose peer has not closed its side within StreamCloseTimeout of our
	// close, and a half close (CloseWrite, or a splice passing on an end
	// of input) would then cut a reply that takes longer than that, which
	// TCP delivers. The relay bounds the streams a peer leaves unclosed
	// instead (Relay.acceptStreams).
	c.StreamCloseTimeout = 0
	c.LogOutput = nil
	c.Logger = slog.NewLogLogger(logger.With("part", "yamux").Handler(), slog.LevelDebug)
	return c
}

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, copyBufferSize); return &b }}

// meter counts the bytes a copy moves and may hold it to a rate, timed by
// clock.
type meter struct {
	bytes   *atomic.Uint64
	limiter *rate.Limiter // nil: unlimited
	clock   iog.Clock
}

// errLimit reports a chunk larger than the limiter's burst; copyMetered
// never asks for one.
var errLimit = errors.New("rate limit burst smaller than a chunk")

// wait holds the copy until the limiter allows n more bytes, or until ctx
// ends or abort closes.
func (m meter) wait(ctx context.Context, abort <-chan struct{}, n int) error {
	if m.limiter == nil {
		return nil
	}
	now := m.clock.Now()
	r := m.limiter.ReserveN(now, n)
	if !r.OK() {
		return errLimit
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	select {
	case <-m.clock.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-abort:
		return net.ErrClosed
	}
}

// copyMetered copies src to dst until EOF or an error, adding every byte
// written to m and waiting on m's limiter before each chunk.
func copyMetered(ctx context.Context, abort <-chan struct{}, dst io.Writer, src io.Reader, m meter) error {
	bp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bp)
	buf := *bp
	if m.limiter != nil && m.limiter.Limit() != rate.Inf && m.limiter.Burst() < len(buf) {
		buf = buf[:max(1, m.limiter.Burst())]
	}
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			if err := m.wait(ctx, abort, n); err != nil {
				return err
			}
			w, werr := dst.Write(buf[:n])
			if m.bytes != nil {
				m.bytes.Add(uint64(w))
			}
			if werr != nil {
				return werr
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

// halfCloser is a connection whose write side can be closed alone.
type halfCloser interface{ CloseWrite() error }

// closeWrite ends the write side of c: TCP's CloseWrite, or Close for a
// multiplexed stream, whose Close is a half close already.
func closeWrite(c net.Conn) {
	if hc, ok := c.(halfCloser); ok {
		_ = hc.CloseWrite()
		return
	}
	_ = c.Close()
}

// grant is how long a spliced stream may stay open: until its end, with
// the Authorizer asked again every interval, so that an authorization
// withdrawn early (a rental ended before its expiry) closes the stream
// too. A nil grant never ends.
type grant struct {
	clock iog.Clock
	until time.Time // zero: no end but a refusal
	every time.Duration
	ask   func() (time.Time, error)
	why   error // why the grant ran out, once it has
}

// next returns a channel that fires at the next check, nil for a nil
// grant.
func (g *grant) next() <-chan time.Time {
	if g == nil {
		return nil
	}
	d := g.every
	if !g.until.IsZero() {
		d = min(d, g.until.Sub(g.clock.Now()))
	}
	return g.clock.After(d)
}

// renew asks the Authorizer again, and reports whether the stream may stay
// open. Only a refusal (iog.ErrForbidden, iog.ErrExpired) withdraws it; an
// Authorizer failing for a passing reason leaves the stream to the end it
// was given.
func (g *grant) renew() bool {
	until, err := g.ask()
	switch {
	case err == nil:
	case revoked(err):
		g.why = err
		return false
	default:
		until = g.until
	}
	if !until.IsZero() && !until.After(g.clock.Now()) {
		g.why = fmt.Errorf("%w: the authorization ended at %s", iog.ErrExpired, until.UTC().Format(time.RFC3339))
		return false
	}
	g.until = until
	return true
}

// splice copies a to b and b to a until both directions end, then closes
// both. An end of input half-closes the other side, so a request and its
// response can follow each other as on one TCP connection. A failure in
// either direction, ctx ending, or g running out aborts both, and then
// cutShort, unless nil, runs with the first failure before both are
// closed: a multiplexed stream has no reset of its own, so its far end
// must be told (see sendReset).
func splice(ctx context.Context, a, b net.Conn, aToB, bToA meter, g *grant, cutShort func(why error)) {
	errs := make(chan error, 2)
	aborted := make(chan struct{})
	var once sync.Once
	abort := func() {
		once.Do(func() {
			close(aborted)
			_ = a.SetDeadline(pastDeadline)
			_ = b.SetDeadline(pastDeadline)
		})
	}
	run := func(dst, src net.Conn, m meter) {
		err := copyMetered(ctx, aborted, dst, src, m)
		if err != nil {
			abort()
		} else {
			closeWrite(dst)
		}
		errs <- err
	}
	go run(b, a, aToB)
	go run(a, b, bToA)
	var first error
	stopped := ctx.Done()
	cut := g.next()
	for done := 0; done < 2; {
		select {
		case err := <-errs:
			done++
			if first == nil && err != nil {
				first = err
			}
		case <-cut:
			if g.renew() {
				cut = g.next()
				continue
			}
			cut = nil
			first = errCut
			abort()
		case <-stopped:
			stopped = nil
			abort()
		}
	}
	if errors.Is(first, errCut) {
		first = fmt.Errorf("%w: %w", errCut, g.why)
	}
	if first != nil && cutShort != nil {
		cutShort(first)
	}
	_ = a.Close()
	_ = b.Close()
}

// errCut reports a stream closed because its authorization ran out or was
// withdrawn.
var errCut = errors.New("stream closed: its rental has ended")

// liveStreams are the multiplexer streams of one connection that a reset
// frame may end, by stream ID, each with what ends it.
type liveStreams struct {
	mu  sync.Mutex
	end map[uint32]func(why error)
}

// add registers end for id, and returns the function that unregisters it.
func (l *liveStreams) add(id uint32, end func(why error)) (remove func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.end == nil {
		l.end = make(map[uint32]func(error))
	}
	l.end[id] = end
	return func() {
		l.mu.Lock()
		delete(l.end, id)
		l.mu.Unlock()
	}
}

// reset ends the stream a reset frame's payload p names, if it is still
// live; a stream that has ended already is no error.
func (l *liveStreams) reset(p []byte) error {
	req, err := decodeReset(p)
	if err != nil {
		return err
	}
	l.mu.Lock()
	end := l.end[req.stream]
	delete(l.end, req.stream)
	l.mu.Unlock()
	if end != nil {
		end(req.why.err())
	}
	return nil
}

// cuttable is a spliced stream that a reset from its far end may end at
// any moment after it is registered (liveStreams.add), even before the
// splice starts: ready keeps such an early reset in force.
type cuttable struct {
	st  *yamux.Stream
	cut atomic.Bool // by a reset from the far end, who needs no reset back
}

// end ends the stream: its reads and writes fail from now on.
func (c *cuttable) end(error) {
	c.cut.Store(true)
	_ = c.st.SetDeadline(pastDeadline)
}

// ready clears the stream's deadlines for splicing, unless a reset came
// first. The check follows the clearing, so that a reset at any moment
// sticks.
func (c *cuttable) ready() {
	_ = c.st.SetDeadline(time.Time{})
	if c.cut.Load() {
		_ = c.st.SetDeadline(pastDeadline)
	}
}

// reset tells the far end of the stream that it was cut short, and why,
// unless the far end cut it.
func (c *cuttable) reset(why error, timeout time.Duration) {
	if !c.cut.Load() {
		sendReset(c.st.Session(), c.st.StreamID(), why, timeout)
	}
}

// sendReset tells the far end of sess that its stream id was cut short,
// and why, on a stream of its own: yamux v0.1.2 cannot reset a stream, and
// a close is only a half close, after which the far end could write into
// a window nobody drains.
func sendReset(sess *yamux.Session, id uint32, why error, timeout time.Duration) {
	st, err := sess.OpenStream()
	if err != nil {
		return
	}
	_ = st.SetDeadline(ioDeadline(timeout))
	_ = writeFrame(st, frameReset, resetReq{stream: id, why: resultOf(why)}.encode())
	_ = st.Close()
}

// drain reads st to its end and drops what it reads, until the far end,
// told to by a reset, closes its side, or until deadline.
func drain(st *yamux.Stream, deadline time.Time) {
	_ = st.SetReadDeadline(deadline)
	_, _ = io.Copy(io.Discard, st)
}

// stream is a multiplexed stream with TCP's closing semantics:
// CloseWrite ends the sending side alone (the peer reads EOF), Close ends
// both, and a stream cut short fails every read and write with the
// reason, as a TCP reset would.
type stream struct {
	*yamux.Stream
	why     atomic.Pointer[error] // set once the stream is closed or cut
	ended   atomic.Bool           // a read has reached the end of the stream
	closing sync.Once
	// closed, unless nil, runs once at the first close; cutShort says
	// that the stream's end was not read and the relay was not the one to
	// cut it, so the relay must be told.
	closed func(cutShort bool)
}

func newStream(st *yamux.Stream, closed func(cutShort bool)) *stream {
	return &stream{Stream: st, closed: closed}
}

// openLive opens a stream on sess, to the relay, that the relay may cut
// short: it is registered in live before anything is sent on it, so that
// no reset can come before it, and closing it before its end tells the
// relay to cut it at the far end too.
func openLive(sess *yamux.Session, live *liveStreams, timeout time.Duration) (*stream, error) {
	st, err := sess.OpenStream()
	if err != nil {
		return nil, err
	}
	s := newStream(st, nil)
	remove := live.add(st.StreamID(), s.cut)
	s.closed = func(cutShort bool) {
		remove()
		if cutShort {
			sendReset(sess, st.StreamID(), errClosedEarly, timeout)
		}
	}
	return s, nil
}

// errClosedEarly is the reason the relay hears for a stream closed before
// its end.
var errClosedEarly = fmt.Errorf("%w: the stream was closed before its end", net.ErrClosed)

// abandon closes a stream that the relay never spliced: no reset is due.
func (s *stream) abandon() { _ = s.close(net.ErrClosed, false) }

// cut ends the stream for why, at the relay's word.
func (s *stream) cut(why error) { _ = s.close(why, false) }

// fail returns the reason the stream was closed or cut, if it was, in
// place of err; otherwise err.
func (s *stream) fail(err error) error {
	if why := s.why.Load(); why != nil {
		return *why
	}
	return err
}

func (s *stream) Read(b []byte) (int, error) {
	if err := s.fail(nil); err != nil {
		return 0, err
	}
	n, err := s.Stream.Read(b)
	if err != nil {
		// A cut stream's far end closes it too, and yamux may report that
		// close as an end of input before the reset's deadline: the cut
		// is what happened.
		err = s.fail(err)
		if err == io.EOF {
			s.ended.Store(true)
		}
	}
	return n, err
}

func (s *stream) Write(b []byte) (int, error) {
	if err := s.fail(nil); err != nil {
		return 0, err
	}
	n, err := s.Stream.Write(b)
	if err != nil {
		err = s.fail(err)
	}
	return n, err
}

// CloseWrite half-closes the stream.
func (s *stream) CloseWrite() error { return s.Stream.Close() }

// Close closes both directions: reads and writes pending or to come fail
// with net.ErrClosed. A stream closed before its end was read is cut
// short, as TCP resets a connection closed with data unread, and the
// worker closes its side of it.
func (s *stream) Close() error { return s.close(net.ErrClosed, !s.ended.Load()) }

func (s *stream) close(why error, cutShort bool) error {
	s.why.CompareAndSwap(nil, &why)
	_ = s.Stream.SetDeadline(pastDeadline)
	s.closing.Do(func() {
		if s.closed != nil {
			s.closed(cutShort)
		}
	})
	return s.Stream.Close()
}
