package tunnel

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/yamux"

	"github.com/internetofgpus/iog"
)

// Tunnel is the engineer's side of the network: reaching a port on a
// rented device wherever it sits, NAT and firewalls included.
type Tunnel interface {
	// Dial returns a connection to port on device. It fails with an error
	// matching iog.ErrForbidden when the caller has not rented the device
	// or the worker does not expose the port, iog.ErrExpired when the
	// rental has ended, iog.ErrUnavailable when the device is not
	// connected or nothing listens on the port, and iog.ErrUnauthorized
	// when the relay does not accept the caller's key.
	//
	// The connection closes as TCP does: CloseWrite ends the sending side
	// alone, and Close before the end of input was read resets the stream
	// on every hop. A stream cut short elsewhere, at the end of its rental
	// or by a failure on the way, fails its reads and writes with the
	// reason (iog.ErrExpired, iog.ErrForbidden or iog.ErrUnavailable), never
	// with a clean end of input; so does a stream whose connection is
	// lost, on any hop (iog.ErrUnavailable). A write that waits
	// PeerTimeout for the connection fails it, and every stream on it.
	Dial(ctx context.Context, device iog.DeviceID, port uint16) (net.Conn, error)
	// Forward accepts connections on ln and connects each to port on
	// device, like ssh -L, until ctx ends; then it closes ln, waits for
	// the forwarded connections to close and returns nil. A connection
	// that cannot be dialed is closed and logged.
	Forward(ctx context.Context, ln net.Listener, device iog.DeviceID, port uint16) error
}

// ClientConfig configures a Client. RelayAddr, RelayPin and Key are
// required; every other zero value takes the default its field names.
type ClientConfig struct {
	// RelayAddr is the relay's host:port, and RelayPin its key pin.
	RelayAddr string
	RelayPin  Pin
	// Key is the engineer's wallet key: its public half is the
	// iog.WalletAddress that rented the devices.
	Key ed25519.PrivateKey
	// ConnConfig sets logging, keepalives, timeouts and windows.
	ConnConfig
	// Dial opens the TCP connection to the relay; nil is a net.Dialer's.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Client is the Tunnel of an engineer: one TLS connection to the relay,
// made on first use and again after it drops, carrying a stream per Dial.
// The zero value is not usable; create one with NewClient, and Close it.
type Client struct {
	cfg    ClientConfig
	dial   dialConfig
	logger *slog.Logger

	mu      sync.Mutex
	conn    *relayConn
	dialing chan struct{}      // closed when the connection attempt under way ends
	stop    context.CancelFunc // ends the attempt under way
	closed  bool
}

var _ Tunnel = (*Client)(nil)

// NewClient checks cfg and returns a Client. It does not connect yet.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.RelayAddr == "" {
		return nil, fmt.Errorf("new client: %w: a relay address is required", iog.ErrInvalid)
	}
	if len(cfg.Key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("new client: %w: the wallet key must be an ed25519 private key", iog.ErrInvalid)
	}
	cfg.ConnConfig = cfg.withDefaults()
	return &Client{
		cfg:    cfg,
		dial:   newDialConfig(cfg.RelayAddr, cfg.RelayPin, cfg.HandshakeTimeout, cfg.Dial),
		logger: cfg.Logger.With("part", "client"),
	}, nil
}

// errClientClosed reports use of a closed Client.
var errClientClosed = fmt.Errorf("tunnel client: %w", net.ErrClosed)

// relayConn is a client's connection to the relay and the streams on it
// that the relay may cut short.
type relayConn struct {
	sess *yamux.Session
	live liveStreams
}

