// Command depinfleet is a third-party DePIN bringing its fleet to the
// network through iogsdk: it reads its inventory of 1,000 machines (a
// static file, inventory.csv, as a DePIN's own database would export it),
// and for each registers a device for its wallet and attests it with a
// hardware report the wallet signs, a few dozen at a time, against an
// embedded reference server. It then reads the network's explorer back:
// the fleet counted by model and region.
//
//	go run ./examples/depinfleet
//	go run ./examples/depinfleet -parallel 64
//
// A machine's report describes its GPUs with the catalog's published
// figures for its model (as gpu.NewSimulatedProbe does); a DePIN with its
// own inventory of each GPU gives a gpu.StaticProbe instead.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver"
)

//go:embed inventory.csv
var inventory []byte

func main() {
	parallel := flag.Int("parallel", 32, "machines registered at once")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *parallel); err != nil {
		fmt.Fprintln(os.Stderr, "depinfleet:", err)
		os.Exit(1)
	}
}

// machine is one line of the inventory.
type machine struct {
	name, model, location string
	gpus                  int
	bandwidth             api.Bandwidth
}

// readInventory reads the inventory: name,gpu_model,gpus,location,
// down_mbps,up_mbps a line, # for comments.
func readInventory(r io.Reader) ([]machine, error) {
	var out []machine
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ",")
		if len(f) != 6 {
			return nil, fmt.Errorf("inventory line %d: %d fields, want 6", n, len(f))
		}
		gpus, err1 := strconv.Atoi(f[2])
		down, err2 := strconv.ParseUint(f[4], 10, 64)
		up, err3 := strconv.ParseUint(f[5], 10, 64)
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("inventory line %d: %w", n, err)
		}
		out = append(out, machine{name: f[0], model: f[1], gpus: gpus, location: f[3],
			bandwidth: api.Bandwidth{DownBytesPerSec: down * 1e6 / 8, UpBytesPerSec: up * 1e6 / 8}})
	}
	return out, sc.Err()
}

// seed derives a stable number from the DePIN's name for a machine: its
// GPUs' serial numbers and its tunnel key are the same each run.
func seed(what, name string) [32]byte {
	return sha256.Sum256([]byte("depinfleet " + what + " " + name))
}

// register registers one machine and attests it with a signed report.
func register(ctx context.Context, c *iogsdk.Client, pair gpu.Keypair, m machine) (api.Device, error) {
	tunnelSeed := seed("tunnel", m.name)
	reg, err := c.RegisterDevice(ctx, api.RegisterDeviceRequest{
		Name: m.name, TunnelKey: ed25519.NewKeyFromSeed(tunnelSeed[:]).Public().(ed25519.PublicKey),
		Location: m.location, Bandwidth: m.bandwidth,
	})
	if err != nil {
		return api.Device{}, fmt.Errorf("%s: register: %w", m.name, err)
	}
	gpuSeed := seed("gpus", m.name)
	probe, err := gpu.NewSimulatedProbe(m.model, m.gpus, binary.BigEndian.Uint64(gpuSeed[:8]))
	if err != nil {
		return api.Device{}, fmt.Errorf("%s: %w", m.name, err)
	}
	inv, err := probe.Probe(ctx)
	if err != nil {
		return api.Device{}, fmt.Errorf("%s: %w", m.name, err)
	}
	nonce, err := gpu.ParseNonce(reg.Challenge.Nonce)
	if err != nil {
		return api.Device{}, fmt.Errorf("%s: %w", m.name, err)
	}
	signed, err := pair.SignReport(gpu.Report{Device: reg.Device.ID, Nonce: nonce, Inventory: inv})
	if err != nil {
		return api.Device{}, fmt.Errorf("%s: %w", m.name, err)
	}
	d, err := c.SubmitReport(ctx, reg.Device.ID, signed)
	if err != nil {
		return api.Device{}, fmt.Errorf("%s: report: %w", m.name, err)
	}
	return d, nil
}

func run(ctx context.Context, out io.Writer, parallel int) error {
	fleet, err := readInventory(bytes.NewReader(inventory))
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "depinfleet")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	quiet := slog.New(slog.DiscardHandler)
	// The embedded server lets the DePIN's one wallet make more requests a
	// second than its default limits (50), which a real integration paces
	// itself to (the client honours a 429's Retry-After).
	s, err := refserver.New(ctx, refserver.Config{DataDir: dir, Logger: quiet, Limits: refserver.Limits{PerWallet: 5000, PerIP: 5000, Burst: 5000}})
	if err != nil {
		return err
	}
	defer s.Close()
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()

	walletSeed := seed("wallet", "operator")
	key := ed25519.NewKeyFromSeed(walletSeed[:])
	pair, err := gpu.KeypairFromSeed(key.Seed())
	if err != nil {
		return err
	}
	c, err := iogsdk.NewClient(iogsdk.ClientConfig{Server: hs.URL, Key: key, Logger: quiet})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "the DePIN's wallet %v registers %d machines, %d at a time\n", c.Wallet(), len(fleet), parallel)

	devices := make([]api.Device, len(fleet))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for i, m := range fleet {
		g.Go(func() error {
			d, err := register(gctx, c, pair, m)
			devices[i] = d
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}

	active := 0
	gpus := 0
	for _, d := range devices {
		if d.State == api.DeviceActive {
			active++
			gpus += d.GPUCount
		}
	}
	fmt.Fprintf(out, "%d devices attested, %d GPUs; first %s (%s, %d× %s, %s), last %s\n",
		active, gpus, devices[0].ID, devices[0].Name, devices[0].GPUCount, devices[0].Model, devices[0].Location, devices[len(devices)-1].Name)

	stats, err := c.DeviceStats(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "the explorer counts %d devices, %d GPUs:\n", stats.Devices, stats.GPUs)
	for _, m := range stats.ByModel {
		fmt.Fprintf(out, "  %-10s %4d devices %5d GPUs\n", m.Name, m.Devices, m.GPUs)
	}
	for _, r := range stats.ByRegion {
		fmt.Fprintf(out, "  %-10s %4d devices %5d GPUs\n", r.Name, r.Devices, r.GPUs)
	}
	// Each machine's worker would now heartbeat and answer its proofs of
	// compute (iogsdk.Worker, with the device's ID and tunnel key), and the
	// wallet stake what each device's hardware requires.
	st, err := c.DeviceStake(ctx, devices[0].ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s must stake %v before it earns block rewards\n", devices[0].Name, st.Required)
	return nil
}
