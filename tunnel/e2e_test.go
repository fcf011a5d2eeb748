package tunnel_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/leakcheck"
	"github.com/internetofgpus/iog/tunnel"
)

func TestMain(m *testing.M) {
	// The benchmarks run parts of a network in child processes of the test
	// binary, which these variables name.
	for env, run := range map[string]func() error{agentsEnv: runIdleAgents, pushEnv: runPush} {
		if os.Getenv(env) != "" {
			if err := run(); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			os.Exit(0)
		}
	}
	leakcheck.Main(m)
}

var (
	engineer = keyFrom(1)
	stranger = keyFrom(2)
	gpuKey   = keyFrom(10)
	gpuKey2  = keyFrom(11)
)

func httpVia(tun tunnel.Tunnel, device iog.DeviceID, port uint16) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return tun.Dial(ctx, device, port)
		},
	}}
}

func TestEngineerReachesEchoAndHTTP(t *testing.T) {
	n := newTestNet(t, nil)
	echoPort := serve(t, echo)
	httpPort := serveHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from the GPU box, path %s", r.URL.Path)
	}))
	n.startAgent("gpu-1", gpuKey, []uint16{echoPort, httpPort}, nil)
	n.waitOnline("gpu-1")
	n.rent("cluster-1", engineer, time.Hour, "gpu-1")
	c := n.client(engineer)
	ctx := context.Background()

	conn, err := c.Dial(ctx, "gpu-1", echoPort)
	require.NoError(t, err)
	echoOnce(t, conn, []byte("ping through the relay"))
	require.NoError(t, conn.Close())

	hc := httpVia(c, "gpu-1", httpPort)
	defer hc.CloseIdleConnections()
	for i := range 3 {
		resp, err := hc.Get(fmt.Sprintf("http://gpu-1/jupyter/%d", i))
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, fmt.Sprintf("hello from the GPU box, path /jupyter/%d", i), string(body))
	}

	// Forward a local port, like ssh -L.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	fctx, cancel := context.WithCancel(ctx)
	fdone := make(chan error, 1)
	go func() { fdone <- c.Forward(fctx, ln, "gpu-1", httpPort) }()
	fc := &http.Client{Transport: &http.Transport{}}
	resp, err := fc.Get("http://" + ln.Addr().String() + "/forwarded")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, "hello from the GPU box, path /forwarded", string(body))
	fc.CloseIdleConnections()
	cancel()
	require.NoError(t, <-fdone)

	stats, ok := n.relay.Stats("gpu-1")
	require.True(t, ok)
	require.GreaterOrEqual(t, stats.Streams, uint64(3))
	require.Zero(t, stats.Refused)
}

func TestRefusals(t *testing.T) {
	noLeaks(t)
	n := newTestNet(t, nil)
	echoPort := serve(t, echo)
	closedPort := freePort(t)
	n.startAgent("gpu-1", gpuKey, []uint16{echoPort, closedPort}, nil)
	n.waitOnline("gpu-1")
	n.rent("cluster-1", engineer, time.Hour, "gpu-1")
	n.rent("cluster-short", keyFrom(3), time.Minute, "gpu-1")
	n.clock.Advance(2 * time.Minute) // cluster-short has ended

	badPin, err := tunnel.PinOfKey(keyFrom(99).Public().(ed25519PublicKey))
	require.NoError(t, err)
	pinned, err := tunnel.NewClient(tunnel.ClientConfig{RelayAddr: n.addr, RelayPin: badPin, Key: engineer})
	require.NoError(t, err)
	defer pinned.Close()

	tests := []struct {
		name   string
		tun    tunnel.Tunnel
		device iog.DeviceID
		port   uint16
		want   error
	}{
		{"a stranger has rented nothing", n.client(stranger), "gpu-1", echoPort, iog.ErrForbidden},
		{"an expired rental", n.client(keyFrom(3)), "gpu-1", echoPort, iog.ErrExpired},
		{"a port the worker does not expose", n.client(engineer), "gpu-1", 22, iog.ErrForbidden},
		{"a device nobody rented", n.client(engineer), "gpu-2", echoPort, iog.ErrForbidden},
		{"an exposed port where nothing listens", n.client(engineer), "gpu-1", closedPort, iog.ErrUnavailable},
		{"a relay whose key is not the pinned one", pinned, "gpu-1", echoPort, iog.ErrUnauthorized},
		{"port 0", n.client(engineer), "gpu-1", 0, iog.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := tt.tun.Dial(context.Background(), tt.device, tt.port)
			require.ErrorIs(t, err, tt.want)
			require.Nil(t, conn)
		})
	}
	require.GreaterOrEqual(t, n.relay.Refused(), uint64(4))
	stats, _ := n.relay.Stats("gpu-1")
	require.Equal(t, uint64(3), stats.Refused)
	// Any key may connect as an engineer: naming devices the relay has
	// never seen must not give them counters, or the relay's memory would
	// grow with every made-up name.
	_, seen := n.relay.Stats("gpu-2")
	require.False(t, seen, "a device whose worker never connected has no counters")
	require.Len(t, n.relay.AllStats(), 1)
	require.Contains(t, n.logs.String(), "relay refused")
	require.Contains(t, n.logs.String(), "rental has ended")

	// The engineer still gets through after all of that.
	conn, err := n.client(engineer).Dial(context.Background(), "gpu-1", echoPort)
	require.NoError(t, err)
	echoOnce(t, conn, []byte("still fine"))
	require.NoError(t, conn.Close())
}

