package tunnel_test

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tunnel"
)

// heldConn is a TCP connection that a test can cut, as a lost path is
// cut, or whose writes it can hold, as a peer that stops reading holds
// them, until it releases them or the connection is closed.
type heldConn struct {
	net.Conn
	mu     sync.Mutex
	flow   chan struct{} // closed while writes flow
	closed chan struct{}
	once   sync.Once
}

func newHeldConn(c net.Conn) *heldConn {
	flow := make(chan struct{})
	close(flow)
	return &heldConn{Conn: c, flow: flow, closed: make(chan struct{})}
}

func (c *heldConn) hold() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.flow = make(chan struct{})
}

func (c *heldConn) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.flow:
	default:
		close(c.flow)
	}
}

func (c *heldConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	flow := c.flow
	c.mu.Unlock()
	select {
	case <-flow:
	case <-c.closed:
		return 0, net.ErrClosed
	}
	return c.Conn.Write(b)
}

func (c *heldConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

// dialHeld is a Dial that wraps each connection to addr in a heldConn and
// sends it on conns, if there is room; other addresses are dialed as they
// are.
func dialHeld(addr string, conns chan<- *heldConn) func(context.Context, string, string) (net.Conn, error) {
	return func(ctx context.Context, network, a string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, a)
		if err != nil || a != addr {
			return c, err
		}
		h := newHeldConn(c)
		select {
		case conns <- h:
		default:
		}
		return h, nil
	}
}

// A stream whose connection is lost on the way, at the engineer's end or
// at the worker's, fails at the engineer: never a clean end of input
// after part of the transfer. The multiplexer ends every stream of a lost
// connection with what reads as a clean end.
func TestStreamEndsInErrorWhenItsConnectionIsLost(t *testing.T) {
	for _, lost := range []string{"the engineer's connection", "the worker's connection"} {
		t.Run(lost, func(t *testing.T) {
			noLeaks(t)
			done := make(chan struct{})
			port := serve(t, func(c net.Conn) {
				if _, err := c.Write([]byte("part")); err == nil {
					_, _ = io.Copy(io.Discard, c)
					<-done // the rest never comes, whatever the engineer sends
				}
			})
			t.Cleanup(func() { close(done) })
			n := newTestNet(t, nil)
			conns := make(chan *heldConn, 1)
			n.startAgent("gpu-1", gpuKey, []uint16{port}, func(c *tunnel.AgentConfig) {
				if lost == "the worker's connection" {
					c.Dial = dialHeld(n.addr, conns)
				}
			})
			n.waitOnline("gpu-1")
			n.rent("cluster-1", engineer, time.Hour, "gpu-1")
			cfg := tunnel.ClientConfig{RelayAddr: n.addr, RelayPin: n.pin, Key: engineer, ConnConfig: tunnel.ConnConfig{Logger: discard()}}
			if lost == "the engineer's connection" {
				cfg.Dial = dialHeld(n.addr, conns)
			}
			c, err := tunnel.NewClient(cfg)
			require.NoError(t, err)
			defer c.Close()
			conn, err := c.Dial(context.Background(), "gpu-1", port)
			require.NoError(t, err)
			defer conn.Close()
			got := make([]byte, 4)
			_, err = io.ReadFull(conn, got)
			require.NoError(t, err)
			require.Equal(t, "part", string(got))
			require.NoError(t, conn.(interface{ CloseWrite() error }).CloseWrite())

			require.NoError(t, (<-conns).Close())
			rest, err := io.ReadAll(conn)
			require.ErrorIs(t, err, iog.ErrUnavailable, "read %q after the loss, then a clean end", rest)
		})
	}
}

// A write that waits longer than PeerTimeout for the connection fails, and
// the multiplexer keeps the data it gave up on, which may still be sent:
// what the stream carries from then on is not what was written. The
// connection is closed, as PeerTimeout says, and the stream never reads
// as complete, even for a caller that drops the write's error and closes
// its side, as TestThousandConcurrentStreams once did.
func TestFailedWriteNeverEndsCleanly(t *testing.T) {
	noLeaks(t)
	n, _, echoPort := newEchoNet(t, nil)
	conns := make(chan *heldConn, 1)
	c, err := tunnel.NewClient(tunnel.ClientConfig{
		RelayAddr: n.addr, RelayPin: n.pin, Key: engineer, Dial: dialHeld(n.addr, conns),
		// Only the write held below waits PeerTimeout; no keepalive comes
		// in between.
		ConnConfig: tunnel.ConnConfig{Logger: discard(), KeepAlive: time.Hour, PeerTimeout: 3 * time.Second},
	})
	require.NoError(t, err)
	defer c.Close()
	conn, err := c.Dial(context.Background(), "gpu-1", echoPort)
	require.NoError(t, err)
	defer conn.Close()
	echoOnce(t, conn, []byte("before the stall"))
	held := <-conns

	held.hold()
	_, err = conn.Write([]byte(strings.Repeat("held ", 1000)))
	require.Error(t, err)
	held.release()
	_ = conn.(interface{ CloseWrite() error }).CloseWrite()
	back, err := io.ReadAll(conn)
	require.ErrorIs(t, err, iog.ErrUnavailable, "read %d bytes, then a clean end", len(back))
}
