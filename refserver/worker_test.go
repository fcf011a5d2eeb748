package refserver_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/internal/leakcheck"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/tunnel"
)

// workerRig is what a worker test runs: the server's loops, and clients
// on a transport of their own, closed at the end, when the test checks
// that none of its goroutines outlives it.
type workerRig struct {
	e         *env
	transport *http.Transport
	anon      *iogsdk.Client
}

func newWorkerRig(t *testing.T, e *env) *workerRig {
	leaks := leakcheck.Snapshot(t)
	r := &workerRig{e: e, transport: &http.Transport{}}
	t.Cleanup(func() {
		r.transport.CloseIdleConnections()
		leakcheck.Verify(t, leaks)
	})
	r.anon = r.client(t, nil)
	return r
}

func (r *workerRig) client(t *testing.T, key []byte) *iogsdk.Client {
	c, err := iogsdk.NewClient(iogsdk.ClientConfig{Server: r.e.url, Key: key, Clock: r.e.clock, RetryMax: -1,
		HTTPClient: &http.Client{Transport: r.transport}, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	return c
}

// lead runs the server's loops until the test ends.
func (r *workerRig) lead(t *testing.T) {
	run, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.e.server.Run(run) }()
	t.Cleanup(func() { stop(); require.NoError(t, <-done) })
	r.until(t, "the relay starts", func() bool { _, err := r.anon.Relay(ctx); return err == nil })
}

// until advances the clock a tenth of a second at a time, letting the
// worker and the server run between steps, until cond holds. The clock
// runs about five times as fast as real time: a proof's 30 s of slack
// leave the worker, on a loaded machine under the race detector, seconds
// to solve it.
func (r *workerRig) until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; !cond(); i++ {
		require.Less(t, i, 4000, "never: %s", what)
		r.e.clock.Advance(100 * time.Millisecond)
		time.Sleep(20 * time.Millisecond)
	}
}

