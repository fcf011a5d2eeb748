package solanatest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/internetofgpus/iog"
)

// Config configures a validator. The zero value is a fresh chain in a
// temporary directory with 20 ms slots and blockhashes valid for 150 blocks,
// as on Solana's mainnet.
type Config struct {
	// StateDir holds the chain: its journal, clock and genesis. Empty is a
	// new t.TempDir() for Start, and a new temporary directory that Stop
	// removes for Run.
	StateDir string

	// SlotTime is how often the validator makes a block. Zero is 20ms.
	SlotTime time.Duration

	// BlockhashValidity is how many blocks a blockhash stays usable. Zero
	// is 150.
	BlockhashValidity int

	// Port is the port to listen on, on 127.0.0.1. Zero is a free port the
	// system picks.
	Port int

	// Stderr receives the server's standard error. Nil discards it for Run;
	// Start writes it to validator.log in the test's temporary directory
	// and logs its end when the test fails.
	Stderr io.Writer
}

// Validator is a running LiteSVM JSON-RPC server. Its methods are safe for
// concurrent use.
type Validator struct {
	cfg     Config
	dir     string // the litesvm directory: rpc.mjs and node_modules
	ownsDir bool   // Stop removes cfg.StateDir

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	url  string
}

// startTimeout bounds installing node_modules and the server's start.
const startTimeout = 5 * time.Minute

// Start runs a validator for the test, waits until it answers, and stops
// it when the test ends. A missing node or npm, or a server that does not
// start, fails the test with what to do.
func Start(t testing.TB, cfg Config) *Validator {
	t.Helper()
	if cfg.StateDir == "" {
		cfg.StateDir = t.TempDir()
	}
	if cfg.Stderr == nil {
		logPath := filepath.Join(t.TempDir(), "validator.log")
		f, err := os.Create(logPath)
		if err != nil {
			t.Fatalf("solanatest: %v", err)
		}
		cfg.Stderr = f
		t.Cleanup(func() {
			_ = f.Close()
			if t.Failed() {
				logTail(t, logPath)
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	v, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Stop)
	return v
}

// logTail logs the last lines of the server's standard error.
func logTail(t testing.TB, path string) {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return
	}
	const max = 8 << 10
	if len(b) > max {
		b = b[len(b)-max:]
	}
	t.Logf("solanatest: the validator's stderr (%s):\n%s", path, b)
}

// Run installs the server's packages when needed, starts a validator and
// waits until it answers. The caller stops it with Stop.
func Run(ctx context.Context, cfg Config) (*Validator, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	if err := Install(ctx); err != nil {
		return nil, err
	}
	v := &Validator{cfg: cfg, dir: dir}
	if v.cfg.StateDir == "" {
		if v.cfg.StateDir, err = os.MkdirTemp("", "iog-litesvm-"); err != nil {
			return nil, fmt.Errorf("solanatest: state directory: %w", err)
		}
		v.ownsDir = true
	}
	if v.cfg.SlotTime == 0 {
		v.cfg.SlotTime = 20 * time.Millisecond
	}
	if v.cfg.BlockhashValidity == 0 {
		v.cfg.BlockhashValidity = 150
	}
	if v.cfg.SlotTime < time.Millisecond || v.cfg.BlockhashValidity < 0 || v.cfg.Port < 0 || v.cfg.Port > 65535 {
		v.removeState()
		return nil, fmt.Errorf("solanatest: slot time %v, blockhash validity %d, port %d: %w", v.cfg.SlotTime, v.cfg.BlockhashValidity, v.cfg.Port, iog.ErrInvalid)
	}
	if err := v.launch(ctx); err != nil {
		v.removeState()
		return nil, err
	}
	return v, nil
}

var listening = regexp.MustCompile(`^listening (http://127\.0\.0\.1:(\d+))$`)

// launch starts the server process on v.cfg.Port (0 picks one, remembered
// for a restart) and waits for its "listening" line.
func (v *Validator) launch(ctx context.Context) error {
	node, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("solanatest: node is not on the PATH: install Node.js 20 or later with npm (Debian: apt-get install nodejs npm): %w", iog.ErrUnavailable)
	}
	v.mu.Lock()
	port := v.cfg.Port
	v.mu.Unlock()
	cmd := exec.Command(node, "rpc.mjs",
		"--host", "127.0.0.1",
		"--port", strconv.Itoa(port),
		"--state", v.cfg.StateDir,
		"--slot-ms", strconv.FormatInt(v.cfg.SlotTime.Milliseconds(), 10),
		"--blockhash-validity", strconv.Itoa(v.cfg.BlockhashValidity),
		"--exit-with-stdin")
	cmd.Dir = v.dir
	cmd.Stderr = v.cfg.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("solanatest: %w", err)
	}
	// The server ends when this pipe closes: when this process exits, even
	// killed by a test timeout, no server is left behind. Wait closes it.
	if _, err := cmd.StdinPipe(); err != nil {
		return fmt.Errorf("solanatest: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("solanatest: starting node rpc.mjs: %w", err)
	}
	done := make(chan struct{})
	line := make(chan string, 1)
	go func() {
		// The one line it prints, then its stdout is drained so the server
		// never blocks on a full pipe.
		r := bufio.NewReader(stdout)
		s, _ := r.ReadString('\n')
		line <- s
		_, _ = io.Copy(io.Discard, r)
		_ = cmd.Wait()
		close(done)
	}()
	fail := func(err error) error {
		_ = cmd.Process.Kill()
		<-done
		return err
	}
	var s string
	select {
	case s = <-line:
	case <-ctx.Done():
		return fail(fmt.Errorf("solanatest: waiting for the validator to start: %w: %w", ctx.Err(), iog.ErrUnavailable))
	}
	m := listening.FindStringSubmatch(trimNewline(s))
	if m == nil {
		return fail(fmt.Errorf("solanatest: the validator did not start (its stderr says why; port %d may be taken): %w", port, iog.ErrUnavailable))
	}
	port, _ = strconv.Atoi(m[2])
	v.mu.Lock()
	v.cmd, v.done, v.url, v.cfg.Port = cmd, done, m[1], port
	v.mu.Unlock()
	return nil
}

func trimNewline(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}

// URL is the validator's JSON-RPC endpoint, http://127.0.0.1:PORT. It stays
// the same across restarts.
func (v *Validator) URL() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.url
}