func TestWorkerWithWrongKeyIsRefused(t *testing.T) {
	n := newTestNet(t, nil)
	require.NoError(t, n.rentals.RegisterDevice("gpu-9", gpuKey2.Public().(ed25519PublicKey)))
	// The agent claims gpu-9 but holds another key; startAgent would
	// register it, so build the agent by hand.
	agent, err := tunnel.NewAgent(tunnel.AgentConfig{
		RelayAddr: n.addr, RelayPin: n.pin, Device: "gpu-9", Key: gpuKey, Ports: []uint16{80},
		Backoff: tunnel.Backoff{Initial: 10 * time.Millisecond, Max: 20 * time.Millisecond},
		Rand:    rand.New(rand.NewPCG(3, 4)), ConnConfig: tunnel.ConnConfig{Logger: discard()},
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- agent.Run(ctx) }()
	require.Eventually(t, func() bool { return n.relay.Refused() >= 2 }, 10*time.Second, 5*time.Millisecond)
	require.False(t, n.relay.Online("gpu-9"))
	require.False(t, agent.Online())
	require.Zero(t, agent.Connections())
	cancel()
	require.NoError(t, <-done)
	require.Contains(t, n.logs.String(), "the key is not the device")
}

// The streams open under a rental close when it expires, and when it is
// ended early (Rentals.End) or its device is removed
// (Rentals.RemoveDevice) at the relay's next check: the engineer's
// stream then fails with the reason, so that a transfer cut short does
// not read as complete.
func TestRentalEndClosesOpenStreams(t *testing.T) {
	tests := []struct {
		name string
		end  func(n *testNet)
		want error
	}{
		{"at its expiry", func(n *testNet) { n.clock.Advance(time.Hour) }, iog.ErrExpired},
		{"ended early", func(n *testNet) {
			require.NoError(t, n.rentals.End("cluster-1"))
			n.clock.Advance(tunnel.DefaultRecheck)
		}, iog.ErrForbidden},
		{"its device removed", func(n *testNet) {
			clusters, err := n.rentals.RemoveDevice("gpu-1")
			require.NoError(t, err)
			require.Equal(t, []iog.ClusterID{"cluster-1"}, clusters)
			n.clock.Advance(tunnel.DefaultRecheck)
		}, iog.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, _, echoPort := newEchoNet(t, nil)
			conn, err := n.client(engineer).Dial(context.Background(), "gpu-1", echoPort)
			require.NoError(t, err)
			defer conn.Close()
			echoOnce(t, conn, []byte("during the rental"))
			require.Eventually(t, func() bool { return n.clock.Waiters() == 1 }, 10*time.Second, time.Millisecond)
			tt.end(n)
			_, err = io.ReadAll(conn) // the relay cuts the stream
			require.ErrorIs(t, err, tt.want)
			_, err = n.client(engineer).Dial(context.Background(), "gpu-1", echoPort)
			require.ErrorIs(t, err, tt.want)
			require.Contains(t, n.logs.String(), "stream closed at the end of its rental")
		})
	}
}

