// Package demo runs a demonstration of the network on a reference server:
// simulated suppliers, each a real iogsdk.Worker with simulated GPUs
// (gpu.SimulatedProbe) that registers, attests, stakes, heartbeats,
// answers proofs and keeps its tunnel to the relay; and simulated renters
// who quote, deploy clusters, reach them through the relay, and end them.
// Everything goes over real HTTP and real tunnels, on loopback; what
// happens is told on Config.Out, in the network's time.
package demo

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk"
)

// Config configures a demonstration.
type Config struct {
	// Server is the reference server's URL, with a faucet. Required.
	Server string
	// DataDir keeps the workers' state (their devices' IDs and tunnel
	// keys) and the workloads' logs, so a demonstration started again on
	// it continues with the same devices. Required.
	DataDir string
	// Workers and Renters are how many of each to simulate.
	Workers, Renters int
	// Workload returns the command (argv) a cluster runs on its devices:
	// a program that serves HTTP on the port the environment variable
	// IOG_PORT names, until it is stopped. Required when Renters > 0.
	Workload func() []string
	// Clock is the network's clock, the server's. Nil means the system's.
	Clock iog.Clock
	// Out receives the story. Nil means os.Stdout.
	Out io.Writer
	// Logger receives the parts' own logs. Nil means slog.Default().
	Logger *slog.Logger
}

// Run runs the demonstration until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Server == "" || cfg.DataDir == "" {
		return fmt.Errorf("demo: a server and a data directory are required: %w", iog.ErrInvalid)
	}
	if cfg.Renters > 0 && cfg.Workload == nil {
		return fmt.Errorf("demo: renters need a workload: %w", iog.ErrInvalid)
	}
	if cfg.Clock == nil {
		cfg.Clock = iog.SystemClock
	}
	if cfg.Out == nil {
		cfg.Out = os.Stdout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := os.MkdirAll(filepath.Join(cfg.DataDir, "workers"), 0o700); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	d := &demo{cfg: cfg}
	var wg sync.WaitGroup
	for i := range cfg.Workers {
		wg.Go(func() { d.supplier(ctx, i) })
	}
	for i := range cfg.Renters {
		wg.Go(func() { d.renter(ctx, i) })
	}
	wg.Go(func() { d.chronicle(ctx) })
	wg.Wait()
	return nil
}

// demo is a running demonstration.
type demo struct {
	cfg Config
	mu  sync.Mutex // orders lines on Out
}

// say tells one line of the story, stamped with the network's time.
func (d *demo) say(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	fmt.Fprintf(d.cfg.Out, "%s  %s\n", d.cfg.Clock.Now().UTC().Format("Jan 02 15:04"), fmt.Sprintf(format, args...))
}

// key is the wallet of a simulated party, the same at every start.
func key(role string, i int) ed25519.PrivateKey {
	seed := sha256.Sum256(fmt.Appendf(nil, "iog demo %s %d", role, i))
	return ed25519.NewKeyFromSeed(seed[:])
}

func (d *demo) client(k ed25519.PrivateKey) (*iogsdk.Client, error) {
	return iogsdk.NewClient(iogsdk.ClientConfig{Server: d.cfg.Server, Key: k, Clock: d.cfg.Clock, Logger: d.cfg.Logger})
}

// fund takes the day's test funds; a wallet that took them today has them.
func fund(ctx context.Context, c *iogsdk.Client) error {
	_, err := c.Faucet(ctx)
	if errors.Is(err, iog.ErrConflict) {
		return nil
	}
	return err
}

// pause waits d of the network's time, or until ctx ends.
func (d *demo) pause(ctx context.Context, span time.Duration) bool {
	return iog.Sleep(ctx, d.cfg.Clock, span) == nil
}
