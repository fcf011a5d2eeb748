package tunnel_test

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tunnel"
)

// sink reads the length its writer announces (see announce), then as
// many bytes, and answers one byte, so that the writer knows everything
// arrived. It needs no half close, which not every relay passes on.
func sink(c net.Conn) {
	var n [8]byte
	if _, err := io.ReadFull(c, n[:]); err != nil {
		return
	}
	if _, err := io.CopyN(io.Discard, c, int64(binary.BigEndian.Uint64(n[:]))); err != nil {
		return
	}
	_, _ = c.Write([]byte{1})
}

// announce tells a sink how many bytes follow.
func announce(w io.Writer, n int) error {
	_, err := w.Write(binary.BigEndian.AppendUint64(nil, uint64(n)))
	return err
}

const benchChunk = 1 << 20

// pushThrough writes b.N chunks on conn to a sink and waits for its
// answer. The CPU time it reports is this process's, plus what each of
// others reads, for parties in other processes.
func pushThrough(b *testing.B, conn net.Conn, others ...func() time.Duration) {
	chunk := make([]byte, benchChunk)
	b.SetBytes(benchChunk)
	allCPU := func() time.Duration {
		t := cpuTime()
		for _, other := range others {
			t += other()
		}
		return t
	}
	cpu0 := allCPU()
	b.ResetTimer()
	require.NoError(b, announce(conn, b.N*benchChunk))
	for range b.N {
		if _, err := conn.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
	_, err := io.ReadFull(conn, make([]byte, 1))
	require.NoError(b, err)
	b.StopTimer()
	// CPU time per byte, all parties together, says more than the
	// wall-clock rate on a machine shared with other work.
	b.ReportMetric(float64(allCPU()-cpu0)/float64(b.N*benchChunk), "cpu-ns/B")
	_ = conn.Close()
}

// cpuTime is the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchNet(b *testing.B, extra ...uint16) (*testNet, uint16) {
	n, _, echoPort := newEchoNet(b, nil, extra...)
	return n, echoPort
}

func BenchmarkThroughputRelay(b *testing.B) {
	sinkPort := serve(b, sink)
	n, _ := benchNet(b, sinkPort)
	conn, err := n.client(engineer).Dial(context.Background(), "gpu-1", sinkPort)
	require.NoError(b, err)
	pushThrough(b, conn)
}

func BenchmarkThroughputDirectTCP(b *testing.B) {
	sinkPort := serve(b, sink)
	conn, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(sinkPort))))
	require.NoError(b, err)
	pushThrough(b, conn)
}

// BenchmarkThroughputDirectTLS is one TLS 1.3 hop, the cipher's share of
// the relay's work: the relayed path crosses two such hops.
func BenchmarkThroughputDirectTLS(b *testing.B) {
	cert, err := tunnel.NewCertificate(relayKey)
	require.NoError(b, err)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}})
	require.NoError(b, err)
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		sink(c)
	}()
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{MinVersion: tls.VersionTLS13, InsecureSkipVerify: true})
	require.NoError(b, err)
	pushThrough(b, conn)
}