// StateDir is the directory that holds the validator's chain.
func (v *Validator) StateDir() string { return v.cfg.StateDir }

// Kill ends the server with SIGKILL, as a crash would, and waits until it
// is gone. Everything it acknowledged before is kept for Restart.
func (v *Validator) Kill() { v.signal(syscall.SIGKILL) }

// Stop ends the server with SIGTERM and waits until it is gone; Run's
// temporary state directory is removed. Stopping a stopped validator does
// nothing.
func (v *Validator) Stop() {
	v.signal(syscall.SIGTERM)
	v.removeState()
}

func (v *Validator) signal(sig syscall.Signal) {
	v.mu.Lock()
	cmd, done := v.cmd, v.done
	v.cmd = nil
	v.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		// A server that ignores SIGTERM is killed.
		_ = cmd.Process.Kill()
		<-done
	}
}

func (v *Validator) removeState() {
	if v.ownsDir {
		_ = os.RemoveAll(v.cfg.StateDir)
	}
}

// Restart starts the server again on the same port and state directory,
// after Kill or Stop (stopping it first if it runs), and fails the test if
// it does not start.
func (v *Validator) Restart(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := v.Relaunch(ctx); err != nil {
		t.Fatal(err)
	}
}

// Relaunch is Restart for a program: it starts the server again on the
// same port and state directory.
func (v *Validator) Relaunch(ctx context.Context) error {
	v.signal(syscall.SIGTERM)
	return v.launch(ctx)
}

// Dir is the directory of the server's sources, litesvm beside this file.
func Dir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("solanatest: cannot find its own source file")
	}
	dir := filepath.Join(filepath.Dir(file), "litesvm")
	if _, err := os.Stat(filepath.Join(dir, "rpc.mjs")); err != nil {
		return "", fmt.Errorf("solanatest: the server's sources: %w: %w", err, iog.ErrNotFound)
	}
	return dir, nil
}

// Install runs npm ci in Dir when node_modules is missing or older than
// package-lock.json, under an exclusive lock, so that packages tested in
// parallel install once.
func Install(ctx context.Context) error {
	dir, err := Dir()
	if err != nil {
		return err
	}
	if current(dir) {
		return nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("solanatest: npm is not on the PATH: install Node.js 20 or later with npm (Debian: apt-get install nodejs npm): %w", iog.ErrUnavailable)
	}
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "iog-litesvm-install.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return fmt.Errorf("solanatest: install lock: %w", err)
	}
	defer lock.Close()
	if err := flock(ctx, lock); err != nil {
		return err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if current(dir) { // another process installed while this one waited
		return nil
	}
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("solanatest: npm ci in %s: %w\n%s", dir, err, out)
	}
	return nil
}

// current tells whether node_modules is installed from the present lock:
// npm ci writes node_modules/.package-lock.json last.
func current(dir string) bool {
	installed, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
	if err != nil {
		return false
	}
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	return err == nil && !installed.ModTime().Before(lock.ModTime())
}

// flock takes an exclusive lock on f, polling so that ctx bounds the wait.
func flock(ctx context.Context, f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("solanatest: install lock: %w", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("solanatest: waiting for another npm ci: %w: %w", ctx.Err(), iog.ErrUnavailable)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
