package tunnel_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tunnel"
)

// meshEcho echoes every stream a peer opens, after a line naming the peer.
func meshEcho(_ context.Context, peer iog.DeviceID, c net.Conn) {
	defer c.Close()
	fmt.Fprintf(c, "from %s\n", peer)
	echo(c)
}

// testNode is a cluster node: an agent and a mesh.
type testNode struct {
	mesh  *tunnel.Mesh
	ln    net.Listener
	agent *testAgent
}

func (n *testNet) startNode(device iog.DeviceID, key ed25519.PrivateKey, tweak func(*tunnel.MeshConfig), agentTweak ...func(*tunnel.AgentConfig)) *testNode {
	t := n.t
	t.Helper()
	a := n.startAgent(device, key, nil, func(c *tunnel.AgentConfig) {
		for _, tweak := range agentTweak {
			tweak(c)
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cfg := tunnel.MeshConfig{
		Agent:       a.agent,
		Listener:    ln,
		Handler:     meshEcho,
		Recheck:     50 * time.Millisecond,
		DialTimeout: time.Second,
		Logger:      discard(),
	}
	if tweak != nil {
		tweak(&cfg)
	}
	m, err := tunnel.NewMesh(cfg)
	require.NoError(t, err)
	background(t, m.Run)
	n.waitOnline(device)
	// The relay counts the agent before the agent counts its connection.
	require.Eventually(t, a.agent.Online, 20*time.Second, time.Millisecond)
	return &testNode{mesh: m, ln: ln, agent: a}
}

// meshRoundTrip dials peer and checks the greeting and an echo.
func meshRoundTrip(t *testing.T, m *tunnel.Mesh, self, peer iog.DeviceID) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := m.Dial(ctx, peer)
	require.NoError(t, err)
	defer conn.Close()
	greeting := []byte(fmt.Sprintf("from %s\n", self))
	got := make([]byte, len(greeting))
	_, err = io.ReadFull(conn, got)
	require.NoError(t, err)
	require.Equal(t, string(greeting), string(got))
	echoOnce(t, conn, []byte("over the mesh"))
}

func TestMeshPrefersDirectPath(t *testing.T) {
	n := newTestNet(t, nil)
	a := n.startNode("node-a", keyFrom(20), nil)
	b := n.startNode("node-b", keyFrom(21), nil)
	n.rent("cluster-1", engineer, time.Hour, "node-a", "node-b")
	meshRoundTrip(t, a.mesh, "node-a", "node-b")
	// If node-b had not announced its candidates yet, the first link went
	// through the relay, and the next re-check finds the direct path.
	require.Eventually(t, func() bool { p, _ := a.mesh.Path("node-b"); return p.Direct }, 20*time.Second, 10*time.Millisecond)
	meshRoundTrip(t, a.mesh, "node-a", "node-b")
	p, ok := a.mesh.Path("node-b")
	require.True(t, ok)
	require.Equal(t, b.ln.Addr().String(), p.Addr)
	require.Positive(t, p.RTT)
	meshRoundTrip(t, b.mesh, "node-b", "node-a")
}

func TestMeshFallsBackToRelayAndMovesToDirect(t *testing.T) {
	n := newTestNet(t, nil)
	var blocked atomic.Bool
	blocked.Store(true)
	var bAddr atomic.Value
	bAddr.Store("")
	a := n.startNode("node-a", keyFrom(20), func(c *tunnel.MeshConfig) {
		c.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if blocked.Load() && addr == bAddr.Load().(string) {
				return nil, errors.New("blocked by the test's firewall")
			}
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}
	})
	b := n.startNode("node-b", keyFrom(21), nil)
	bAddr.Store(b.ln.Addr().String())
	n.rent("cluster-1", engineer, time.Hour, "node-a", "node-b")

	meshRoundTrip(t, a.mesh, "node-a", "node-b")
	p, ok := a.mesh.Path("node-b")
	require.True(t, ok)
	require.False(t, p.Direct, "the direct path is blocked")
	relayed, _ := n.relay.Stats("node-b")
	require.Positive(t, relayed.ToDevice, "the relay carried the link")

	blocked.Store(false)
	require.Eventually(t, func() bool { p, _ := a.mesh.Path("node-b"); return p.Direct }, 20*time.Second, 10*time.Millisecond)
	meshRoundTrip(t, a.mesh, "node-a", "node-b")
}

func TestMeshChecksPeerKeys(t *testing.T) {
	n := newTestNet(t, nil)
	c := n.startNode("node-c", keyFrom(22), nil)
	// node-b advertises node-c's listener: a direct dial there reaches the
	// wrong key and must not be used.
	a := n.startNode("node-a", keyFrom(20), nil)
	n.startNode("node-b", keyFrom(21), func(cfg *tunnel.MeshConfig) { cfg.Advertise = []string{c.ln.Addr().String()} })
	n.rent("cluster-1", engineer, time.Hour, "node-a", "node-b", "node-c")
	meshRoundTrip(t, a.mesh, "node-a", "node-b")
	p, ok := a.mesh.Path("node-b")
	require.True(t, ok)
	require.False(t, p.Direct)
}

func TestMeshRefusesPeersOutsideTheRental(t *testing.T) {
	n := newTestNet(t, nil)
	a := n.startNode("node-a", keyFrom(20), nil)
	n.startNode("node-b", keyFrom(21), nil)
	n.startNode("node-x", keyFrom(23), nil)
	n.rent("cluster-1", engineer, time.Hour, "node-a", "node-b")
	n.rent("cluster-2", stranger, time.Hour, "node-x")
	_, err := a.mesh.Dial(context.Background(), "node-x")
	require.ErrorIs(t, err, iog.ErrForbidden)
	_, ok := a.mesh.Path("node-x")
	require.False(t, ok)
}

func TestMeshDirectLinksEndWithTheRental(t *testing.T) {
	n := newTestNet(t, nil)
	a := n.startNode("node-a", keyFrom(20), nil)
	n.startNode("node-b", keyFrom(21), nil)
	n.rent("cluster-1", engineer, time.Hour, "node-a", "node-b")
	meshRoundTrip(t, a.mesh, "node-a", "node-b")
	require.Eventually(t, func() bool { p, _ := a.mesh.Path("node-b"); return p.Direct }, 20*time.Second, 10*time.Millisecond)
	ctx := context.Background()
	conn, err := a.mesh.Dial(ctx, "node-b")
	require.NoError(t, err)
	defer conn.Close()

	n.clock.Advance(time.Hour)
	// Both ends drop the direct link at their next check: the open stream
	// fails, never reading as complete, and a new one is refused.
	_, err = io.ReadAll(conn)
	require.ErrorIs(t, err, iog.ErrUnavailable)
	require.Eventually(t, func() bool { _, ok := a.mesh.Path("node-b"); return !ok }, 20*time.Second, 10*time.Millisecond)
	_, err = a.mesh.Dial(ctx, "node-b")
	require.ErrorIs(t, err, iog.ErrExpired)
}

// A link through the relay ends on both nodes as soon as the rental does:
// the relay resets both of its ends, which would otherwise wait for their
// next check of the rental, their keepalives, or the relay to give up on
// them.
func TestMeshRelayedLinkEndsWithTheRental(t *testing.T) {
	// All of those far longer than the wait below: only the resets can
	// end the link in time.
	n := newTestNet(t, func(c *tunnel.RelayConfig) { c.HandshakeTimeout = time.Minute })
	slowKeepalive := func(c *tunnel.AgentConfig) { c.KeepAlive = time.Minute }
	a := n.startNode("node-a", keyFrom(20), func(c *tunnel.MeshConfig) {
		c.Recheck = time.Minute
		c.Dial = func(context.Context, string, string) (net.Conn, error) {
			return nil, errors.New("no direct path in this test")
		}
	}, slowKeepalive)
	n.startNode("node-b", keyFrom(21), func(c *tunnel.MeshConfig) { c.Recheck = time.Minute }, slowKeepalive)
	n.rent("cluster-1", engineer, time.Hour, "node-a", "node-b")
	conn, err := a.mesh.Dial(context.Background(), "node-b")
	require.NoError(t, err)
	defer conn.Close()
	greeting := make([]byte, len("from node-a\n"))
	_, err = io.ReadFull(conn, greeting)
	require.NoError(t, err)
	p, ok := a.mesh.Path("node-b")
	require.True(t, ok)
	require.False(t, p.Direct)

	n.clock.Advance(time.Hour)
	ended := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, conn)
		close(ended)
	}()
	select {
	case <-ended:
	case <-time.After(20 * time.Second):
		t.Fatal("the relayed link outlived the rental")
	}
}

// A node whose peer drops off the relay stops reporting the link through
// the relay that it had to it, at its next check.
func TestMeshForgetsRelayedLinkWhenThePeerDrops(t *testing.T) {
	n := newTestNet(t, nil)
	a := n.startNode("node-a", keyFrom(20), func(c *tunnel.MeshConfig) {
		c.Dial = func(context.Context, string, string) (net.Conn, error) {
			return nil, errors.New("no direct path in this test")
		}
	})
	b := n.startNode("node-b", keyFrom(21), nil)
	n.rent("cluster-1", engineer, time.Hour, "node-a", "node-b")
	meshRoundTrip(t, a.mesh, "node-a", "node-b")
	_, ok := a.mesh.Path("node-b")
	require.True(t, ok)

	b.agent.stop()
	require.Eventually(t, func() bool { _, ok := a.mesh.Path("node-b"); return !ok }, 20*time.Second, 10*time.Millisecond)
}
