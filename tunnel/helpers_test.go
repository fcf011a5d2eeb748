package tunnel_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tunnel"
)

// start is the fixed start of every test's manual clock.
var start = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

// keyFrom derives an ed25519 key from a seed byte, so keys are the same on
// every run.
func keyFrom(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

func wallet(key ed25519.PrivateKey) iog.WalletAddress {
	w, err := iog.WalletAddressOf(key.Public().(ed25519.PublicKey))
	if err != nil {
		panic(err)
	}
	return w
}

// logBuffer collects log output for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// testNet is a relay on loopback with its rentals and clock.
type testNet struct {
	t       testing.TB
	clock   *iog.ManualClock
	rentals *tunnel.Rentals
	relay   *tunnel.Relay
	pin     tunnel.Pin
	addr    string
	logs    *logBuffer
	cfg     tunnel.RelayConfig
	stop    func()
}

// relayKey is the relay's key in every test.
var relayKey = keyFrom(200)

func newTestNet(t testing.TB, tweak func(*tunnel.RelayConfig)) *testNet {
	t.Helper()
	cert, err := tunnel.NewCertificate(relayKey)
	require.NoError(t, err)
	pin, err := tunnel.PinOf(cert)
	require.NoError(t, err)
	clock := iog.NewManualClock(start)
	n := &testNet{t: t, clock: clock, pin: pin, logs: &logBuffer{}}
	// The rentals read the relay's clock, whatever a tweak sets it to: a
	// relay on the system clock judging rentals by the manual clock would
	// see every rental as long over.
	n.rentals = tunnel.NewRentals(tunnel.RentalsConfig{Clock: relayClock{&n.cfg}})
	n.cfg = tunnel.RelayConfig{
		Certificate: cert,
		Authorizer:  n.rentals,
		Clock:       clock,
		ConnConfig: tunnel.ConnConfig{
			Logger: slog.New(slog.NewTextHandler(n.logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		},
	}
	if tweak != nil {
		tweak(&n.cfg)
	}
	n.startRelay("127.0.0.1:0")
	return n
}

// startRelay runs a fresh relay on addr, the way a restarted process would.
func (n *testNet) startRelay(addr string) {
	t := n.t
	t.Helper()
	relay, err := tunnel.NewRelay(n.cfg)
	require.NoError(t, err)
	var ln net.Listener
	for try := 0; try < 50; try++ { // the old port may linger a moment
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, err)
	n.relay, n.addr = relay, ln.Addr().String()
	n.stop = background(t, func(ctx context.Context) error { return relay.Serve(ctx, ln) })
}

// background runs run until the returned stop is called, or the test
// ends, and checks that it returns nil.
func background(t testing.TB, run func(context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			require.NoError(t, <-done)
		})
	}
	t.Cleanup(stop)
	return stop
}

// newEchoNet is a test net whose device gpu-1, rented to engineer for an
// hour, exposes an echo server and the extra ports.
func newEchoNet(t testing.TB, tweak func(*tunnel.RelayConfig), extra ...uint16) (*testNet, *testAgent, uint16) {
	t.Helper()
	n := newTestNet(t, tweak)
	echoPort := serve(t, echo)
	a := n.startAgent("gpu-1", gpuKey, append([]uint16{echoPort}, extra...), nil)
	n.waitOnline("gpu-1")
	n.rent("cluster-1", engineer, time.Hour, "gpu-1")
	return n, a, echoPort
}

// testAgent is a worker with its device.
type testAgent struct {
	agent  *tunnel.Agent
	device iog.DeviceID
	stop   func()
}

func (n *testNet) startAgent(device iog.DeviceID, key ed25519.PrivateKey, ports []uint16, tweak func(*tunnel.AgentConfig)) *testAgent {
	t := n.t
	t.Helper()
	require.NoError(t, n.rentals.RegisterDevice(device, key.Public().(ed25519.PublicKey)))
	cfg := tunnel.AgentConfig{
		RelayAddr:  n.addr,
		RelayPin:   n.pin,
		Device:     device,
		Key:        key,
		Ports:      ports,
		Backoff:    tunnel.Backoff{Initial: 10 * time.Millisecond, Max: 200 * time.Millisecond},
		Rand:       rand.New(rand.NewPCG(1, 2)),
		ConnConfig: tunnel.ConnConfig{Logger: discard()},
	}
	if tweak != nil {
		tweak(&cfg)
	}
	agent, err := tunnel.NewAgent(cfg)
	require.NoError(t, err)
	return &testAgent{agent: agent, device: device, stop: background(t, agent.Run)}
}

// waitOnline waits until the relay sees device.
func (n *testNet) waitOnline(device iog.DeviceID) {
	n.t.Helper()
	require.Eventually(n.t, func() bool { return n.relay.Online(device) }, 20*time.Second, 5*time.Millisecond, "device %s never came online", device)
}

func (n *testNet) client(key ed25519.PrivateKey) *tunnel.Client {
	n.t.Helper()
	c, err := tunnel.NewClient(tunnel.ClientConfig{
		RelayAddr:  n.addr,
		RelayPin:   n.pin,
		Key:        key,
		ConnConfig: tunnel.ConnConfig{Logger: discard()},
	})
	require.NoError(n.t, err)
	n.t.Cleanup(func() { _ = c.Close() })
	return c
}

func (n *testNet) rent(cluster iog.ClusterID, renter ed25519.PrivateKey, d time.Duration, devices ...iog.DeviceID) {
	n.t.Helper()
	require.NoError(n.t, n.rentals.Rent(tunnel.Rental{Cluster: cluster, Renter: wallet(renter), Devices: devices, Expires: n.cfg.Clock.Now().Add(d)}))
}

// serve runs a TCP server on loopback that handles each connection with h,
// and returns its port.
func serve(t testing.TB, h func(net.Conn)) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				h(c)
			})
		}
	})
	return portOf(t, ln.Addr())
}