// A stream cut short ends on every hop, as a TCP reset would end it: an
// engineer blocked on a full window learns why at once, a download cut by
// the rental's end fails rather than looking complete, and the worker
// closes its connection to the service, whichever end stopped the stream.
func TestStreamCutShortEndsOnEveryHop(t *testing.T) {
	tests := []struct {
		name   string
		upload bool // the engineer sends; otherwise the service does
		quits  bool // the service closes its connection after one byte
		end    func(n *testNet, conn net.Conn)
		want   error // what the engineer's stream then fails with
	}{
		{"rental ends during an upload", true, false, func(n *testNet, _ net.Conn) { n.clock.Advance(time.Hour) }, iog.ErrExpired},
		{"rental ended early during a download", false, false, func(n *testNet, _ net.Conn) {
			require.NoError(t, n.rentals.End("cluster-1"))
			n.clock.Advance(tunnel.DefaultRecheck)
		}, iog.ErrForbidden},
		{"engineer closes during a download", false, false, func(_ *testNet, c net.Conn) { require.NoError(t, c.Close()) }, net.ErrClosed},
		{"service quits during an upload", true, true, func(*testNet, net.Conn) {}, iog.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noLeaks(t)
			serviceDone := make(chan error, 1)
			port := serve(t, func(c net.Conn) {
				if tt.quits {
					_, err := io.ReadFull(c, make([]byte, 1))
					serviceDone <- err
					return // and the deferred close resets the stream
				}
				if tt.upload {
					_, err := io.Copy(io.Discard, c)
					serviceDone <- err
					return
				}
				buf := make([]byte, 64<<10)
				for { // far beyond every window on the way, until the stream ends
					if _, err := c.Write(buf); err != nil {
						serviceDone <- err
						return
					}
				}
			})
			n := newTestNet(t, nil)
			n.startAgent("gpu-1", gpuKey, []uint16{port}, nil)
			n.waitOnline("gpu-1")
			n.rent("cluster-1", engineer, time.Hour, "gpu-1")
			conn, err := n.client(engineer).Dial(context.Background(), "gpu-1", port)
			require.NoError(t, err)
			defer conn.Close()
			engineerDone := make(chan error, 1)
			if tt.upload {
				go func() {
					buf := make([]byte, 64<<10)
					for { // no deadline: only the stream's end stops it
						if _, err := conn.Write(buf); err != nil {
							engineerDone <- err
							return
						}
					}
				}()
			} else {
				_, err := io.ReadFull(conn, make([]byte, 1)) // then nobody reads on
				require.NoError(t, err)
			}
			require.Eventually(t, func() bool { return n.clock.Waiters() == 1 }, 10*time.Second, time.Millisecond)
			tt.end(n, conn)
			if !tt.upload {
				go func() {
					_, err := io.Copy(io.Discard, conn)
					engineerDone <- err
				}()
			}
			select {
			case err := <-engineerDone:
				require.ErrorIs(t, err, tt.want)
			case <-time.After(10 * time.Second):
				t.Fatal("the engineer's stream did not end")
			}
			select {
			case <-serviceDone: // the worker closed its connection to the service
			case <-time.After(10 * time.Second):
				t.Fatal("the worker kept its connection to the service open")
			}
		})
	}
}

// downAuthorizer fails every AllowDial as an Authorizer whose backend is
// unreachable does, while down is set.
type downAuthorizer struct {
	tunnel.Authorizer
	down atomic.Bool
}

func (a *downAuthorizer) AllowDial(w iog.WalletAddress, d iog.DeviceID, port uint16) (time.Time, error) {
	if a.down.Load() {
		return time.Time{}, fmt.Errorf("rentals database: %w: connection refused", iog.ErrUnavailable)
	}
	return a.Authorizer.AllowDial(w, d, port)
}

