package iogsdk_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk"
)

// helperEnv names the mode in which the test binary, re-executed, plays a
// rental's workload (see TestHelperProcess).
const helperEnv = "IOG_TEST_WORKLOAD"

// TestHelperProcess is not a test: run as a workload with helperEnv set,
// it is one. "serve" answers HTTP on IOG_PORT with IOG_CLUSTER, after
// starting a child of its own (whose PID it writes to child.pid in its
// working directory) that must end with it; "stubborn" ignores SIGTERM;
// "exit" ends at once.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	switch mode {
	case "":
		return
	case "exit":
		os.Exit(0)
	case "stubborn":
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ignoring SIGTERM")
		time.Sleep(time.Hour)
	case "serve":
		child := exec.Command("sleep", "3600")
		if err := child.Start(); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		if err := os.WriteFile("child.pid", []byte(strconv.Itoa(child.Process.Pid)), 0o600); err != nil {
			os.Exit(1)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("IOG_PORT"))
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println("serving", os.Getenv("IOG_CLUSTER"), "on", ln.Addr())
		http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, os.Getenv("IOG_CLUSTER")+" "+os.Getenv("GREETING")+" "+os.Getenv("CUDA_VISIBLE_DEVICES"))
		}))
	}
	os.Exit(2)
}

// helper is the workload that runs this test binary in a mode.
func helper(cluster iog.ClusterID, mode string, ports ...uint16) iogsdk.Workload {
	return iogsdk.Workload{
		Cluster: cluster, Entrypoint: []string{os.Args[0], "-test.run=^TestHelperProcess$"},
		Env: map[string]string{helperEnv: mode, "GREETING": "hello"}, Ports: ports, GPUs: []int{0, 2}, Expires: time.Now().Add(time.Hour),
	}
}

// freePort returns a loopback port nothing listens on now.
func freePort(t *testing.T) uint16 {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return uint16(ln.Addr().(*net.TCPAddr).Port)
}

// gone reports whether a process has ended (a zombie counts as ended).
func gone(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return strings.HasPrefix(rest, "Z")
}

// TestProcessRuntime: a workload runs as a child process with its
// environment, its output in its log; stopping it ends its whole process
// group; one that ignores SIGTERM is killed after the grace; one that
// ends by itself is not running.
func TestProcessRuntime(t *testing.T) {
	dir := t.TempDir()
	rt := iogsdk.NewProcessRuntime(iogsdk.ProcessRuntimeConfig{Dir: dir, Grace: 200 * time.Millisecond})
	ctx := context.Background()

	for _, bad := range []iogsdk.Workload{
		{Cluster: "c-1", Entrypoint: []string{""}},
		{Cluster: "../c", Entrypoint: []string{"true"}},
		{Cluster: "c-1", Entrypoint: []string{"true"}, Env: map[string]string{"A=B": "x"}},
		{Cluster: "c-1", Entrypoint: []string{"true"}, Ports: []uint16{0}},
	} {
		require.ErrorIs(t, rt.Start(ctx, bad), iog.ErrInvalid, "%+v", bad)
	}
	require.ErrorIs(t, rt.Start(ctx, iogsdk.Workload{Cluster: "c-1", Entrypoint: []string{filepath.Join(dir, "missing")}}), iog.ErrUnavailable)
	require.NoError(t, rt.Stop(ctx, "c-none"), "nothing to stop")

	port := freePort(t)
	require.NoError(t, rt.Start(ctx, helper("c-1", "serve", port)))
	require.ErrorIs(t, rt.Start(ctx, helper("c-1", "serve", port)), iog.ErrConflict)
	var body string
	require.Eventually(t, func() bool {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var b [64]byte
		n, _ := resp.Body.Read(b[:])
		body = string(b[:n])
		return true
	}, 10*time.Second, 20*time.Millisecond)
	require.Equal(t, "c-1 hello 0,2", body)
	require.True(t, rt.Running("c-1"))
	pidText, err := os.ReadFile(filepath.Join(dir, "c-1", "child.pid"))
	require.NoError(t, err)
	child, err := strconv.Atoi(string(pidText))
	require.NoError(t, err)
	require.False(t, gone(child))

	require.NoError(t, rt.Stop(ctx, "c-1"))
	require.False(t, rt.Running("c-1"))
	require.Eventually(t, func() bool { return gone(child) }, 5*time.Second, 10*time.Millisecond, "the workload's own child ends with it")
	logged, err := os.ReadFile(filepath.Join(dir, "c-1.log"))
	require.NoError(t, err)
	require.Contains(t, string(logged), "serving c-1 on 127.0.0.1:"+strconv.Itoa(int(port)))

	require.NoError(t, rt.Start(ctx, helper("c-2", "stubborn")))
	require.Eventually(t, func() bool {
		logged, _ := os.ReadFile(filepath.Join(dir, "c-2.log"))
		return strings.Contains(string(logged), "ignoring SIGTERM")
	}, 10*time.Second, 10*time.Millisecond)
	began := time.Now()
	require.NoError(t, rt.Stop(ctx, "c-2"))
	require.GreaterOrEqual(t, time.Since(began), 200*time.Millisecond, "killed after the grace")
	require.False(t, rt.Running("c-2"))

	require.NoError(t, rt.Start(ctx, iogsdk.Workload{Cluster: "c-4", Ports: []uint16{8888}}), "a workload that runs nothing")
	require.True(t, rt.Running("c-4"))
	require.NoError(t, rt.Stop(ctx, "c-4"))
	require.False(t, rt.Running("c-4"))

	require.NoError(t, rt.Start(ctx, helper("c-3", "exit")))
	require.Eventually(t, func() bool { return !rt.Running("c-3") }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, rt.Start(ctx, helper("c-3", "exit")), "an ended workload starts again")
	require.NoError(t, rt.Stop(ctx, "c-3"))
}