// worker returns a worker of wallet n on the rig's clock, keeping its state
// in stateFile.
func (r *workerRig) worker(t *testing.T, n byte, stateFile string) *iogsdk.Worker {
	probe, err := gpu.NewSimulatedProbe("H100-SXM", 2, uint64(n))
	require.NoError(t, err)
	w, err := iogsdk.NewWorker(iogsdk.WorkerConfig{
		Client: r.client(t, walletKey(n)), Key: walletKey(n), Probe: probe, Name: "rig", Location: "US/Virginia",
		Bandwidth: api.Bandwidth{DownBytesPerSec: 100 << 20, UpBytesPerSec: 50 << 20},
		CPUUse:    idleCPU,
		StateFile: stateFile, HeartbeatInterval: time.Second, Clock: r.e.clock,
		Backoff: tunnel.Backoff{Initial: time.Second, Max: 2 * time.Second}, Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	return w
}

// start runs w until the returned stop is called, which returns Run's
// error, or until the test ends.
func start(t *testing.T, w *iogsdk.Worker) (stop func() error) {
	run, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(run) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// TestWorker: a worker against the server over HTTP registers its device,
// attests it, heartbeats, answers its proofs (its trust rises), connects
// its tunnel to the server's relay; restarted on its state file it is the
// same device; stopped, it leaves no goroutine behind.
func TestWorker(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		r := newWorkerRig(t, e)
		r.lead(t)
		state := filepath.Join(t.TempDir(), "worker.json")
		w := r.worker(t, 1, state)
		stop := start(t, w)
		var first api.Device
		r.until(t, "the device is attested", func() bool {
			if w.Device() == "" {
				return false
			}
			d, err := r.anon.Device(ctx, w.Device())
			require.NoError(t, err)
			first = d
			return d.State == api.DeviceActive && d.Up
		})
		require.Equal(t, 2, first.GPUCount)
		r.until(t, "the proofs are accepted", func() bool {
			d, err := r.anon.Device(ctx, w.Device())
			require.NoError(t, err)
			return d.Trust > first.Trust && d.Trust >= 800
		})
		r.until(t, "the tunnel is up", w.Online)
		require.NoError(t, stop())
		require.False(t, w.Online())

		again := r.worker(t, 1, state)
		stop = start(t, again)
		r.until(t, "the worker resumes", func() bool { return again.Device() != "" })
		require.Equal(t, w.Device(), again.Device())
		r.until(t, "the tunnel is up again", again.Online)
		require.NoError(t, stop())
		list, err := r.anon.Devices(ctx, iogsdk.DeviceQuery{Owner: walletOf(walletKey(1))})
		require.NoError(t, err)
		require.Len(t, list.Devices, 1, "the restarted worker registered no other device")

		// Another wallet's worker given this state file is refused, and
		// stops with the refusal.
		err = r.worker(t, 2, state).Run(ctx)
		require.ErrorIs(t, err, iog.ErrForbidden)
	})
}

// TestWorkerServesARental: a renter deploys a cluster; the scheduling
// loop places it on a worker's device, the worker learns its rental,
// exposes its port and says it started (the cluster runs), and the renter
// reaches the port through the server's relay; once the cluster is
// terminated the relay lets the renter through no more.
func TestWorkerServesARental(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		r := newWorkerRig(t, e)
		// What the rental's workload serves: a port on the device.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		port := uint16(ln.Addr().(*net.TCPAddr).Port)
		served := make(chan error, 1)
		go func() {
			served <- http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("from the device")) }))
		}()
		t.Cleanup(func() { ln.Close(); <-served })

		r.lead(t)
		w := r.worker(t, 1, filepath.Join(t.TempDir(), "worker.json"))
		start(t, w)
		r.until(t, "the device is up", func() bool {
			if w.Device() == "" {
				return false
			}
			d, err := r.anon.Device(ctx, w.Device())
			require.NoError(t, err)
			return d.State == api.DeviceActive && d.Up && w.Online()
		})

		renterKey := walletKey(7)
		renter := r.client(t, renterKey)
		_, err = renter.Faucet(ctx)
		require.NoError(t, err)
		body := deployBody(t, 2, 3)
		body.Workload = api.Workload{Ports: []uint16{port}}
		cl, err := renter.Deploy(ctx, body)
		require.NoError(t, err)
		r.until(t, "the cluster runs", func() bool {
			got, err := renter.Cluster(ctx, cl.ID)
			require.NoError(t, err)
			return got.Status == api.ClusterRunning
		})

		relay, err := r.anon.Relay(ctx)
		require.NoError(t, err)
		pin, err := tunnel.ParsePin(relay.Pin)
		require.NoError(t, err)
		tc, err := tunnel.NewClient(tunnel.ClientConfig{RelayAddr: relay.Addr, RelayPin: pin, Key: renterKey, ConnConfig: tunnel.ConnConfig{Logger: slog.New(slog.DiscardHandler)}})
		require.NoError(t, err)
		t.Cleanup(func() { tc.Close() })
		get := func() (string, error) { return getThrough(ctx, tc, w.Device(), port) }
		var got string
		r.until(t, "the renter reaches the device", func() bool { got, err = get(); return err == nil })
		require.Equal(t, "from the device", got)
		for _, m := range []struct {
			name   string
			labels map[string]string
		}{
			{"iog_devices", map[string]string{"state": "active", "up": "1"}},
			{"iog_clusters", map[string]string{"status": "running"}},
			{"iog_leader", nil},
			{"iog_tunnel_streams_total", nil},
			{"iog_tunnel_bytes_total", map[string]string{"direction": "to_device"}},
			{"iog_tunnel_bytes_total", map[string]string{"direction": "from_device"}},
		} {
			v, ok := metric(t, e.server, m.name, m.labels)
			require.True(t, ok, "%s%v", m.name, m.labels)
			require.Positive(t, v, "%s%v", m.name, m.labels)
		}

		_, err = renter.TerminateCluster(ctx, cl.ID)
		require.NoError(t, err)
		r.until(t, "the relay refuses the renter", func() bool { _, err = get(); return err != nil })
		require.True(t, errors.Is(err, iog.ErrForbidden) || errors.Is(err, iog.ErrExpired), "%v", err)
	}, withFaucet)
}

// idleCPU is the CPU use of a test's workers: they share the machine
// running the tests, whose use is not theirs.
func idleCPU() (uint32, error) { return 0, nil }
