//go:build linux

package tunnel_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/internetofgpus/iog/tunnel"
)

// netns is a network namespace this test created.
type netns struct{ name string }

// do runs f on an OS thread moved into the namespace; sockets f creates
// stay in it for their whole life.
func (ns netns) do(f func() error) error {
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer orig.Close()
	target, err := os.Open("/var/run/netns/" + ns.name)
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer target.Close()
	if err := setns(target.Fd()); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("enter namespace %s: %w", ns.name, err)
	}
	ferr := f()
	if err := setns(orig.Fd()); err != nil {
		// The thread is stuck in the namespace: leave it locked, so it
		// exits with this goroutine instead of serving others.
		return fmt.Errorf("leave namespace %s: %w", ns.name, err)
	}
	runtime.UnlockOSThread()
	return ferr
}

func setns(fd uintptr) error { return unix.Setns(int(fd), unix.CLONE_NEWNET) }

func (ns netns) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var c net.Conn
	err := ns.do(func() (err error) {
		c, err = (&net.Dialer{}).DialContext(ctx, network, addr)
		return err
	})
	return c, err
}

func (ns netns) listen(t *testing.T, addr string) net.Listener {
	var ln net.Listener
	require.NoError(t, ns.do(func() (err error) {
		ln, err = net.Listen("tcp", addr)
		return err
	}))
	t.Cleanup(func() { _ = ln.Close() })
	return ln
}

// sh runs a command and fails the test with its output when it fails.
func sh(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	require.NoError(t, err, "%s: %s", strings.Join(args, " "), out)
}

// needTool fails the test when a command it needs is missing. `make test`
// installs the packages first, as the test command must on a fresh machine.
func needTool(t *testing.T, cmd, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(cmd); err != nil {
		t.Fatalf("the NAT test needs %s: install the %s package (make test does)", cmd, pkg)
	}
}

var nsSeq atomic.Uint32

