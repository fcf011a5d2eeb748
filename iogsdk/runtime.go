package iogsdk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/internetofgpus/iog"
)

// Workload is what a rental runs on a device: the renter's entrypoint,
// image, environment and exposed ports, until the rental expires.
type Workload struct {
	Cluster iog.ClusterID
	// Entrypoint is the program and its arguments.
	Entrypoint []string
	// Image names a container image, for runtimes that run one; a
	// ProcessRuntime runs Entrypoint on the host and ignores it.
	Image string
	// Env is the workload's environment, beside what the runtime sets.
	Env map[string]string
	// Ports are the local ports the workload listens on, which the
	// renter reaches through the device's tunnel.
	Ports []uint16
	// GPUs are the indices of the device's GPUs the rental holds.
	GPUs []int
	// Expires is when the rental ends.
	Expires time.Time
}

// check refuses a workload no runtime can start.
func (wl Workload) check() error {
	if _, err := iog.ParseClusterID(string(wl.Cluster)); err != nil {
		return err
	}
	if len(wl.Entrypoint) > 0 && wl.Entrypoint[0] == "" {
		return fmt.Errorf("workload of %s: the entrypoint names no program: %w", wl.Cluster, iog.ErrInvalid)
	}
	for k, v := range wl.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") || strings.ContainsRune(v, 0) {
			return fmt.Errorf("workload of %s: environment variable %q: %w", wl.Cluster, k, iog.ErrInvalid)
		}
	}
	if slices.Contains(wl.Ports, 0) {
		return fmt.Errorf("workload of %s: port 0: %w", wl.Cluster, iog.ErrInvalid)
	}
	return nil
}

// Runtime runs rentals' workloads on a device. Implementations must be
// safe for concurrent use.
type Runtime interface {
	// Start starts the workload of a rental and returns once it is
	// started; ctx bounds the start, not the workload. A rental whose
	// workload runs already is iog.ErrConflict.
	Start(ctx context.Context, wl Workload) error
	// Stop stops a rental's workload and returns once it has ended; ctx
	// bounds the wait for a graceful end. A rental with no workload is
	// no error.
	Stop(ctx context.Context, cluster iog.ClusterID) error
	// Running reports whether a rental's workload runs now.
	Running(cluster iog.ClusterID) bool
}

// ProcessRuntimeConfig configures a ProcessRuntime; zero values take the
// defaults their fields name.
type ProcessRuntimeConfig struct {
	// Dir holds each rental's working directory (Dir/<cluster>) and log
	// file (Dir/<cluster>.log). Required.
	Dir string
	// Env is the environment every workload starts from, before its own;
	// nil means only the worker's PATH.
	Env []string
	// Grace is how long a stopped workload has to end after SIGTERM before
	// it is killed; zero means 5 s. It is real time: the processes run on
	// the host's clock whatever the worker's Clock.
	Grace time.Duration
	// Logger receives the workloads' starts and ends. Nil means
	// slog.Default().
	Logger *slog.Logger
}

// ProcessRuntime runs each rental's entrypoint as a child process in its
// own process group, with its environment, its output in a log file, and
// stops it, with every process it started, when the rental ends. Create
// one with NewProcessRuntime.
type ProcessRuntime struct {
	cfg ProcessRuntimeConfig
	log *slog.Logger

	mu    sync.Mutex
	procs map[iog.ClusterID]*process
}

var _ Runtime = (*ProcessRuntime)(nil)

// process is a started workload.
type process struct {
	cmd    *exec.Cmd
	cancel context.CancelFunc
	// done closes when the process has been waited for.
	done chan struct{}
	err  error
}