// An Authorizer that fails for a passing reason at a re-check withdraws
// nothing: open streams stay open until the end they were given.
func TestAuthorizerOutageKeepsOpenStreams(t *testing.T) {
	noLeaks(t)
	var auth *downAuthorizer
	n, _, echoPort := newEchoNet(t, func(c *tunnel.RelayConfig) {
		auth = &downAuthorizer{Authorizer: c.Authorizer}
		c.Authorizer = auth
	})
	conn, err := n.client(engineer).Dial(context.Background(), "gpu-1", echoPort)
	require.NoError(t, err)
	defer conn.Close()
	require.Eventually(t, func() bool { return n.clock.Waiters() == 1 }, 10*time.Second, time.Millisecond)
	auth.down.Store(true)
	n.clock.Advance(tunnel.DefaultRecheck)
	require.Eventually(t, func() bool { return n.clock.Waiters() == 1 }, 10*time.Second, time.Millisecond,
		"the relay checks again later")
	echoOnce(t, conn, []byte("still open"))
	n.clock.Advance(time.Hour) // the rental's own end still closes it
	_, err = io.ReadAll(conn)
	require.ErrorIs(t, err, iog.ErrExpired)
}

func TestThousandConcurrentStreams(t *testing.T) {
	noLeaks(t)
	// The tunnel's timeouts bound a hang here, never speed: a thousand
	// streams opened at once on a busy machine can wait longer than the
	// defaults for a stream's open or a write to the connection, and a
	// write that waits PeerTimeout fails its connection.
	cc := tunnel.ConnConfig{HandshakeTimeout: 2 * time.Minute, PeerTimeout: 2 * time.Minute}
	n := newTestNet(t, func(c *tunnel.RelayConfig) { c.HandshakeTimeout, c.PeerTimeout = cc.HandshakeTimeout, cc.PeerTimeout })
	echoPort := serve(t, echo)
	n.startAgent("gpu-1", gpuKey, []uint16{echoPort}, func(c *tunnel.AgentConfig) { c.HandshakeTimeout, c.PeerTimeout = cc.HandshakeTimeout, cc.PeerTimeout })
	n.waitOnline("gpu-1")
	n.rent("cluster-1", engineer, time.Hour, "gpu-1")
	cc.Logger = discard()
	c, err := tunnel.NewClient(tunnel.ClientConfig{RelayAddr: n.addr, RelayPin: n.pin, Key: engineer, ConnConfig: cc})
	require.NoError(t, err)
	defer c.Close()

	const streams, size = 1000, 8 << 10
	var wg sync.WaitGroup
	errs := make(chan error, streams)
	for i := range streams {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 42))
			payload := make([]byte, size+rng.IntN(size))
			for j := range payload {
				payload[j] = byte(rng.Uint32())
			}
			want := sha256.Sum256(payload)
			conn, err := c.Dial(context.Background(), "gpu-1", echoPort)
			if err != nil {
				errs <- fmt.Errorf("stream %d: %w", i, err)
				return
			}
			defer conn.Close()
			wrote := make(chan error, 1)
			go func() {
				_, err := conn.Write(payload)
				if err == nil {
					err = conn.(interface{ CloseWrite() error }).CloseWrite()
				}
				wrote <- err
			}()
			h := sha256.New()
			got, err := io.Copy(h, conn)
			if err != nil {
				_ = conn.Close() // ends the write too, if it still waits
				errs <- fmt.Errorf("stream %d: read after %d bytes: %w (the write: %v)", i, got, err, <-wrote)
				return
			}
			// A write that failed is an error even when the read that
			// followed ended cleanly.
			if err := <-wrote; err != nil {
				errs <- fmt.Errorf("stream %d: write: %w (the read ended cleanly after %d bytes)", i, err, got)
				return
			}
			if got != int64(len(payload)) || [32]byte(h.Sum(nil)) != want {
				errs <- fmt.Errorf("stream %d: got %d bytes with another checksum, want %d", i, got, len(payload))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	stats, _ := n.relay.Stats("gpu-1")
	require.Equal(t, uint64(streams), stats.Streams)
	require.Equal(t, stats.ToDevice, stats.FromDevice)
	require.GreaterOrEqual(t, stats.ToDevice, uint64(streams*size))
}

