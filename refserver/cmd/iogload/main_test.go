package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver"
)

func TestParseOptions(t *testing.T) {
	o, err := parseOptions(nil, io.Discard)
	require.NoError(t, err)
	require.Equal(t, attackNames, o.Attacks)
	require.Equal(t, 10000, o.Devices)
	require.Equal(t, 20*time.Second, o.Duration)
	require.Empty(t, o.Server)
	require.True(t, o.Prove, "the fleet answers its proofs")
	require.Equal(t, 16, o.ProofN)
	require.False(t, o.Presign)

	o, err = parseOptions([]string{"-server", "http://127.0.0.1:8420", "-devices", "100000", "-attack", "heartbeats,reads,heartbeats", "-duration", "1m"}, io.Discard)
	require.NoError(t, err)
	require.Equal(t, []string{"heartbeats", "reads"}, o.Attacks)
	require.Equal(t, readNames, o.Reads)
	require.Equal(t, 100000, o.Devices)
	require.Equal(t, time.Minute, o.Duration)

	o, err = parseOptions([]string{"-attack", ""}, io.Discard)
	require.NoError(t, err)
	require.Empty(t, o.Attacks, "populate only")

	for _, bad := range [][]string{
		{"-server", "http://10.0.0.1:8420"},
		{"-server", "http://example.com"},
		{"-server", "ftp://127.0.0.1"},
		{"-server", "http://127.0.0.1:8420", "-iogd", "/bin/iogd"},
		{"-attack", "reads,writes"},
		{"-reads", ""},
		{"-reads", "device,blocks"},
		{"-devices", "0"},
		{"-sources", "251"},
		{"-heartbeat-rate", "0"},
		{"-duration", "0s"},
		{"-duration", "11m"},
		{"-presign", "-duration", "5m"},
		{"-proof-n", "-1"},
		{"-proof-n", "4097"},
		{"-cpuprofile", "cpu.out", "-server", "http://127.0.0.1:1"},
		{"-cpuprofile", "cpu.out", "-attack", "reads"},
		{"extra"},
		{"-no-such-flag"},
	} {
		_, err := parseOptions(bad, io.Discard)
		require.Error(t, err, "%q", bad)
	}
	for _, ok := range []string{"http://localhost:8420", "http://[::1]:8420", "http://127.3.4.5:1/"} {
		require.NoError(t, checkLoopback(ok), ok)
	}
}

func TestParseFleet(t *testing.T) {
	id := iog.DeviceID("05e73dd0-385a-4bc3-8316-6f18c0cae7dc")
	fleet, err := parseFleet(strings.NewReader(string(id) + " 7\n" + string(id) + " 8\n05e73dd0"))
	require.NoError(t, err)
	require.Equal(t, []device{{ID: id, Wallet: 7}, {ID: id, Wallet: 8}}, fleet, "a line cut short is dropped")
	_, err = parseFleet(strings.NewReader("not/an/id 3\n"))
	require.Error(t, err)
}

// request rebuilds the request vegeta sends for a target.
func request(t *testing.T, tr vegeta.Targeter) (*http.Request, []byte) {
	var tg vegeta.Target
	require.NoError(t, tr(&tg))
	r, err := tg.Request()
	require.NoError(t, err)
	return r, tg.Body
}

