package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver"
)

// update rewrites the golden files: go test ./iogsdk/cmd/iog -update.
var update = flag.Bool("update", false, "rewrite the golden files")

// iogBinary is the iog command the tests run, built once by TestMain.
var iogBinary string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "iog-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	iogBinary = filepath.Join(dir, "iog")
	build := exec.Command("go", "build", "-o", iogBinary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building iog:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// network is a reference server under test, with its loops running, on
// loopback and the system clock.
type network struct {
	url string
}

func startNetwork(t *testing.T) *network {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := refserver.New(ctx, refserver.Config{
		DataDir: t.TempDir(), Faucet: true, Logger: slog.New(slog.DiscardHandler),
		ScheduleEvery: 200 * time.Millisecond,
	})
	require.NoError(t, err)
	hs := httptest.NewServer(s.Handler())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
		hs.Close()
		s.Close()
	})
	return &network{url: hs.URL}
}

// user is someone running iog: a home of their own (its configuration
// and wallet) and the server it talks to.
type user struct {
	t      *testing.T
	home   string
	server string
}

func newUser(t *testing.T, server string) *user {
	return &user{t: t, home: t.TempDir(), server: server}
}

func (u *user) environ(extra ...string) []string {
	return append([]string{"HOME=" + u.home, "XDG_CONFIG_HOME=" + filepath.Join(u.home, ".config"), "IOG_SERVER=" + u.server, "PATH=" + os.Getenv("PATH")}, extra...)
}

// result is what a run of iog did.
type result struct {
	stdout, stderr string
	code           int
}

// run runs iog with args, within two minutes.
func (u *user) run(args ...string) result {
	u.t.Helper()
	return u.runIn("", args...)
}

// runIn runs iog with args and stdin, within two minutes.
func (u *user) runIn(stdin string, args ...string) result {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, iogBinary, args...)
	cmd.Env = u.environ()
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		require.NoError(u.t, err)
	}
	return result{stdout.String(), stderr.String(), code}
}

// ok runs iog with args and requires it to succeed.
func (u *user) ok(args ...string) string {
	u.t.Helper()
	r := u.run(args...)
	require.Equal(u.t, 0, r.code, "iog %s: %s", strings.Join(args, " "), r.stderr)
	return r.stdout
}

// okJSON runs iog --json with args and decodes its output into v.
func (u *user) okJSON(v any, args ...string) {
	u.t.Helper()
	out := u.ok(append([]string{"--json"}, args...)...)
	require.NoError(u.t, json.Unmarshal([]byte(out), v), out)
}

// funded creates the user's wallet and funds it from the faucet.
func (u *user) funded() *user {
	u.ok("wallet", "create")
	u.ok("wallet", "faucet")
	return u
}

// background runs a long-lived iog (a worker, a port forward) until the
// test ends, and returns its stdout's lines as they come.
func (u *user) background(args ...string) <-chan string {
	u.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, iogBinary, args...)
	cmd.Env = u.environ()
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	stdout, err := cmd.StdoutPipe()
	require.NoError(u.t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(u.t, cmd.Start())
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	u.t.Cleanup(func() {
		cancel()
		err := cmd.Wait()
		if u.t.Failed() {
			u.t.Logf("iog %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
	})
	return lines
}

// supplier starts a worker of simulated GPUs for a funded wallet of its
// own and returns its device, once up.
func supplier(t *testing.T, n *network, model string, gpus int) api.Device {
	t.Helper()
	_, d := supplierUser(t, n, model, gpus)
	return d
}

// supplierUser is supplier, which also returns the supplier.
func supplierUser(t *testing.T, n *network, model string, gpus int) (*user, api.Device) {
	t.Helper()
	s := newUser(t, n.url).funded()
	lines := s.background("--json", "worker", "run", "--simulate", fmt.Sprintf("%s:%d", model, gpus), "--location", "US/Virginia", "--heartbeat", "1s", "--timeout", "2m")
	var out strings.Builder
	for {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "the worker stopped before its device was up")
			out.WriteString(l + "\n")
			var d api.Device
			if json.Unmarshal([]byte(out.String()), &d) == nil {
				require.Equal(t, api.DeviceActive, d.State)
				return s, d
			}
		case <-time.After(3 * time.Minute):
			t.Fatal("the worker's device was not up in 3 minutes")
		}
	}
}

// golden compares got with the golden file testdata/name, or rewrites it
// with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "no golden file: go test ./iogsdk/cmd/iog -update writes it")
	require.Equal(t, string(want), got, "differs from %s (go test ./iogsdk/cmd/iog -update rewrites it)", path)
}
