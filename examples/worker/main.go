// Command worker is a supplier's agent pointed at a reference server: it
// lends this machine's GPUs (found through NVML) to the network, or, on a
// machine without them, a simulated rig. It registers the device, attests
// it with reports signed by the wallet, heartbeats, answers proofs of
// compute, keeps its tunnel to the server's relay, and runs its rentals'
// workloads as child processes, until interrupted.
//
//	go run ./examples/worker -server http://127.0.0.1:8420 -keypair ~/.config/solana/id.json
//
// Run the server on the real clock for it (iogd -demo=false): requests are
// signed with timestamps. Without -keypair, a new wallet is made and kept
// in the state directory.
package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/gpu/nvml"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
)

func main() {
	server := flag.String("server", "http://127.0.0.1:8420", "the reference server's URL")
	keypair := flag.String("keypair", "", "the supplier's wallet, a Solana CLI keypair file (default: one kept in -state)")
	state := flag.String("state", "worker-state", "directory of the worker's state: its device, its tunnel key, its workloads' logs")
	location := flag.String("location", "US", "where the machine is, such as US/Virginia")
	name := flag.String("name", "my rig", "the device's name")
	simulate := flag.String("simulate", "L40S:1", "without NVIDIA GPUs, the rig to simulate: a catalog model and a count")
	down := flag.Uint64("down", 500, "the machine's download speed in Mb/s, as a speed test measured it (io.net's minimum: 100)")
	up := flag.Uint64("up", 250, "the machine's upload speed in Mb/s, as a speed test measured it (io.net's minimum: 75)")
	flag.Parse()
	bw := api.Bandwidth{DownBytesPerSec: *down * 125_000, UpBytesPerSec: *up * 125_000}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *server, *keypair, *state, *location, *name, *simulate, bw); err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, server, keypair, state, location, name, simulate string, bw api.Bandwidth) error {
	if err := os.MkdirAll(state, 0o700); err != nil {
		return err
	}
	key, err := wallet(keypair, filepath.Join(state, "wallet.json"))
	if err != nil {
		return err
	}
	probe, simulated, err := probe(ctx, simulate)
	if err != nil {
		return err
	}
	var cpuUse func() (uint32, error)
	if simulated {
		// A simulated rig's CPU is not this machine's: it is idle.
		cpuUse = func() (uint32, error) { return 0, nil }
	}
	client, err := iogsdk.NewClient(iogsdk.ClientConfig{Server: server, Key: key})
	if err != nil {
		return err
	}
	w, err := iogsdk.NewWorker(iogsdk.WorkerConfig{
		Client: client, Key: key, Probe: probe, Name: name, Location: location, Bandwidth: bw, CPUUse: cpuUse,
		StateFile: filepath.Join(state, "device.json"),
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	if err != nil {
		return err
	}
	fmt.Printf("wallet %v lending its machine to %s; Ctrl-C stops\n", client.Wallet(), server)
	return w.Run(ctx)
}

// wallet reads the keypair file, or the one kept at kept, made anew when
// there is none.
func wallet(path, kept string) (ed25519.PrivateKey, error) {
	if path == "" {
		path = kept
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			_, key, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				return nil, err
			}
			if err := os.WriteFile(path, iog.MarshalSolanaKeypair(key), 0o600); err != nil {
				return nil, err
			}
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return iog.ParseSolanaKeypair(data)
}

// probe is the host and its GPUs through NVML, or the host and a simulated
// rig where there is no NVIDIA driver.
func probe(ctx context.Context, simulate string) (p gpu.DeviceProbe, simulated bool, err error) {
	gpus := nvml.NewProbe(nil)
	if _, err := gpus.Probe(ctx); err == nil {
		return gpu.Combined{gpu.HostProbe{}, gpus}, false, nil
	}
	model, count, ok := strings.Cut(simulate, ":")
	n, err := strconv.Atoi(count)
	if !ok || err != nil {
		return nil, false, fmt.Errorf("-simulate %q: want MODEL:COUNT, such as L40S:2", simulate)
	}
	fmt.Printf("no NVIDIA GPUs here: simulating %d× %s\n", n, model)
	sim, err := gpu.NewSimulatedProbe(model, n, 1)
	return sim, true, err
}
