package refserver_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
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
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/pricing"
	"github.com/internetofgpus/iog/tunnel"
)

// The crash test's rentals through the tunnel: a real worker agent in the
// parent, on the only H100 of the network, serves a port; each round a
// renter deploys a cluster asking for that port, waits for it to run,
// reaches the port through the relay of the server being killed, and
// terminates it. The worker outlives every kill: the child listens on the
// same API and relay addresses each time.

// crashTunnel is the parent's side: the worker, the port it serves, and
// the rentals answered through the tunnel.
type crashTunnel struct {
	url    string
	device func() iog.DeviceID
	port   uint16
	mu     sync.Mutex
	// renters are the wallets that deployed on the worker's device, whose
	// live clusters the next round ends, so that the device is free.
	renters []ed25519.PrivateKey
	reached int
	// online is the worker's tunnel state, and last what the latest
	// renter saw last, for a failure's message.
	online func() bool
	last   string
}

// freeAddr returns a loopback address no one listens on now.
func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// tunnelProbeSeed seeds the tunnel worker's probe.
const tunnelProbeSeed = 1 << 63

// startTunnel serves the workload's port and runs the worker against the
// child at at, until the test ends.
func startTunnel(t *testing.T, at crashAddrs) *crashTunnel {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() {
		served <- http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("from the device")) }))
	}()
	t.Cleanup(func() { ln.Close(); <-served })

	key := ed25519.NewKeyFromSeed([]byte("iog crash test tunnel worker 32b"))
	// The seed is one no crashLoad client's probe takes (round<<8 | n):
	// a probe's GPU UUIDs follow its seed, and with the seed 7 the tunnel's
	// H100 had the UUID of round 0's client 7, whichever reported first
	// holding the GPU and the other refused as its duplicate.
	probe, err := gpu.NewSimulatedProbe("H100-SXM", 1, tunnelProbeSeed)
	require.NoError(t, err)
	e := &env{url: "http://" + at.api}
	w, err := iogsdk.NewWorker(iogsdk.WorkerConfig{
		Client: e.realClient(key), Key: key, Probe: probe, Name: "crash tunnel", Location: "US",
		Bandwidth: api.Bandwidth{DownBytesPerSec: 100 << 20, UpBytesPerSec: 50 << 20}, CPUUse: idleCPU,
		StateFile: filepath.Join(t.TempDir(), "worker.json"), HeartbeatInterval: 200 * time.Millisecond, RentalPoll: 100 * time.Millisecond,
		Backoff: tunnel.Backoff{Initial: 50 * time.Millisecond, Max: 500 * time.Millisecond}, Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	run, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(run) }()
	t.Cleanup(func() { stop(); require.NoError(t, <-done) })
	return &crashTunnel{url: e.url, device: w.Device, online: w.Online, port: uint16(ln.Addr().(*net.TCPAddr).Port)}
}

// rent is one round's renter, until ctx ends: it ends the clusters earlier
// renters left on the device, deploys, waits for the cluster to run,
// reaches the port through the relay and terminates the cluster,
// recording what was acknowledged in got.
func (tn *crashTunnel) rent(ctx context.Context, round int, got *acked) {
	tn.mu.Lock()
	earlier := append([]ed25519.PrivateKey(nil), tn.renters...)
	key := ed25519.NewKeyFromSeed([]byte(fmt.Sprintf("crash tunnel renter round %6d", round)))
	tn.renters = append(tn.renters, key)
	tn.mu.Unlock()
	e := &env{url: tn.url}
	for _, k := range earlier {
		list, err := e.realClient(k).Clusters(ctx, "")
		if err != nil {
			return
		}
		for _, cl := range list.Clusters {
			if cl.Status == api.ClusterEnded {
				continue
			}
			if _, err := e.realClient(k).TerminateCluster(ctx, cl.ID); err != nil {
				tn.saw("terminate an earlier cluster: %v", err)
				return
			}
			got.note(func() {
				if ca := got.clusters[walletOf(k)]; ca != nil {
					ca.terminate = true
				}
			})
		}
	}
	c := e.realClient(key)
	if _, err := c.Faucet(ctx); err != nil {
		return
	}
	got.note(func() { got.faucets[walletOf(key)]++ })
	var r pricing.Request
	if err := json.Unmarshal([]byte(`{"gpu_model": "H100-SXM", "gpu_count": 1, "hours": 1, "currency": "USDC"}`), &r); err != nil {
		panic(err)
	}
	ca := &clusterAck{key: key}
	got.note(func() { got.clusters[walletOf(key)] = ca })
	cl, err := c.Deploy(ctx, api.DeployRequest{Request: r, Name: "tunnel", Workload: api.Workload{Ports: []uint16{tn.port}}})
	if err != nil {
		tn.saw("deploy: %v", err)
		return
	}
	got.note(func() { ca.id, ca.acked = cl.ID, true })
	for cl.Status != api.ClusterRunning {
		if cl.Status == api.ClusterEnded || sleepCtx(ctx, 20*time.Millisecond) != nil {
			return
		}
		if cl, err = c.Cluster(ctx, cl.ID); err != nil {
			tn.saw("cluster: %v", err)
			return
		}
		tn.saw("cluster %s %s: %s", cl.ID, cl.Status, cl.Reason)
	}
	got.note(func() { ca.placed = true })
	for {
		body, err := tn.get(ctx, key)
		if err == nil {
			if body != "from the device" {
				panic("the tunnel answered " + body)
			}
			break
		}
		tn.saw("reach the device (worker online %v): %v", tn.online(), err)
		if sleepCtx(ctx, 20*time.Millisecond) != nil {
			return
		}
	}
	tn.mu.Lock()
	tn.reached++
	tn.mu.Unlock()
	if _, err := c.TerminateCluster(ctx, cl.ID); err != nil {
		return
	}
	got.note(func() { ca.terminate = true })
}

// get asks the worker's port through the relay the server names, as the
// renter of key.
func (tn *crashTunnel) get(ctx context.Context, key ed25519.PrivateKey) (string, error) {
	relay, err := (&env{url: tn.url}).realClient(nil).Relay(ctx)
	if err != nil {
		return "", err
	}
	pin, err := tunnel.ParsePin(relay.Pin)
	if err != nil {
		return "", err
	}
	tc, err := tunnel.NewClient(tunnel.ClientConfig{RelayAddr: relay.Addr, RelayPin: pin, Key: key, ConnConfig: tunnel.ConnConfig{Logger: slog.New(slog.DiscardHandler)}})
	if err != nil {
		return "", err
	}
	defer tc.Close()
	return getThrough(ctx, tc, tn.device(), tn.port)
}

// getThrough is the body of an HTTP GET of a device's port through the
// relay tc is a client of.
func getThrough(ctx context.Context, tc *tunnel.Client, device iog.DeviceID, port uint16) (string, error) {
	conn, err := tc.Dial(ctx, device, port)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true,
		DialContext: func(context.Context, string, string) (net.Conn, error) { return conn, nil }}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://device/", nil)
	if err != nil {
		return "", err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// saw records what the renter saw last.
func (tn *crashTunnel) saw(format string, args ...any) {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	tn.last = fmt.Sprintf(format, args...)
}

// lastSeen is what the latest renter saw last.
func (tn *crashTunnel) lastSeen() string {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	return tn.last
}

// reachedCount is how many rentals were answered through the tunnel.
func (tn *crashTunnel) reachedCount() int {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	return tn.reached
}

// sleepCtx sleeps for d or until ctx ends, and returns ctx's error.
func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