// session returns the live connection to the relay, connecting if there is
// none. One caller connects at a time; the others wait for it, or for
// their own ctx to end.
func (c *Client) session(ctx context.Context) (*relayConn, error) {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil, errClientClosed
		}
		if c.conn != nil && !c.conn.sess.IsClosed() {
			rc := c.conn
			c.mu.Unlock()
			return rc, nil
		}
		if wait := c.dialing; wait != nil {
			c.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		done := make(chan struct{})
		dctx, stop := context.WithCancel(ctx)
		c.dialing, c.stop = done, stop
		c.mu.Unlock()

		rc, err := c.connect(dctx)
		stop()
		c.mu.Lock()
		c.dialing, c.stop = nil, nil
		close(done)
		if c.closed {
			if err == nil {
				_ = rc.sess.Close()
			}
			rc, err = nil, errClientClosed
		}
		if err == nil {
			c.conn = rc
		}
		c.mu.Unlock()
		return rc, err
	}
}

// connect makes a new connection to the relay, and serves the resets the
// relay sends on it until it ends.
func (c *Client) connect(ctx context.Context) (*relayConn, error) {
	sess, err := muxRelay(ctx, c.dial, hello{role: roleEngineer}, c.cfg.Key, c.cfg.ConnConfig, c.logger)
	if err != nil {
		return nil, err
	}
	rc := &relayConn{sess: sess}
	go serveResets(sess, &rc.live, c.cfg.HandshakeTimeout, c.logger)
	return rc, nil
}

// serveResets ends the streams the relay cuts short, until sess ends. The
// relay opens no other stream to an engineer.
func serveResets(sess *yamux.Session, live *liveStreams, timeout time.Duration, logger *slog.Logger) {
	for {
		st, err := sess.AcceptStream()
		if err != nil {
			return
		}
		_ = st.SetDeadline(ioDeadline(timeout))
		p, err := expectFrame(st, frameReset)
		if err == nil {
			err = live.reset(p)
		}
		if err != nil {
			logger.Warn("bad stream from relay", "err", err)
		}
		_ = st.Close()
	}
}

// Dial implements Tunnel.
func (c *Client) Dial(ctx context.Context, device iog.DeviceID, port uint16) (net.Conn, error) {
	req := openReq{device: device, port: port}
	if _, err := decodeOpen(req.encode()); err != nil {
		return nil, fmt.Errorf("dial device %s port %d: %w", device, port, err)
	}
	// A connection that died since its last use fails the open; one more
	// try on a fresh connection tells a dead connection from a dead relay.
	for try := 0; ; try++ {
		rc, err := c.session(ctx)
		if err != nil {
			return nil, fmt.Errorf("dial device %s port %d: %w", device, port, err)
		}
		s, err := openLive(rc.sess, &rc.live, c.cfg.HandshakeTimeout)
		if err == nil {
			if _, _, err = exchange(ctx, s.Stream, frameOpen, req.encode()); err != nil {
				s.abandon()
				return nil, fmt.Errorf("dial device %s port %d: %w", device, port, err)
			}
			return s, nil
		}
		_ = rc.sess.Close()
		if try > 0 || ctx.Err() != nil {
			return nil, fmt.Errorf("dial device %s port %d: %w: %w", device, port, iog.ErrUnavailable, err)
		}
	}
}

// Forward implements Tunnel.
func (c *Client) Forward(ctx context.Context, ln net.Listener, device iog.DeviceID, port uint16) error {
	var wg sync.WaitGroup
	defer func() {
		_ = ln.Close()
		wg.Wait()
	}()
	err := acceptLoop(ctx, ln, c.logger, func(local net.Conn) {
		wg.Go(func() {
			remote, err := c.Dial(ctx, device, port)
			if err != nil {
				c.logger.Warn("forward: dial failed", "device", device, "port", port, "err", err)
				_ = local.Close()
				return
			}
			splice(ctx, local, remote, meter{}, meter{}, nil, nil)
		})
	})
	if err != nil {
		return fmt.Errorf("forward to device %s port %d: %w", device, port, err)
	}
	return nil
}

// Close closes the connection to the relay and every stream on it, and
// ends a connection attempt under way; Dial then fails with net.ErrClosed.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.stop != nil {
		c.stop()
	}
	if c.conn != nil {
		return c.conn.sess.Close()
	}
	return nil
}