func portOf(t testing.TB, a net.Addr) uint16 {
	_, p, err := net.SplitHostPort(a.String())
	require.NoError(t, err)
	port, err := strconv.Atoi(p)
	require.NoError(t, err)
	return uint16(port)
}

// echo copies a connection back to itself until EOF, then half-closes.
func echo(c net.Conn) {
	_, _ = io.Copy(c, c)
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}

// serveHTTP runs an HTTP server on loopback and returns its port.
func serveHTTP(t testing.TB, h http.Handler) uint16 {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return portOf(t, srv.Listener.Addr())
}

// freePort returns a loopback port with nothing listening on it.
func freePort(t testing.TB) uint16 {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := portOf(t, ln.Addr())
	require.NoError(t, ln.Close())
	return p
}

// echoOnce writes msg on c and reads as many bytes back.
func echoOnce(t testing.TB, c net.Conn, msg []byte) {
	t.Helper()
	_, err := c.Write(msg)
	require.NoError(t, err)
	got := make([]byte, len(msg))
	_, err = io.ReadFull(c, got)
	require.NoError(t, err)
	require.Equal(t, msg, got)
}

func isClosedErr(err error) bool {
	return err != nil && (errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrUnexpectedEOF))
}

type ed25519PublicKey = ed25519.PublicKey

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func iogDevice(s string) iog.DeviceID { return iog.DeviceID(s) }

// cert2 is a certificate with no leaf.
func cert2() tls.Certificate { return tls.Certificate{} }

// dummyListener is a listener that is never used.
type dummyListener struct{ net.Listener }

// relayClock is the Clock of a relay configuration, read at each call.
type relayClock struct{ cfg *tunnel.RelayConfig }

func (c relayClock) Now() time.Time                         { return c.cfg.Clock.Now() }
func (c relayClock) After(d time.Duration) <-chan time.Time { return c.cfg.Clock.After(d) }
