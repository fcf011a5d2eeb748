// Command policy switches the reference server's scheduling policy
// (refserver.Config.Policy) and shows what changes: on a network of two
// suppliers, a rig of eight H100s and one of two, a renter deploys three
// one-GPU clusters in turn. best-fit, the server's default, packs them on
// the fullest rig, leaving the big rig whole for a large cluster; spread
// keeps load even, on the emptiest.
//
//	go run ./examples/policy
//	go run ./examples/policy -policy best-fit,spread,first-fit
//
// The policies are scheduler.PolicyNames; go run ./scheduler/sim/cmd/iogsim
// (or iog sim) measures them on whole traces.
package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/pricing"
	"github.com/internetofgpus/iog/refserver"
	"github.com/internetofgpus/iog/scheduler"
	"github.com/internetofgpus/iog/scheduler/sim"
)

func main() {
	policies := flag.String("policy", "best-fit,spread", "comma-separated policies to run the network with, in turn")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, p := range strings.Split(*policies, ",") {
		if err := run(ctx, os.Stdout, p); err != nil {
			fmt.Fprintln(os.Stderr, "policy:", err)
			os.Exit(1)
		}
	}
}

// rigs are the suppliers' machines.
var rigs = []struct {
	name string
	gpus int
}{{"big rig", 8}, {"small rig", 2}}

// run starts a network scheduling with the named policy, its two
// suppliers, and deploys the renter's three clusters.
func run(ctx context.Context, out io.Writer, name string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	policy, err := scheduler.NewPolicy(name, scheduler.PolicyOptions{Seed: 1, Price: sim.FlatPrice})
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "policy")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	quiet := slog.New(slog.DiscardHandler)
	s, err := refserver.New(ctx, refserver.Config{DataDir: filepath.Join(dir, "server"), Faucet: true, Logger: quiet,
		Policy: policy, ScheduleEvery: 100 * time.Millisecond})
	if err != nil {
		return err
	}
	defer s.Close()
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	done := make(chan error, len(rigs)+1)
	go func() { done <- s.Run(ctx) }()
	running := 1
	defer func() {
		cancel()
		for range running {
			<-done
		}
	}()

	names := map[iog.DeviceID]string{}
	for i, rig := range rigs {
		key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{byte(i + 1)}, 32))
		c, err := iogsdk.NewClient(iogsdk.ClientConfig{Server: hs.URL, Key: key, Logger: quiet})
		if err != nil {
			return err
		}
		probe, err := gpu.NewSimulatedProbe("H100-SXM", rig.gpus, uint64(i+1))
		if err != nil {
			return err
		}
		w, err := iogsdk.NewWorker(iogsdk.WorkerConfig{
			Client: c, Key: key, Probe: probe, Name: rig.name, Location: "US/Virginia",
			Bandwidth: api.Bandwidth{DownBytesPerSec: 1 << 30, UpBytesPerSec: 1 << 30},
			CPUUse:    func() (uint32, error) { return 0, nil }, HeartbeatInterval: time.Second,
			StateFile: filepath.Join(dir, fmt.Sprintf("worker-%d.json", i)), Logger: quiet,
		})
		if err != nil {
			return err
		}
		go func() { done <- w.Run(ctx) }()
		running++
		d, err := until(ctx, func() (api.Device, bool, error) {
			if w.Device() == "" {
				return api.Device{}, false, nil
			}
			d, err := c.Device(ctx, w.Device())
			return d, err == nil && d.State == api.DeviceActive && d.Up && d.Readiness.Schedulable, nil
		})
		if err != nil {
			return fmt.Errorf("%s: %w", rig.name, err)
		}
		names[d.ID] = rig.name
	}

	renter, err := iogsdk.NewClient(iogsdk.ClientConfig{Server: hs.URL, Key: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32)), Logger: quiet})
	if err != nil {
		return err
	}
	if _, err := renter.Faucet(ctx); err != nil {
		return err
	}
	var placed []string
	for range 3 {
		cl, err := renter.Deploy(ctx, api.DeployRequest{Request: pricing.Request{
			Requirements: iog.Requirements{GPUModel: "H100-SXM", GPUCount: 1}, Hours: 1, Currency: iog.USDC}})
		if err != nil {
			return err
		}
		cl, err = until(ctx, func() (api.Cluster, bool, error) {
			cl, err := renter.Cluster(ctx, cl.ID)
			return cl, err == nil && len(cl.Devices) > 0, err
		})
		if err != nil {
			return err
		}
		placed = append(placed, names[cl.Devices[0].Device])
	}
	fmt.Fprintf(out, "%-10s three 1-GPU clusters on: %s\n", name, strings.Join(placed, ", "))
	return nil
}

// until polls get every 50 ms until it says done, within a minute.
func until[T any](ctx context.Context, get func() (T, bool, error)) (T, error) {
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