// natTopology builds three namespaces: pub (the outside: relay, engineer,
// a public node), lan (a worker behind NAT) and a router between them that
// masquerades lan's traffic and forwards nothing new from pub to lan. Only
// documentation address ranges are used, inside these namespaces.
//
//	pub 198.51.100.2 ── 198.51.100.1 router 192.0.2.1 ── 192.0.2.2 lan
func natTopology(t *testing.T) (pub, lan, router netns) {
	if os.Geteuid() != 0 {
		t.Skip("skipping the NAT test: creating network namespaces needs root")
	}
	needTool(t, "ip", "iproute2")
	removeStaleNamespaces()
	prefix := fmt.Sprintf("iogt-%d-%d", os.Getpid(), nsSeq.Add(1))
	pub, lan, router = netns{prefix + "-pub"}, netns{prefix + "-lan"}, netns{prefix + "-rtr"}
	if out, err := exec.Command("ip", "netns", "add", router.name).CombinedOutput(); err != nil {
		t.Skipf("skipping the NAT test: cannot create a network namespace here: %v: %s", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() {
		for _, ns := range []netns{pub, lan, router} {
			_ = exec.Command("ip", "netns", "del", ns.name).Run()
		}
	})
	needTool(t, "iptables", "iptables")
	sh(t, "ip", "netns", "add", pub.name)
	sh(t, "ip", "netns", "add", lan.name)
	sh(t, "ip", "-n", router.name, "link", "add", "pub0", "type", "veth", "peer", "name", "eth0", "netns", pub.name)
	sh(t, "ip", "-n", router.name, "link", "add", "lan0", "type", "veth", "peer", "name", "eth0", "netns", lan.name)
	for _, c := range [][]string{
		{router.name, "pub0", "198.51.100.1/24"},
		{router.name, "lan0", "192.0.2.1/24"},
		{pub.name, "eth0", "198.51.100.2/24"},
		{lan.name, "eth0", "192.0.2.2/24"},
	} {
		sh(t, "ip", "-n", c[0], "addr", "add", c[2], "dev", c[1])
		sh(t, "ip", "-n", c[0], "link", "set", c[1], "up")
	}
	for _, ns := range []netns{pub, lan, router} {
		sh(t, "ip", "-n", ns.name, "link", "set", "lo", "up")
	}
	sh(t, "ip", "-n", lan.name, "route", "add", "default", "via", "192.0.2.1")
	sh(t, "ip", "netns", "exec", router.name, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward")
	sh(t, "ip", "netns", "exec", router.name, "iptables", "-t", "nat", "-A", "POSTROUTING", "-s", "192.0.2.0/24", "-o", "pub0", "-j", "MASQUERADE")
	sh(t, "ip", "netns", "exec", router.name, "iptables", "-A", "FORWARD", "-i", "pub0", "-o", "lan0", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT")
	sh(t, "ip", "netns", "exec", router.name, "iptables", "-A", "FORWARD", "-i", "pub0", "-o", "lan0", "-j", "DROP")
	return pub, lan, router
}

// removeStaleNamespaces deletes namespaces left by runs of this test whose
// process is gone (killed before its cleanup ran).
func removeStaleNamespaces() {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		rest, ok := strings.CutPrefix(name, "iogt-")
		if !ok {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if _, err := os.Stat("/proc/" + pidText); err == nil {
			continue
		}
		_ = exec.Command("ip", "netns", "del", name).Run()
	}
}

func TestNATWorkerReachableThroughRelayAndMeshFallback(t *testing.T) {
	pub, lan, router := natTopology(t)
	n := newTestNet(t, nil)
	// Move the relay into pub: a listener made there.
	n.stop()
	relayLn := pub.listen(t, "198.51.100.2:0")
	relay, err := tunnel.NewRelay(n.cfg)
	require.NoError(t, err)
	n.relay, n.addr = relay, relayLn.Addr().String()
	n.stop = background(t, func(ctx context.Context) error { return relay.Serve(ctx, relayLn) })

	// The worker: an echo server on lan's own loopback, reached by an
	// agent whose every connection starts in lan.
	echoLn := lan.listen(t, "127.0.0.1:0")
	go func() {
		for {
			c, err := echoLn.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); echo(c) }()
		}
	}()
	echoPort := portOf(t, echoLn.Addr())
	inLan := func(c *tunnel.AgentConfig) { c.Dial = lan.dial }
	inPub := func(c *tunnel.AgentConfig) { c.Dial = pub.dial }
	n.startAgent("gpu-nat", gpuKey, []uint16{echoPort}, inLan)
	n.waitOnline("gpu-nat")
	n.rent("cluster-1", engineer, time.Hour, "gpu-nat")

	// The engineer, outside, reaches it through the relay only.
	eng, err := tunnel.NewClient(tunnel.ClientConfig{RelayAddr: n.addr, RelayPin: n.pin, Key: engineer, Dial: pub.dial, ConnConfig: tunnel.ConnConfig{Logger: discard()}})
	require.NoError(t, err)
	defer eng.Close()
	conn, err := eng.Dial(context.Background(), "gpu-nat", echoPort)
	require.NoError(t, err)
	echoOnce(t, conn, []byte("hello behind the NAT"))
	require.NoError(t, conn.Close())

	// Mesh: node-a behind the NAT, node-b outside.
	aLn := lan.listen(t, "192.0.2.2:0")
	bLn := pub.listen(t, "198.51.100.2:0")
	bPort := strconv.Itoa(int(portOf(t, bLn.Addr())))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	_, err = pub.dial(ctx, "tcp", aLn.Addr().String())
	cancel()
	require.Error(t, err, "the NATed node must not be reachable from outside")

	// Block the direct path from node-a to node-b before they meet.
	block := []string{"FORWARD", "-i", "lan0", "-p", "tcp", "-d", "198.51.100.2", "--dport", bPort, "-j", "DROP"}
	sh(t, append([]string{"ip", "netns", "exec", router.name, "iptables", "-I"}, block...)...)

	node := func(device string, key byte, agentNS func(*tunnel.AgentConfig), ln net.Listener, ns netns) *tunnel.Mesh {
		a := n.startAgent(iogDevice(device), keyFrom(key), nil, agentNS)
		m, err := tunnel.NewMesh(tunnel.MeshConfig{
			Agent: a.agent, Listener: ln, Handler: meshEcho, Dial: ns.dial,
			Recheck: 100 * time.Millisecond, DialTimeout: 500 * time.Millisecond,
			Logger: slog.New(slog.DiscardHandler),
		})
		require.NoError(t, err)
		background(t, m.Run)
		n.waitOnline(iogDevice(device))
		require.Eventually(t, a.agent.Online, 20*time.Second, time.Millisecond)
		return m
	}
	ma := node("node-a", 20, inLan, aLn, lan)
	mb := node("node-b", 21, inPub, bLn, pub)
	n.rent("cluster-2", engineer, time.Hour, "node-a", "node-b")

	meshRoundTrip(t, ma, "node-a", "node-b")
	p, ok := ma.Path("node-b")
	require.True(t, ok)
	require.False(t, p.Direct, "the direct path is blocked, so the relay carries the link")

	sh(t, append([]string{"ip", "netns", "exec", router.name, "iptables", "-D"}, block...)...)
	require.Eventually(t, func() bool { p, _ := ma.Path("node-b"); return p.Direct }, 30*time.Second, 20*time.Millisecond,
		"the re-check must move the link to the open direct path")
	meshRoundTrip(t, ma, "node-a", "node-b")
	p, _ = ma.Path("node-b")
	require.Equal(t, bLn.Addr().String(), p.Addr)

	// node-b cannot reach node-a directly, ever: its link goes through the
	// relay.
	meshRoundTrip(t, mb, "node-b", "node-a")
	p, ok = mb.Path("node-a")
	require.True(t, ok)
	require.False(t, p.Direct)
}
