package iogsdk_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/internal/leakcheck"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/refserver"
	"github.com/internetofgpus/iog/tunnel"
)

// fakeRentals is a RentalSource the test sets.
type fakeRentals struct {
	mu       sync.Mutex
	rentals  []iogsdk.Workload
	started  map[iog.ClusterID]int
	failNext error
}

func (f *fakeRentals) set(rentals ...iogsdk.Workload) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rentals = rentals
}

func (f *fakeRentals) Rentals(ctx context.Context, device iog.DeviceID) ([]iogsdk.Workload, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failNext; err != nil {
		f.failNext = nil
		return nil, err
	}
	return append([]iogsdk.Workload(nil), f.rentals...), nil
}

func (f *fakeRentals) Started(ctx context.Context, device iog.DeviceID, cluster iog.ClusterID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started[cluster]++
	return nil
}

func (f *fakeRentals) startedCount(c iog.ClusterID) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.started[c]
}

// anyWorker admits every worker to the relay, and renters by rentals.
type anyWorker struct{ *tunnel.Rentals }

func (anyWorker) AdmitWorker(iog.DeviceID, ed25519.PublicKey) error { return nil }

func key(n byte) ed25519.PrivateKey { return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{n}, 32)) }

// TestWorkerRunsRentals: a worker registered with a real server runs a
// rental's workload as a child process, tells the server it started, and
// exposes its port through its tunnel, where the renter reaches it by the
// relay; when the rental ends the workload stops and the port is closed.
// Stopped, the worker leaves no goroutine and no process behind.
func TestWorkerRunsRentals(t *testing.T) {
	leakcheck.Check(t)
	quiet := slog.New(slog.DiscardHandler)
	ctx := context.Background()
	server, err := refserver.New(ctx, refserver.Config{DataDir: t.TempDir(), Authority: key(9), Logger: quiet})
	require.NoError(t, err)
	t.Cleanup(func() { server.Close() })
	hs := httptest.NewServer(server.Handler())
	t.Cleanup(hs.Close)

	relayKey := key(8)
	cert, err := tunnel.NewCertificate(relayKey)
	require.NoError(t, err)
	pin, err := tunnel.PinOf(cert)
	require.NoError(t, err)
	rentals := tunnel.NewRentals(tunnel.RentalsConfig{})
	relay, err := tunnel.NewRelay(tunnel.RelayConfig{Certificate: cert, Authorizer: anyWorker{rentals}, ConnConfig: tunnel.ConnConfig{Logger: quiet}})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	relayCtx, stopRelay := context.WithCancel(ctx)
	relayDone := make(chan error, 1)
	go func() { relayDone <- relay.Serve(relayCtx, ln) }()
	t.Cleanup(func() { stopRelay(); require.NoError(t, <-relayDone) })

	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	client, err := iogsdk.NewClient(iogsdk.ClientConfig{Server: hs.URL, Key: key(1), HTTPClient: &http.Client{Transport: transport}, Logger: quiet})
	require.NoError(t, err)
	probe, err := gpu.NewSimulatedProbe("A100-80GB", 1, 1)
	require.NoError(t, err)
	source := &fakeRentals{started: map[iog.ClusterID]int{}, failNext: fmt.Errorf("the server is busy: %w", iog.ErrUnavailable)}
	dir := t.TempDir()
	w, err := iogsdk.NewWorker(iogsdk.WorkerConfig{
		Client: client, Key: key(1), Probe: probe, Location: "DE/Berlin", StateFile: filepath.Join(dir, "state.json"),
		RelayAddr: ln.Addr().String(), RelayPin: pin, HeartbeatInterval: 200 * time.Millisecond, RentalPoll: 50 * time.Millisecond,
		Rentals: source, Backoff: tunnel.Backoff{Initial: 10 * time.Millisecond, Max: 100 * time.Millisecond}, Logger: quiet,
	})
	require.NoError(t, err)
	run, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(run) }()
	t.Cleanup(func() { stop(); <-done; done <- nil })
	require.Eventually(t, w.Online, 20*time.Second, 10*time.Millisecond)
	device := w.Device()

	renterKey := key(2)
	renter, _ := iog.WalletAddressOf(renterKey.Public().(ed25519.PublicKey))
	require.NoError(t, rentals.Rent(tunnel.Rental{Cluster: "c-1", Renter: renter, Devices: []iog.DeviceID{device}, Expires: time.Now().Add(time.Hour)}))
	port := freePort(t)
	source.set(helper("c-1", "serve", port))
	require.Eventually(t, func() bool { return source.startedCount("c-1") == 1 }, 20*time.Second, 10*time.Millisecond)

	tc, err := tunnel.NewClient(tunnel.ClientConfig{RelayAddr: ln.Addr().String(), RelayPin: pin, Key: renterKey, ConnConfig: tunnel.ConnConfig{Logger: quiet}})
	require.NoError(t, err)
	t.Cleanup(func() { tc.Close() })
	through := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return tc.Dial(ctx, device, port)
	}}}
	get := func() (string, error) {
		resp, err := through.Get("http://rental/")
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	var body string
	require.Eventually(t, func() bool { body, err = get(); return err == nil }, 20*time.Second, 20*time.Millisecond)
	require.Equal(t, "c-1 hello 0,2", body)

	source.set()
	require.Eventually(t, func() bool { _, err := get(); return err != nil }, 20*time.Second, 20*time.Millisecond, "the rental ended")
	require.Equal(t, 1, source.startedCount("c-1"), "told once")

	// A rental running when the worker stops is stopped with it.
	source.set(helper("c-2", "serve", port))
	require.Eventually(t, func() bool { return source.startedCount("c-2") == 1 }, 20*time.Second, 10*time.Millisecond)
	stop()
	require.NoError(t, <-done)
	done <- nil
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
		}
		return err != nil
	}, 10*time.Second, 10*time.Millisecond, "the workload ended with the worker")
}
