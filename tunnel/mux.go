package tunnel

import (
	"log/slog"
	"time"

	"github.com/hashicorp/yamux"
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
	// minStreamOpenTimeout is the least time a stream's open may wait for
	// the peer's acknowledgement before the connection counts as dead.
	minStreamOpenTimeout = 30 * time.Second
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
	// stream's open; zero is DefaultHandshakeTimeout. A stream whose open
	// the peer does not acknowledge within this, or 30 seconds if longer,
	// closes the connection.
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
	// yamux closes the whole connection when a stream it opened is not
	// acknowledged in time, as if the peer were dead: a busy peer
	// accepting many streams at once is not, so the bound is at least
	// what a stream's open may take (HandshakeTimeout).
	c.StreamOpenTimeout = max(minStreamOpenTimeout, cc.HandshakeTimeout)
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