// TestSignedTargets: every heartbeat and deployment target carries a
// signature the server's api.Verify accepts, by the device's owner or the
// renter, with a nonce and an idempotency key never used before.
func TestSignedTargets(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	s := newSigner(iog.NewManualClock(now))
	fleet := []device{{ID: "05e73dd0-385a-4bc3-8316-6f18c0cae7dc", Wallet: 3}, {ID: "15e73dd0-385a-4bc3-8316-6f18c0cae7dc", Wallet: 4}}
	deploys, err := deployTargets("http://127.0.0.1:1", 2, s)
	require.NoError(t, err)
	nonces, keys := map[string]bool{}, map[string]bool{}
	check := func(r *http.Request, body []byte, wallet int) {
		signed, err := api.Verify(r, body, now)
		require.NoError(t, err)
		want, err := iog.WalletAddressOf(walletKey(wallet).Public().(ed25519.PublicKey))
		require.NoError(t, err)
		require.Equal(t, want, signed.Wallet)
		require.False(t, nonces[signed.Nonce], "nonce used twice")
		nonces[signed.Nonce] = true
		key := r.Header.Get(api.IdempotencyHeader)
		require.NotEmpty(t, key)
		require.False(t, keys[key], "idempotency key used twice")
		keys[key] = true
		require.Equal(t, http.MethodPost, r.Method)
		require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	}
	beats := heartbeatTargets("http://127.0.0.1:1", fleet, s)
	for i := range 4 {
		r, body := request(t, beats)
		d := fleet[i%2]
		require.Equal(t, "/v1/devices/"+string(d.ID)+"/heartbeats", r.URL.Path)
		require.JSONEq(t, `{}`, string(body))
		check(r, body, d.Wallet)

		r, body = request(t, deploys)
		require.Equal(t, "/v1/clusters", r.URL.Path)
		var dr api.DeployRequest
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		require.NoError(t, dec.Decode(&dr))
		require.Equal(t, 1, dr.Request.GPUCount)
		check(r, body, renterBase+i%2)
	}

	// A signature does not cover another body or another device.
	r, body := request(t, beats)
	_, err = api.Verify(r, append(body, ' '), now)
	require.ErrorIs(t, err, iog.ErrUnauthorized)
	r.URL.Path = "/v1/devices/" + string(fleet[1].ID) + "/heartbeats"
	_, err = api.Verify(r, body, now)
	require.ErrorIs(t, err, iog.ErrUnauthorized)
}

func TestReadTargets(t *testing.T) {
	fleet := []device{{ID: "05e73dd0-385a-4bc3-8316-6f18c0cae7dc"}, {ID: "15e73dd0-385a-4bc3-8316-6f18c0cae7dc"}}
	tr := readTargets("http://127.0.0.1:1", fleet, readNames)
	var paths []string
	for range 6 {
		r, body := request(t, tr)
		require.Equal(t, http.MethodGet, r.Method)
		require.Empty(t, body)
		require.Empty(t, r.Header.Get(api.SignatureHeader), "public reads are not signed")
		paths = append(paths, r.URL.Path)
	}
	require.Equal(t, []string{
		"/v1/devices/" + string(fleet[0].ID), "/v1/explorer/supply", "/v1/explorer/devices",
		"/v1/devices/" + string(fleet[1].ID), "/v1/explorer/supply", "/v1/explorer/devices",
	}, paths)

	tr = readTargets("http://127.0.0.1:1", fleet, []string{"device"})
	for i := range 3 {
		r, _ := request(t, tr)
		require.Equal(t, "/v1/devices/"+string(fleet[i%2].ID), r.URL.Path)
	}
}

// TestPopulateAndHeartbeat: the populator registers devices through a
// real server, proves them and writes them down, and the server accepts
// the heartbeat targets of its fleet, presigned or not, finding no proof
// owed, and a deployment target.
func TestPopulateAndHeartbeat(t *testing.T) {
	ctx := context.Background()
	srv, err := refserver.New(ctx, refserver.Config{DataDir: t.TempDir(), Faucet: true, Logger: slog.New(slog.DiscardHandler), ProofN: 8})
	require.NoError(t, err)
	defer srv.Close()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	newClient := func(key ed25519.PrivateKey) (*iogsdk.Client, error) {
		return iogsdk.NewClient(iogsdk.ClientConfig{Server: hs.URL, Key: key, RetryMax: -1, Logger: slog.New(slog.DiscardHandler)})
	}
	var written bytes.Buffer
	p := &populator{newClient: newClient, perWallet: 2, prove: true, out: &written}
	n, _, err := p.populate(ctx, 5, 3)
	require.NoError(t, err)
	require.Equal(t, 5, n)
	fleet, err := parseFleet(&written)
	require.NoError(t, err)
	require.ElementsMatch(t, p.fleet, fleet)
	n, _, err = p.populate(ctx, 5, 3)
	require.NoError(t, err)
	require.Zero(t, n, "the fleet is complete")
	answered, _, err := p.proveFleet(ctx, 3)
	require.NoError(t, err)
	require.Zero(t, answered, "proven as registered")

	s := newSigner(iog.SystemClock)
	presigned, err := presign(ctx, heartbeatTargets(hs.URL, fleet, s), 2*len(fleet))
	require.NoError(t, err)
	for _, beats := range []vegeta.Targeter{heartbeatTargets(hs.URL, fleet, s), presigned} {
		for range 2 * len(fleet) {
			require.Empty(t, heartbeat(t, beats).Tasks, "a proven device owes no proof")
		}
	}
	require.NoError(t, fund(ctx, newClient, 1))
	require.NoError(t, fund(ctx, newClient, 1), "funded today already")
	deploys, err := deployTargets(hs.URL, 1, s)
	require.NoError(t, err)
	r, _ := request(t, deploys)
	resp, err := http.DefaultClient.Do(r)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusAccepted, resp.StatusCode)

	// Devices registered unproven owe their proofs until the fleet's pass
	// answers them.
	unproven := &populator{newClient: newClient, perWallet: 2, out: &written, fleet: p.fleet}
	_, _, err = unproven.populate(ctx, 7, 3)
	require.NoError(t, err)
	fresh := unproven.fleet[5:]
	require.NotEmpty(t, heartbeat(t, heartbeatTargets(hs.URL, fresh, s)).Tasks)
	answered, _, err = unproven.proveFleet(ctx, 3)
	require.NoError(t, err)
	require.Positive(t, answered)
	answered, _, err = unproven.proveFleet(ctx, 3)
	require.NoError(t, err)
	require.Zero(t, answered)
	for range 2 * len(fresh) {
		require.Empty(t, heartbeat(t, heartbeatTargets(hs.URL, fresh, s)).Tasks)
	}
}

