package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// fleetFile, in the data directory, lists the devices iogload registered
// (and whose report was accepted): a device ID and its owner's wallet
// number a line. A later run on the same directory reuses them.
const fleetFile = "iogload-fleet.txt"

// walletKey is the load's wallet numbered n: derived from n, so that the
// fleet file need keep no secret. Suppliers are numbered from 0, renters
// from renterBase.
func walletKey(n int) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("iogload wallet " + strconv.Itoa(n)))
	return ed25519.NewKeyFromSeed(seed[:])
}

// renterBase numbers the renters' wallets apart from the suppliers'.
const renterBase = 1 << 30

// device is one registered device of the load and its owner's wallet.
type device struct {
	ID     iog.DeviceID
	Wallet int
}

// readFleet reads the fleet file of dir; none is an empty fleet.
func readFleet(dir string) ([]device, error) {
	f, err := os.Open(filepath.Join(dir, fleetFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseFleet(f)
}

// parseFleet reads fleet lines; a last line cut short by a crash is
// dropped.
func parseFleet(r io.Reader) ([]device, error) {
	var out []device
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		id, wallet, ok := strings.Cut(sc.Text(), " ")
		n, err := strconv.Atoi(wallet)
		if !ok || err != nil || n < 0 {
			continue
		}
		d, err := iog.ParseDeviceID(id)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", fleetFile, line, err)
		}
		out = append(out, device{ID: d, Wallet: n})
	}
	return out, sc.Err()
}

// populator registers devices through the API, many wallets at once.
type populator struct {
	newClient func(key ed25519.PrivateKey) (*iogsdk.Client, error)
	perWallet int
	// prove, when set, has each device registered answer its first proof
	// tasks, as its worker would: proven, its heartbeats then take the
	// server's fast path for the proof interval.
	prove bool
	mu    sync.Mutex
	out   io.Writer
	fleet []device
	// clients are the wallets' clients, by wallet number.
	clients sync.Map
}

// populate registers devices until the fleet has want of them, with
// concurrency registrations in flight; each is a registration and an
// accepted, signed report. It answers how many it registered and how
// long that took.
func (p *populator) populate(ctx context.Context, want, concurrency int) (int, time.Duration, error) {
	start := time.Now()
	missing := want - len(p.fleet)
	if missing <= 0 {
		return 0, 0, nil
	}
	first := len(p.fleet)
	err := parallel(ctx, missing, concurrency, func(ctx context.Context, i int) error {
		n := first + i
		wallet := n / p.perWallet
		c, err := p.client(wallet)
		if err == nil {
			err = p.register(ctx, c, wallet, n)
		}
		if err != nil {
			return fmt.Errorf("device %d of wallet %d: %w", n, wallet, err)
		}
		return nil
	})
	if err != nil {
		return 0, time.Since(start), err
	}
	return missing, time.Since(start), nil
}

// parallel runs fn for 0 to n-1, concurrency at once, and stops at the
// first error, which it returns.
func parallel(ctx context.Context, n, concurrency int, fn func(ctx context.Context, i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, concurrency)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					errs <- err
					cancel()
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func (p *populator) client(wallet int) (*iogsdk.Client, error) {
	if c, ok := p.clients.Load(wallet); ok {
		return c.(*iogsdk.Client), nil
	}
	c, err := p.newClient(walletKey(wallet))
	if err != nil {
		return nil, err
	}
	got, _ := p.clients.LoadOrStore(wallet, c)
	return got.(*iogsdk.Client), nil
}

// models are the hardware of the load's devices, in turn.
var models = []struct {
	model string
	gpus  int
}{{"H100-SXM", 8}, {"H100-SXM", 1}, {"A100-80GB", 4}, {"RTX-4090", 2}}

// register registers device n of wallet and submits its first report.
func (p *populator) register(ctx context.Context, c *iogsdk.Client, wallet, n int) error {
	key := walletKey(wallet)
	hw := models[n%len(models)]
	// The simulated GPUs' UUIDs come from the seed: a random one, so that
	// a device registered by a run that crashed before writing it down
	// never collides with one registered later.
	var seed [8]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return err
	}
	probe, err := gpu.NewSimulatedProbe(hw.model, hw.gpus, binary.LittleEndian.Uint64(seed[:]))
	if err != nil {
		return err
	}
	reg, err := c.RegisterDevice(ctx, api.RegisterDeviceRequest{
		Name: "load " + strconv.Itoa(n), TunnelKey: key.Public().(ed25519.PublicKey), Location: "US/Virginia",
		Bandwidth: api.Bandwidth{DownBytesPerSec: 500 << 20, UpBytesPerSec: 400 << 20},
	})
	if err != nil {
		return err
	}
	nonce, err := gpu.ParseNonce(reg.Challenge.Nonce)
	if err != nil {
		return err
	}
	inv, err := probe.Probe(ctx)
	if err != nil {
		return err
	}
	pair, err := gpu.KeypairFromSeed(key.Seed())
	if err != nil {
		return err
	}
	signed, err := pair.SignReport(gpu.Report{Device: reg.Device.ID, Nonce: nonce, Inventory: inv})
	if err != nil {
		return err
	}
	d, err := c.SubmitReport(ctx, reg.Device.ID, signed)
	if err != nil {
		return err
	}
	if d.State != api.DeviceActive {
		return fmt.Errorf("device %s is %s after its report, not active", d.ID, d.State)
	}
	if p.prove {
		if _, err := prove(ctx, c, d.ID); err != nil {
			return err
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fleet = append(p.fleet, device{ID: d.ID, Wallet: wallet})
	_, err = fmt.Fprintf(p.out, "%s %d\n", d.ID, wallet)
	return err
}