// BenchmarkStreamOpen measures a new stream plus a one-byte echo, and
// reports its latency percentiles.
func BenchmarkStreamOpen(b *testing.B) {
	n, echoPort := benchNet(b)
	c := n.client(engineer)
	ctx := context.Background()
	warm, err := c.Dial(ctx, "gpu-1", echoPort)
	require.NoError(b, err)
	_ = warm.Close()
	lat := make([]time.Duration, 0, b.N)
	one := []byte{7}
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		conn, err := c.Dial(ctx, "gpu-1", echoPort)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := conn.Write(one); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(conn, make([]byte, 1)); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
		_ = conn.Close()
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkIdleTunnelMemory connects idle workers and reports the heap and
// goroutines each costs, relay side and agent side together.
func BenchmarkIdleTunnelMemory(b *testing.B) {
	const tunnels = 200
	for range b.N {
		func() {
			n := newTestNet(b, nil)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			g0 := runtime.NumGoroutine()
			agents := make([]*testAgent, 0, tunnels)
			for i := range tunnels {
				dev := iog.DeviceID("idle-" + strconv.Itoa(i))
				agents = append(agents, n.startAgent(dev, keyFrom(byte(i)), []uint16{22}, nil))
			}
			for _, a := range agents {
				n.waitOnline(a.device)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/tunnels, "heap-B/tunnel")
			b.ReportMetric(float64(after.StackInuse-before.StackInuse)/tunnels, "stack-B/tunnel")
			b.ReportMetric(float64(runtime.NumGoroutine()-g0)/tunnels, "goroutines/tunnel")
			for _, a := range agents {
				a.stop()
			}
			n.stop()
		}()
	}
}

// BenchmarkReconnect measures the time from a relay restart to the worker
// being reachable again, with a 10 ms initial backoff.
func BenchmarkReconnect(b *testing.B) {
	n, echoPort := benchNet(b)
	c := n.client(engineer)
	var total time.Duration
	for range b.N {
		addr := n.addr
		n.stop()
		t0 := time.Now()
		n.startRelay(addr)
		for i := 0; !n.relay.Online("gpu-1"); i++ {
			if i == 100000 {
				b.Fatal("the worker did not come back within 10 s")
			}
			time.Sleep(100 * time.Microsecond)
		}
		conn, err := c.Dial(context.Background(), "gpu-1", echoPort)
		require.NoError(b, err)
		total += time.Since(t0)
		_ = conn.Close()
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms/reconnect")
}

// BenchmarkThroughputRelayLimited shows the per-device rate limit at work:
// the rate should come out near the 16 MiB/s configured.
func BenchmarkThroughputRelayLimited(b *testing.B) {
	sinkPort := serve(b, sink)
	n, _, _ := newEchoNet(b, func(c *tunnel.RelayConfig) {
		c.DeviceRate, c.DeviceBurst, c.Clock = 16<<20, 256<<10, iog.SystemClock
	}, sinkPort)
	conn, err := n.client(engineer).Dial(context.Background(), "gpu-1", sinkPort)
	require.NoError(b, err)
	pushThrough(b, conn)
}

// BenchmarkThroughputRelayPadded is BenchmarkThroughputRelay with privacy
// padding on both legs.
func BenchmarkThroughputRelayPadded(b *testing.B) {
	sinkPort := serve(b, sink)
	n := newTestNet(b, nil)
	pad := func(c *tunnel.AgentConfig) { c.Privacy.Pad = true }
	n.startAgent("gpu-1", gpuKey, []uint16{sinkPort}, pad)
	n.waitOnline("gpu-1")
	n.rent("cluster-1", engineer, time.Hour, "gpu-1")
	c, err := tunnel.NewClient(tunnel.ClientConfig{RelayAddr: n.addr, RelayPin: n.pin, Key: engineer,
		ConnConfig: tunnel.ConnConfig{Logger: discard(), Privacy: tunnel.Privacy{Pad: true}}})
	require.NoError(b, err)
	defer c.Close()
	conn, err := c.Dial(context.Background(), "gpu-1", sinkPort)
	require.NoError(b, err)
	pushThrough(b, conn)
}

// childConfig reads "relay-addr pin count" from the environment variable
// env of a child process.
func childConfig(env string) (addr string, pin tunnel.Pin, count int, err error) {
	var pinText string
	if _, err = fmt.Sscan(os.Getenv(env), &addr, &pinText, &count); err != nil {
		return "", tunnel.Pin{}, 0, err
	}
	pin, err = tunnel.ParsePin(pinText)
	return addr, pin, count, err
}

// agentsEnv, set in a child process of the test binary, makes it run
// idle agents instead of tests: "relay-addr pin count".
const agentsEnv = "IOG_TUNNEL_IDLE_AGENTS"

// runIdleAgents runs the agents agentsEnv asks for until its standard
// input closes.
func runIdleAgents() error {
	addr, pin, count, err := childConfig(agentsEnv)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait() // runs after cancel
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range count {
		agent, err := tunnel.NewAgent(tunnel.AgentConfig{
			RelayAddr: addr, RelayPin: pin, Device: idleDevice(i), Key: keyFrom(byte(i)), Ports: []uint16{22},
			ConnConfig: tunnel.ConnConfig{Logger: discard()},
		})
		if err != nil {
			return err
		}
		wg.Go(func() { _ = agent.Run(ctx) })
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

func idleDevice(i int) iog.DeviceID { return iog.DeviceID("idle-" + strconv.Itoa(i)) }

// BenchmarkIdleTunnelMemoryRelaySide runs the idle workers in a child
// process, so the heap measured is the relay's alone.
func BenchmarkIdleTunnelMemoryRelaySide(b *testing.B) {
	const tunnels = 200
	for range b.N {
		func() {
			n := newTestNet(b, nil)
			for i := range tunnels {
				require.NoError(b, n.rentals.RegisterDevice(idleDevice(i), keyFrom(byte(i)).Public().(ed25519.PublicKey)))
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			g0 := runtime.NumGoroutine()
			child := exec.Command(os.Args[0], "-test.run=^$")
			child.Env = append(os.Environ(), fmt.Sprintf("%s=%s %s %d", agentsEnv, n.addr, n.pin, tunnels))
			stdin, err := child.StdinPipe()
			require.NoError(b, err)
			child.Stderr = os.Stderr
			require.NoError(b, child.Start())
			defer func() {
				_ = stdin.Close()
				require.NoError(b, child.Wait())
			}()
			for i := range tunnels {
				n.waitOnline(idleDevice(i))
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/tunnels, "heap-B/tunnel")
			b.ReportMetric(float64(after.StackInuse-before.StackInuse)/tunnels, "stack-B/tunnel")
			b.ReportMetric(float64(runtime.NumGoroutine()-g0)/tunnels, "goroutines/tunnel")
		}()
	}
}

// pushEnv, set in a child process of the test binary, makes it run a
// worker with a sink and an engineer pushing through the relay: "relay-addr
// pin mebibytes".
const pushEnv = "IOG_TUNNEL_PUSH"

// runPush is the child's side of BenchmarkThroughputRelayOnly.
func runPush() error {
	addr, pin, mib, err := childConfig(pushEnv)
	if err != nil {
		return err
	}
	return func() error {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer ln.Close()
		go func() {
			c, err := ln.Accept()
			if err == nil {
				sink(c)
				_ = c.Close()
			}
		}()
		_, portText, _ := net.SplitHostPort(ln.Addr().String())
		port, _ := strconv.Atoi(portText)
		agent, err := tunnel.NewAgent(tunnel.AgentConfig{RelayAddr: addr, RelayPin: pin, Device: "gpu-1", Key: gpuKey,
			Ports: []uint16{uint16(port)}, ConnConfig: tunnel.ConnConfig{Logger: discard()}})
		if err != nil {
			return err
		}
		var wg sync.WaitGroup
		defer wg.Wait()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		wg.Go(func() { _ = agent.Run(ctx) })
		c, err := tunnel.NewClient(tunnel.ClientConfig{RelayAddr: addr, RelayPin: pin, Key: engineer, ConnConfig: tunnel.ConnConfig{Logger: discard()}})
		if err != nil {
			return err
		}
		defer c.Close()
		var conn net.Conn
		for range 1000 { // until the agent is online
			if conn, err = c.Dial(ctx, "gpu-1", uint16(port)); err == nil {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		if err != nil {
			return err
		}
		defer conn.Close()
		if err := announce(conn, mib*benchChunk); err != nil {
			return err
		}
		chunk := make([]byte, benchChunk)
		for range mib {
			if _, err := conn.Write(chunk); err != nil {
				return err
			}
		}
		_, err = io.ReadFull(conn, make([]byte, 1))
		return err
	}()
}

// BenchmarkThroughputRelayOnly runs the engineer and the worker in a child
// process and reports the relay's own CPU time per byte: what one relay
// core spends to forward a byte.
func BenchmarkThroughputRelayOnly(b *testing.B) {
	n := newTestNet(b, func(c *tunnel.RelayConfig) { c.Clock = iog.SystemClock })
	require.NoError(b, n.rentals.RegisterDevice("gpu-1", gpuKey.Public().(ed25519.PublicKey)))
	n.rent("cluster-1", engineer, time.Hour, "gpu-1")
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), fmt.Sprintf("%s=%s %s %d", pushEnv, n.addr, n.pin, b.N))
	child.Stderr = os.Stderr
	b.SetBytes(benchChunk)
	cpu0 := cpuTime()
	b.ResetTimer()
	require.NoError(b, child.Run())
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N*benchChunk), "relay-cpu-ns/B")
}