func TestByteCounters(t *testing.T) {
	n, _, echoPort := newEchoNet(t, nil)
	conn, err := n.client(engineer).Dial(context.Background(), "gpu-1", echoPort)
	require.NoError(t, err)
	payload := []byte(strings.Repeat("metered bytes ", 20000)) // 280,000 bytes
	echoOnce(t, conn, payload)
	require.NoError(t, conn.Close())
	require.Eventually(t, func() bool {
		s, _ := n.relay.Stats("gpu-1")
		return s.ToDevice == uint64(len(payload)) && s.FromDevice == uint64(len(payload))
	}, 10*time.Second, time.Millisecond)
	_, ok := n.relay.Stats("gpu-unknown")
	require.False(t, ok)
	all := n.relay.AllStats()
	require.Len(t, all, 1)
	require.Equal(t, uint64(len(payload)), all["gpu-1"].ToDevice)
}

// The rate limit runs on the relay's clock: a transfer larger than the
// burst waits until the clock has moved as long as the rate requires.
func TestRateLimitHoldsTransferToItsRate(t *testing.T) {
	const perSecond, burst, size = 64 << 10, 16 << 10, 64 << 10
	n, _, echoPort := newEchoNet(t, func(c *tunnel.RelayConfig) { c.DeviceRate, c.DeviceBurst = perSecond, burst })
	conn, err := n.client(engineer).Dial(context.Background(), "gpu-1", echoPort)
	require.NoError(t, err)
	defer conn.Close()
	done := make(chan error, 1)
	go func() {
		payload := []byte(strings.Repeat("x", size))
		if _, err := conn.Write(payload); err != nil {
			done <- err
			return
		}
		got := make([]byte, size)
		_, err := io.ReadFull(conn, got)
		done <- err
	}()
	// One waiter is the rental's end; more are copies held by the limit.
	var moved time.Duration
	for step := 0; step < 20000 && moved < 10*time.Second; step++ {
		select {
		case err := <-done:
			require.NoError(t, err)
			// 64 KiB each way is 128 KiB through the limiter; the burst
			// passes at once, the rest at 64 KiB/s.
			require.GreaterOrEqual(t, moved, time.Duration(float64(time.Second)*float64(2*size-burst)/perSecond))
			s, _ := n.relay.Stats("gpu-1")
			require.Equal(t, uint64(size), s.ToDevice)
			t.Logf("the clock moved %s", moved)
			return
		case <-time.After(time.Millisecond):
		}
		if n.clock.Waiters() > 1 {
			n.clock.Advance(50 * time.Millisecond)
			moved += 50 * time.Millisecond
		}
	}
	t.Fatalf("the transfer did not finish after the clock moved %s", moved)
}

func TestSlowReaderDoesNotStallOtherStreams(t *testing.T) {
	noLeaks(t)
	n := newTestNet(t, nil)
	echoPort := serve(t, echo)
	firehose := serve(t, func(c net.Conn) {
		buf := make([]byte, 64<<10)
		for range 1024 { // up to 64 MiB, far beyond every window on the way
			if _, err := c.Write(buf); err != nil {
				return
			}
		}
	})
	n.startAgent("gpu-1", gpuKey, []uint16{echoPort, firehose}, nil)
	n.waitOnline("gpu-1")
	n.rent("cluster-1", engineer, time.Hour, "gpu-1")
	c := n.client(engineer)
	slow, err := c.Dial(context.Background(), "gpu-1", firehose)
	require.NoError(t, err)
	one := make([]byte, 1)
	_, err = io.ReadFull(slow, one) // the firehose runs, and nobody reads on
	require.NoError(t, err)
	for i := range 20 {
		conn, err := c.Dial(context.Background(), "gpu-1", echoPort)
		require.NoError(t, err)
		echoOnce(t, conn, []byte(fmt.Sprintf("echo %d while another stream is stuck", i)))
		require.NoError(t, conn.Close())
	}
	require.NoError(t, slow.Close())
}

func TestRelayRestartWorkerComesBack(t *testing.T) {
	noLeaks(t) // registered first, it runs after every other cleanup
	n, a, echoPort := newEchoNet(t, nil)
	c := n.client(engineer)
	conn, err := c.Dial(context.Background(), "gpu-1", echoPort)
	require.NoError(t, err)
	echoOnce(t, conn, []byte("before the restart"))

	addr := n.addr
	for restart := range 3 {
		old := n.relay
		n.stop()
		require.False(t, old.Online("gpu-1"), "a stopped relay holds no worker")
		_, err = conn.Read(make([]byte, 1))
		require.Error(t, err, "streams end with the relay")
		n.startRelay(addr)
		n.waitOnline("gpu-1")
		conn, err = c.Dial(context.Background(), "gpu-1", echoPort)
		require.NoError(t, err, "restart %d", restart)
		echoOnce(t, conn, []byte(fmt.Sprintf("after restart %d", restart)))
	}
	require.NoError(t, conn.Close())
	require.Equal(t, uint64(4), a.agent.Connections())
	require.NoError(t, c.Close())
	a.stop()
	n.stop()
}

