package main

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
)

func (a *app) workerCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "worker",
		Short: "Run the supplier's agent that lends this machine to the network",
		Example: `  iog worker run --location US/Virginia --simulate H100-SXM:8
  iog worker run --location DE/Hesse --down-mbps 940 --up-mbps 880 --port 22`,
	}
	c.AddCommand(a.workerRunCmd())
	return c
}

// probeOf returns the probe of --simulate MODEL:COUNT, its GPUs' serial
// numbers drawn from seed, or of the host.
func probeOf(simulate string, seed uint64) (gpu.DeviceProbe, error) {
	if simulate == "" {
		return gpu.HostProbe{}, nil
	}
	model, count, ok := strings.Cut(simulate, ":")
	n, err := strconv.Atoi(count)
	if !ok || err != nil {
		return nil, usageError{fmt.Errorf("--simulate %q: want MODEL:COUNT, such as H100-SXM:8", simulate)}
	}
	p, err := gpu.NewSimulatedProbe(model, n, seed)
	if err != nil {
		return nil, usageError{fmt.Errorf("--simulate: %w", err)}
	}
	return p, nil
}

func (a *app) workerRunCmd() *cobra.Command {
	var simulate, name, location, state string
	var ports []uint
	var heartbeat time.Duration
	var downMbps, upMbps, seed uint64
	c := &cobra.Command{
		Use:   "run",
		Short: "Register this machine as a device and serve its rentals until interrupted",
		Long: `run is the supplier's agent (iogsdk.Worker): it probes the machine,
registers the device for the wallet (or resumes it from --state), attests
it with reports the wallet signs, heartbeats, answers proofs of compute,
keeps the reverse tunnel to the relay and runs the rentals' workloads,
until interrupted. It waits for the device to be up, with a progress
display on a terminal, then tells its ID.

This command is built without cgo and does not read NVIDIA GPUs: it lends
the host's CPU and memory, or the simulated GPUs of --simulate (for test
and demonstration networks). A machine with NVIDIA GPUs runs
examples/worker, which reads them with NVML.`,
		Example: `  iog worker run --location US/Virginia --simulate H100-SXM:8
  iog worker run --location DE/Hesse --name "rack 4" --down-mbps 940 --up-mbps 880 --port 22`,
		Args: args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if location == "" {
				return usageError{fmt.Errorf("--location is required, such as US/Virginia")}
			}
			if downMbps == 0 || upMbps == 0 {
				if simulate == "" {
					return usageError{fmt.Errorf("--down-mbps and --up-mbps are required: the machine's measured network speeds")}
				}
				// A simulated rig's network is as good as a data center's.
				downMbps, upMbps = max(downMbps, 1000), max(upMbps, 1000)
			}
			always, err := portsOf(ports)
			if err != nil {
				return err
			}
			key, err := a.wallet()
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("seed") {
				// The same wallet's simulated rig is the same GPUs each
				// run; another wallet's are others.
				h := sha256.Sum256(key.Public().(ed25519.PublicKey))
				seed = binary.BigEndian.Uint64(h[:8])
			}
			probe, err := probeOf(simulate, seed)
			if err != nil {
				return err
			}
			c, err := a.client(true)
			if err != nil {
				return err
			}
			if state == "" {
				state = filepath.Join(configDir(a.getenv), "worker.json")
			}
			cfg := iogsdk.WorkerConfig{
				Client: c, Key: key, Probe: probe, Name: name, Location: location,
				Bandwidth: api.Bandwidth{DownBytesPerSec: downMbps * 1e6 / 8, UpBytesPerSec: upMbps * 1e6 / 8},
				StateFile: state, Ports: always, HeartbeatInterval: heartbeat, Logger: a.logger(),
			}
			if simulate != "" {
				// Simulated GPUs are idle whatever else this machine
				// runs: its CPU is not theirs.
				cfg.CPUUse = func() (uint32, error) { return 0, nil }
			}
			w, err := iogsdk.NewWorker(cfg)
			if err != nil {
				return usageError{err}
			}
			ctx, stop := context.WithCancel(cmd.Context())
			defer stop()
			done := make(chan error, 1)
			go func() { done <- w.Run(ctx) }()
			d, err := a.untilUp(ctx, c, w, done)
			if err != nil {
				stop()
				return errors.Join(err, <-done)
			}
			if err := a.show(d, func(w io.Writer, color bool) error {
				if err := deviceTable([]api.Device{d}).write(w, color); err != nil {
					return err
				}
				_, err := fmt.Fprintln(w, "\nserving rentals; Ctrl-C stops")
				return err
			}); err != nil {
				return err
			}
			if err := <-done; err != nil && cmd.Context().Err() == nil {
				return fmt.Errorf("worker: %w", err)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&simulate, "simulate", "", "lend simulated GPUs, MODEL:COUNT such as H100-SXM:8 (test and demonstration networks)")
	f.Uint64Var(&seed, "seed", 0, "with --simulate, the seed of the GPUs' serial numbers (default: drawn from the wallet), for several rigs of one wallet")
	f.StringVar(&name, "name", "", "the device's name")
	f.StringVar(&location, "location", "", "where the machine is, such as US/Virginia (required)")
	f.StringVar(&state, "state", "", "the worker's state file, so that a restart is the same device (default $XDG_CONFIG_HOME/iog/worker.json)")
	f.UintSliceVar(&ports, "port", nil, "local ports renters may always reach through the tunnel, such as 22 (repeat)")
	f.DurationVar(&heartbeat, "heartbeat", 0, "how often the worker heartbeats (0: 20 s)")
	f.Uint64Var(&downMbps, "down-mbps", 0, "the machine's measured download speed, in Mbit/s (required, but with --simulate: 1000)")
	f.Uint64Var(&upMbps, "up-mbps", 0, "the machine's measured upload speed, in Mbit/s (required, but with --simulate: 1000)")
	return c
}

// workerSteps are the steps to a device that serves: registered,
// attested, up, and its tunnel online.
const workerSteps = 4

// untilUp waits, within --timeout, until the worker's device is active,
// up and online, drawing its progress on a terminal.
func (a *app) untilUp(ctx context.Context, c *iogsdk.Client, w *iogsdk.Worker, done <-chan error) (api.Device, error) {
	ctx, cancel := a.wait(ctx)
	defer cancel()
	pr := a.progress(ctx, "worker", workerSteps)
	pr.update(0, "registering the device")
	for {
		select {
		case err := <-done:
			pr.finish(false, "stopped")
			return api.Device{}, fmt.Errorf("worker stopped before its device was up: %w", err)
		case <-ctx.Done():
			pr.finish(false, "not up yet")
			return api.Device{}, fmt.Errorf("worker: the device is not up yet: %w", ctx.Err())
		case <-time.After(pollEvery):
		}
		id := w.Device()
		if id == "" {
			continue
		}
		d, err := c.Device(ctx, id)
		if err != nil {
			continue
		}
		switch {
		case d.State != api.DeviceActive:
			pr.update(1, fmt.Sprintf("device %s %s: attesting", id, d.State))
		case !d.Up:
			pr.update(2, fmt.Sprintf("device %s attested: waiting for its heartbeat", id))
		case !w.Online():
			pr.update(3, fmt.Sprintf("device %s up: connecting its tunnel", id))
		default:
			pr.finish(true, fmt.Sprintf("device %s up", id))
			return d, nil
		}
	}
}