// heartbeat sends tr's next target and returns the server's answer, which
// must be a 200.
func heartbeat(t *testing.T, tr vegeta.Targeter) api.HeartbeatResponse {
	r, _ := request(t, tr)
	resp, err := http.DefaultClient.Do(r)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var out api.HeartbeatResponse
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return out
}

// TestTaskCounter: only a heartbeat answered 200 with proof tasks counts
// as the slow path.
func TestTaskCounter(t *testing.T) {
	var c taskCounter
	body, err := json.Marshal(api.HeartbeatResponse{Tasks: []api.ProofTask{}})
	require.NoError(t, err)
	c.observe(&vegeta.Result{Code: http.StatusOK, Body: append(body, '\n')})
	c.observe(&vegeta.Result{Code: http.StatusUnauthorized, Body: []byte(`{"error":{}}`)})
	require.Zero(t, c.withTasks)
	body, err = json.Marshal(api.HeartbeatResponse{Tasks: []api.ProofTask{{ID: "00", GPU: "GPU-a", N: 16}}})
	require.NoError(t, err)
	c.observe(&vegeta.Result{Code: http.StatusOK, Body: body})
	require.Equal(t, 1, c.withTasks)
}

// TestWindows: each result goes to the slice of the time it was sent, one
// sent at the attack's very end to the last, and each slice reports its
// own rates.
func TestWindows(t *testing.T) {
	start := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	w := &windows{width: 5 * time.Second, duration: 12 * time.Second, start: start}
	for _, r := range []struct {
		at   time.Duration
		code uint16
	}{{0, 200}, {time.Second, 200}, {4 * time.Second, 500}, {5 * time.Second, 200}, {11 * time.Second, 200}, {12 * time.Second, 200}, {-time.Millisecond, 200}} {
		w.add(&vegeta.Result{Timestamp: start.Add(r.at), Code: r.code, Latency: time.Millisecond})
	}
	require.Len(t, w.each, 3)
	var out strings.Builder
	w.report(&out)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 3)
	require.Contains(t, lines[0], "sent 0s to 5s: 1/s sent, 1/s answered with success")   // 4 sent, 3 answered, in 5 s
	require.Contains(t, lines[1], "sent 5s to 10s: 0/s sent, 0/s answered with success")  // 1 in 5 s
	require.Contains(t, lines[2], "sent 10s to 12s: 1/s sent, 1/s answered with success") // 2 in 2 s
	require.Equal(t, uint64(4), w.each[0].Requests, "the one sent before the start counts in the first")
	require.InDelta(t, 0.75, w.each[0].Success, 1e-9, "one of the four failed")
	require.Equal(t, uint64(2), w.each[2].Requests, "the one sent at the end counts in the last")
}