func (p *process) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// NewProcessRuntime returns a ProcessRuntime with cfg.
func NewProcessRuntime(cfg ProcessRuntimeConfig) *ProcessRuntime {
	if cfg.Env == nil {
		cfg.Env = []string{"PATH=" + os.Getenv("PATH")}
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &ProcessRuntime{cfg: cfg, log: cfg.Logger.With("part", "process runtime"), procs: make(map[iog.ClusterID]*process)}
}

// Start implements Runtime: the entrypoint starts in Dir/<cluster>, with
// the configured environment, then the workload's, then IOG_CLUSTER (the
// rental's cluster), IOG_PORTS (its ports, comma-separated), IOG_PORT
// (the first of them) and CUDA_VISIBLE_DEVICES (its GPUs), its output
// appended to Dir/<cluster>.log. A workload without an entrypoint runs
// nothing (the renter reaches the device's exposed ports only) and counts
// as running until it is stopped.
func (r *ProcessRuntime) Start(ctx context.Context, wl Workload) error {
	if err := wl.check(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.cfg.Dir == "" {
		return fmt.Errorf("process runtime: no directory: %w", iog.ErrInvalid)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.procs[wl.Cluster]; ok && p.running() {
		return fmt.Errorf("start workload of %s: it runs already: %w", wl.Cluster, iog.ErrConflict)
	}
	if len(wl.Entrypoint) == 0 {
		r.procs[wl.Cluster] = &process{cancel: func() {}, done: make(chan struct{})}
		return nil
	}
	work := filepath.Join(r.cfg.Dir, string(wl.Cluster))
	if err := os.MkdirAll(work, 0o700); err != nil {
		return fmt.Errorf("start workload of %s: %w", wl.Cluster, err)
	}
	logFile, err := os.OpenFile(work+".log", os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("start workload of %s: %w", wl.Cluster, err)
	}
	pctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(pctx, wl.Entrypoint[0], wl.Entrypoint[1:]...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = work, logFile, logFile
	cmd.Env = slices.Clone(r.cfg.Env)
	for _, k := range slices.Sorted(maps.Keys(wl.Env)) {
		cmd.Env = append(cmd.Env, k+"="+wl.Env[k])
	}
	cmd.Env = append(cmd.Env, "IOG_CLUSTER="+string(wl.Cluster), "IOG_PORTS="+joinNumbers(wl.Ports))
	if len(wl.Ports) > 0 {
		cmd.Env = append(cmd.Env, "IOG_PORT="+strconv.Itoa(int(wl.Ports[0])))
	}
	if len(wl.GPUs) > 0 {
		cmd.Env = append(cmd.Env, "CUDA_VISIBLE_DEVICES="+joinNumbers(wl.GPUs))
	}
	ownGroup(cmd)
	// A stopped workload's whole group is asked to end; Stop kills it
	// after the grace.
	cmd.Cancel = func() error { return signalGroup(cmd, false) }
	if err := cmd.Start(); err != nil {
		cancel()
		logFile.Close()
		return fmt.Errorf("start workload of %s: %w: %w", wl.Cluster, iog.ErrUnavailable, err)
	}
	p := &process{cmd: cmd, cancel: cancel, done: make(chan struct{})}
	r.procs[wl.Cluster] = p
	r.log.Info("workload started", "cluster", wl.Cluster, "pid", cmd.Process.Pid, "log", logFile.Name())
	go func() {
		p.err = cmd.Wait()
		// What the entrypoint left running in its group ends with it.
		_ = signalGroup(cmd, true)
		logFile.Close()
		cancel()
		r.log.Info("workload ended", "cluster", wl.Cluster, "err", p.err)
		close(p.done)
	}()
	return nil
}

// Stop implements Runtime: SIGTERM to the workload's process group, and
// SIGKILL after the grace or when ctx ends.
func (r *ProcessRuntime) Stop(ctx context.Context, cluster iog.ClusterID) error {
	r.mu.Lock()
	p, ok := r.procs[cluster]
	delete(r.procs, cluster)
	r.mu.Unlock()
	if !ok {
		return nil
	}
	if p.cmd == nil {
		return nil
	}
	p.cancel()
	grace := time.NewTimer(r.cfg.Grace)
	defer grace.Stop()
	select {
	case <-p.done:
		return nil
	case <-grace.C:
	case <-ctx.Done():
	}
	if err := signalGroup(p.cmd, true); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop workload of %s: %w", cluster, err)
	}
	<-p.done
	return nil
}

// Running implements Runtime.
func (r *ProcessRuntime) Running(cluster iog.ClusterID) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.procs[cluster]
	return ok && p.running()
}

// joinNumbers writes numbers comma-separated, as environment variables
// list them.
func joinNumbers[T ~int | ~uint16](xs []T) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = strconv.Itoa(int(x))
	}
	return strings.Join(out, ",")
}