// stallProxy forwards TCP to a target until stalled: then it stops moving
// bytes without closing anything, as a dead network path does, and stops
// accepting until resumed.
type stallProxy struct {
	ln      net.Listener
	target  string
	mu      sync.Mutex
	stalled chan struct{} // closed while traffic flows
	accepts int
	wg      sync.WaitGroup
	conns   []net.Conn
}

func newStallProxy(t *testing.T, target string) *stallProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &stallProxy{ln: ln, target: target, stalled: make(chan struct{})}
	close(p.stalled)
	p.wg.Go(p.run)
	t.Cleanup(func() {
		_ = ln.Close()
		p.resume()
		p.mu.Lock()
		for _, c := range p.conns {
			_ = c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *stallProxy) run() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		flowing := p.stalled
		p.mu.Unlock()
		select {
		case <-flowing:
		default: // stalled: refuse new connections
			_ = c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.accepts++
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		pump := func(dst, src net.Conn, gate chan struct{}) {
			buf := make([]byte, 32<<10)
			for {
				n, err := src.Read(buf)
				if err != nil {
					return
				}
				p.mu.Lock()
				cur := p.stalled
				p.mu.Unlock()
				if cur != gate { // stalled once: this connection is dead for good
					<-cur
					return
				}
				if _, err := dst.Write(buf[:n]); err != nil {
					return
				}
			}
		}
		p.wg.Go(func() { pump(up, c, flowing) })
		p.wg.Go(func() { pump(c, up, flowing) })
	}
}

func (p *stallProxy) stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stalled = make(chan struct{})
}

func (p *stallProxy) resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.stalled:
	default:
		close(p.stalled)
	}
}

func TestKeepAliveDetectsDeadPath(t *testing.T) {
	const keepAlive = 200 * time.Millisecond
	n := newTestNet(t, func(c *tunnel.RelayConfig) { c.KeepAlive, c.PeerTimeout = keepAlive, 5*keepAlive })
	echoPort := serve(t, echo)
	proxy := newStallProxy(t, n.addr)
	a := n.startAgent("gpu-1", gpuKey, []uint16{echoPort}, func(c *tunnel.AgentConfig) {
		c.RelayAddr = proxy.ln.Addr().String()
		c.KeepAlive, c.PeerTimeout = keepAlive, 5*keepAlive
	})
	n.waitOnline("gpu-1")
	require.Eventually(t, a.agent.Online, 20*time.Second, time.Millisecond)
	require.Equal(t, uint64(1), a.agent.Connections())

	proxy.stall()
	// Both ends notice the silent path: the relay drops the device, and
	// the agent drops its connection and keeps trying.
	require.Eventually(t, func() bool { return !n.relay.Online("gpu-1") && !a.agent.Online() }, 20*time.Second, 5*time.Millisecond)
	proxy.resume()
	n.waitOnline("gpu-1")
	require.Eventually(t, a.agent.Online, 20*time.Second, 5*time.Millisecond)
	require.Equal(t, uint64(2), a.agent.Connections())

	n.rent("cluster-1", engineer, time.Hour, "gpu-1")
	conn, err := n.client(engineer).Dial(context.Background(), "gpu-1", echoPort)
	require.NoError(t, err)
	echoOnce(t, conn, []byte("back after a dead path"))
	require.NoError(t, conn.Close())
}

func TestClientSurvivesRelayLoss(t *testing.T) {
	n := newTestNet(t, nil)
	c := n.client(engineer)
	n.stop()
	_, err := c.Dial(context.Background(), "gpu-1", 80)
	require.ErrorIs(t, err, iog.ErrUnavailable)
	require.NoError(t, c.Close())
	_, err = c.Dial(context.Background(), "gpu-1", 80)
	require.ErrorIs(t, err, net.ErrClosed)
}

