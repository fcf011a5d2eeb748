// Package demonet runs a small network for the examples: an embedded
// reference server and suppliers' workers lending simulated GPUs, on
// loopback, and renters funded by its faucet.
package demonet

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver"
	"github.com/internetofgpus/iog/scheduler"
)

// Rig is a supplier's machine: its name, and how many GPUs of a catalog
// model it lends.
type Rig struct {
	Name  string
	Model string
	GPUs  int
}

// Config configures a network.
type Config struct {
	// Rigs are the suppliers' machines, a supplier each.
	Rigs []Rig
	// Policy is the server's scheduling policy; nil means its default.
	Policy scheduler.ScorePlugin
}

// Network is a running network. Close stops it.
type Network struct {
	// URL is the server's.
	URL string
	// Rigs names each rig's device by its ID.
	Rigs map[iog.DeviceID]string

	dir     string
	srv     *refserver.Server
	hs      *httptest.Server
	cancel  context.CancelFunc
	done    chan error
	running int
}

var quiet = slog.New(slog.DiscardHandler)

// Start starts a network and returns once every rig's device is up and
// schedulable.
func Start(ctx context.Context, cfg Config) (n *Network, err error) {
	dir, err := os.MkdirTemp("", "demonet")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	n = &Network{Rigs: map[iog.DeviceID]string{}, dir: dir, cancel: cancel, done: make(chan error, len(cfg.Rigs)+1)}
	defer func() {
		if err != nil {
			n.Close()
		}
	}()
	n.srv, err = refserver.New(ctx, refserver.Config{DataDir: filepath.Join(dir, "server"), Faucet: true, Logger: quiet,
		Policy: cfg.Policy, ScheduleEvery: 100 * time.Millisecond})
	if err != nil {
		return nil, err
	}
	n.hs = httptest.NewServer(n.srv.Handler())
	n.URL = n.hs.URL
	n.start(func() error { return n.srv.Run(ctx) })
	for i, rig := range cfg.Rigs {
		key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{byte(i + 1)}, 32))
		c, err := iogsdk.NewClient(iogsdk.ClientConfig{Server: n.URL, Key: key, Logger: quiet})
		if err != nil {
			return nil, err
		}
		probe, err := gpu.NewSimulatedProbe(rig.Model, rig.GPUs, uint64(i+1))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", rig.Name, err)
		}
		w, err := iogsdk.NewWorker(iogsdk.WorkerConfig{
			Client: c, Key: key, Probe: probe, Name: rig.Name, Location: "US/Virginia",
			Bandwidth: api.Bandwidth{DownBytesPerSec: 1 << 30, UpBytesPerSec: 1 << 30},
			CPUUse:    func() (uint32, error) { return 0, nil }, HeartbeatInterval: time.Second,
			StateFile: filepath.Join(dir, fmt.Sprintf("worker-%d.json", i)), Logger: quiet,
		})
		if err != nil {
			return nil, err
		}
		n.start(func() error { return w.Run(ctx) })
		d, err := Until(ctx, func() (api.Device, bool, error) {
			if w.Device() == "" {
				return api.Device{}, false, nil
			}
			d, err := c.Device(ctx, w.Device())
			return d, err == nil && d.State == api.DeviceActive && d.Up && d.Readiness.Schedulable, nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", rig.Name, err)
		}
		n.Rigs[d.ID] = rig.Name
	}
	return n, nil
}

func (n *Network) start(run func() error) {
	n.running++
	go func() { n.done <- run() }()
}

// Renter returns a client of a renter's wallet, seeded by seed, funded by
// the faucet.
func (n *Network) Renter(ctx context.Context, seed byte) (*iogsdk.Client, error) {
	c, err := iogsdk.NewClient(iogsdk.ClientConfig{Server: n.URL, Key: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, 32)), Logger: quiet})
	if err != nil {
		return nil, err
	}
	if _, err := c.Faucet(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Close stops the network and removes its files.
func (n *Network) Close() {
	n.cancel()
	for range n.running {
		<-n.done
	}
	if n.hs != nil {
		n.hs.Close()
	}
	if n.srv != nil {
		n.srv.Close()
	}
	os.RemoveAll(n.dir)
}

// Until polls get every 50 ms until it says done, within a minute.
func Until[T any](ctx context.Context, get func() (T, bool, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		v, done, err := get()
		if err != nil || done {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, errors.New("not done in a minute")
		case <-time.After(50 * time.Millisecond):
		}
	}
}
