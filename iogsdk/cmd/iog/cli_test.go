package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog/iogsdk/api"
)

// TestDeploy runs the real binary against a test server with a worker
// (iog worker run) lending two simulated H100s: a renter deploys with
// --json, which waits until the cluster runs, and parses the output; the
// progress display is off (stderr is no terminal, and stays empty); the
// table lists the cluster; it is terminated.
func TestDeploy(t *testing.T) {
	n := startNetwork(t)
	dev := supplier(t, n, "H100-SXM", 2)
	renter := newUser(t, n.url).funded()

	r := renter.run("--json", "cluster", "deploy", "--gpu", "H100-SXM", "--count", "2", "--hours", "2", "--name", "train", "true", "--epochs", "3")
	require.Equal(t, 0, r.code, r.stderr)
	require.Empty(t, r.stderr, "no progress display off a terminal")
	var cl api.Cluster
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &cl), r.stdout)
	require.Equal(t, api.ClusterRunning, cl.Status)
	require.Equal(t, "train", cl.Name)
	require.Equal(t, []string{"true", "--epochs", "3"}, cl.Workload.Entrypoint, "the entrypoint keeps its flags")
	require.Len(t, cl.Devices, 1)
	require.Equal(t, dev.ID, cl.Devices[0].Device)

	list := renter.ok("cluster", "list")
	lines := strings.Split(strings.TrimSpace(list), "\n")
	require.Len(t, lines, 2, list)
	require.Regexp(t, `^ID\s+NAME\s+STATUS\s+GPUS\s+HOURS\s+EXPIRES\s+COST$`, lines[0])
	require.Regexp(t, `^`+string(cl.ID)+`\s+train\s+running\s+2× H100-SXM\s+2\s`, lines[1])
	require.NotContains(t, list, "\x1b[", "no colors off a terminal")

	// The quote of the same request, and a deploy of a body read from
	// standard input, as the API takes it.
	var q api.Quote
	renter.okJSON(&q, "quote", "--gpu", "H100-SXM", "--count", "2", "--hours", "2")
	require.Equal(t, "H100-SXM", q.Model)
	require.Equal(t, 2, q.GPUCount)
	require.Positive(t, q.RenterPays.Sign())
	r = renter.runIn(`{"gpu_model": "H100-SXM", "gpu_count": 8, "hours": 1, "currency": "USDC", "name": "from stdin"}`,
		"--json", "cluster", "deploy", "-f", "-", "--no-wait")
	require.Equal(t, 0, r.code, r.stderr)
	var pending api.Cluster
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &pending), r.stdout)
	require.Equal(t, "from stdin", pending.Name)
	require.Equal(t, api.ClusterPending, pending.Status, "no device has 8 H100s")
	r = renter.run("cluster", "manifest", string(pending.ID))
	require.NotEqual(t, 0, r.code, "a pending cluster has no manifest")
	require.NotEmpty(t, r.stderr)
	renter.ok("cluster", "terminate", string(pending.ID))

	// The running cluster as KubeRay manifests: its RayCluster on the
	// device, the workload's job and a sample's.
	manifest := renter.ok("cluster", "manifest", string(cl.ID), "--sample", "tuning", "--namespace", "research")
	docs := strings.Split(manifest, "\n---\n")
	require.Len(t, docs, 3, manifest)
	require.Contains(t, docs[0], "kind: RayCluster")
	require.Contains(t, docs[0], "namespace: research")
	require.Contains(t, docs[0], `nvidia.com/gpu: "2"`)
	require.Contains(t, docs[0], string(dev.ID), "pinned to the device")
	require.Contains(t, docs[1], "kind: RayJob")
	require.Contains(t, docs[1], "--epochs")
	require.Contains(t, docs[2], "kind: RayJob")
	require.Contains(t, docs[2], "tune")
	r = renter.run("cluster", "manifest", string(cl.ID), "--sample", "poetry")
	require.Equal(t, 2, r.code, "an unknown sample is a usage error: %s", r.stderr)

	var watched api.Cluster
	renter.okJSON(&watched, "cluster", "watch", string(cl.ID), "--until", "running")
	require.Equal(t, api.ClusterRunning, watched.Status, "one JSON object per change")
	require.Regexp(t, `^\d\d:\d\d:\d\d  `+string(cl.ID)+`  running\n$`, renter.ok("cluster", "watch", string(cl.ID), "--until", "running"))

	var ended api.Cluster
	renter.okJSON(&ended, "cluster", "terminate", string(cl.ID))
	require.Equal(t, api.ClusterEnded, ended.Status)
	require.Contains(t, renter.ok("cluster", "show", string(cl.ID)), "ended")
}

// TestPortForward: a renter reaches a port of the cluster's device
// through the relay with iog port-forward, and with iog ssh, which runs
// ssh (here a stand-in that speaks HTTP to the port it is given) on a
// forwarded port and exits with its status.
func TestPortForward(t *testing.T) {
	n := startNetwork(t)
	// What the workload serves, on the worker's machine (this one).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hello from the device") }), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	supplier(t, n, "L40S", 1)
	renter := newUser(t, n.url).funded()
	var cl api.Cluster
	renter.okJSON(&cl, "cluster", "deploy", "--gpu", "L40S", "--port", fmt.Sprint(port))
	lines := renter.background("--json", "port-forward", string(cl.ID), fmt.Sprintf("0:%d", port))
	var fw forwardOut
	var out strings.Builder
	for json.Unmarshal([]byte(out.String()), &fw) != nil {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "port-forward stopped")
			out.WriteString(l + "\n")
		case <-time.After(time.Minute):
			t.Fatal("port-forward did not start in a minute")
		}
	}
	require.Equal(t, cl.Devices[0].Device, fw.Device)
	var body string
	require.Eventually(t, func() bool {
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + fw.Local + "/")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		return true
	}, time.Minute, 200*time.Millisecond)
	require.Equal(t, "hello from the device", body)

	ssh := filepath.Join(t.TempDir(), "ssh")
	require.NoError(t, os.WriteFile(ssh, []byte(`#!/bin/bash
echo "ssh $*"
exec 3<>/dev/tcp/127.0.0.1/$2
printf 'GET / HTTP/1.0\r\n\r\n' >&3
cat <&3
exit 3
`), 0o755))
	r := renter.run("ssh", string(cl.ID), "--port", fmt.Sprint(port), "--ssh", ssh, "--", "nvidia-smi")
	require.Equal(t, 3, r.code, "ssh's own status: %s", r.stderr)
	require.Regexp(t, `^ssh -p \d+ -o HostKeyAlias=`+string(cl.Devices[0].Device)+` root@127.0.0.1 nvidia-smi\n`, r.stdout)
	require.Contains(t, r.stdout, "hello from the device")
}