// A Dial waiting for another Dial's connection to the relay gives up
// when its own context ends, and Close ends a connection attempt under way
// instead of waiting for it.
func TestClientDialHonorsContextWhileConnecting(t *testing.T) {
	// A relay that accepts TCP and then says nothing: the handshake hangs.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c
		}
	}()
	c, err := tunnel.NewClient(tunnel.ClientConfig{
		RelayAddr: ln.Addr().String(), Key: engineer,
		ConnConfig: tunnel.ConnConfig{Logger: discard(), HandshakeTimeout: time.Hour},
	})
	require.NoError(t, err)
	first := make(chan error, 1)
	go func() {
		_, err := c.Dial(context.Background(), "gpu-1", 22)
		first <- err
	}()
	var held net.Conn
	select {
	case held = <-accepted: // the first Dial is in its handshake
	case <-time.After(20 * time.Second):
		t.Fatal("the first Dial never connected")
	}
	defer held.Close()

	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan error, 1)
	go func() {
		_, err := c.Dial(ctx, "gpu-1", 22)
		second <- err
	}()
	cancel()
	select {
	case err := <-second:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(20 * time.Second):
		t.Fatal("a Dial whose context ended kept waiting for another Dial's connection")
	}

	require.NoError(t, c.Close())
	select {
	case err := <-first:
		require.ErrorIs(t, err, net.ErrClosed)
	case <-time.After(20 * time.Second):
		t.Fatal("Close did not end the connection attempt under way")
	}
}

// noLeaks checks, after every other cleanup of the test, that the test
// left no goroutine of its own running: relay, agents and streams all
// stopped.
func noLeaks(t *testing.T) {
	leakcheck.Check(t)
}

// flakyListener fails its first Accept calls, as a listener does when the
// process runs out of file descriptors.
type flakyListener struct {
	net.Listener
	failures atomic.Int32
}

func (l *flakyListener) Accept() (net.Conn, error) {
	if l.failures.Add(-1) >= 0 {
		return nil, syscall.EMFILE
	}
	return l.Listener.Accept()
}

func TestRelaySurvivesAcceptErrors(t *testing.T) {
	n := newTestNet(t, nil)
	n.stop()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	flaky := &flakyListener{Listener: ln}
	flaky.failures.Store(3)
	relay, err := tunnel.NewRelay(n.cfg)
	require.NoError(t, err)
	n.relay, n.addr = relay, ln.Addr().String()
	stop := background(t, func(ctx context.Context) error { return relay.Serve(ctx, flaky) })
	echoPort := serve(t, echo)
	n.startAgent("gpu-1", gpuKey, []uint16{echoPort}, nil)
	n.waitOnline("gpu-1")
	require.Contains(t, n.logs.String(), "accept failed; retrying")
	stop()

	// A listener closed from outside ends Serve with an error.
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- relay.Serve(context.Background(), ln2) }()
	require.NoError(t, ln2.Close())
	require.ErrorIs(t, <-done, net.ErrClosed)
}

func TestStreamsPerConnectionAreBounded(t *testing.T) {
	noLeaks(t)
	n, _, echoPort := newEchoNet(t, func(c *tunnel.RelayConfig) { c.MaxStreams = 2 })
	c := n.client(engineer)
	ctx := context.Background()
	var open []net.Conn
	for range 2 {
		conn, err := c.Dial(ctx, "gpu-1", echoPort)
		require.NoError(t, err)
		echoOnce(t, conn, []byte("held open"))
		open = append(open, conn)
	}
	_, err := c.Dial(ctx, "gpu-1", echoPort)
	require.ErrorIs(t, err, iog.ErrUnavailable)
	require.Contains(t, n.logs.String(), "the most the relay allows")
	require.NoError(t, open[0].Close())
	// The slot frees once the relay has seen the stream end.
	require.Eventually(t, func() bool {
		conn, err := c.Dial(ctx, "gpu-1", echoPort)
		if err != nil {
			return false
		}
		defer conn.Close()
		return true
	}, 10*time.Second, 5*time.Millisecond)
	require.NoError(t, open[1].Close())
}
