package iogsdk

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/tunnel"
)

// WorkerConfig configures a Worker. Client, Key, Probe and Location are
// required; every other zero value takes the default its field names.
type WorkerConfig struct {
	// Client talks to the server, signing with the wallet's key or
	// carrying an API key of the worker scope.
	Client *Client
	// Key is the wallet key that owns the device and signs its reports
	// (a Solana keypair: see iog.ParseSolanaKeypair): the same wallet the
	// Client acts for.
	Key ed25519.PrivateKey
	// Probe reads the machine's hardware.
	Probe gpu.DeviceProbe
	// CPUUse measures the host's CPU use, 0 to 100, for each heartbeat,
	// which the server's idle-use caps check. Nil means a gpu.CPUMeter's
	// Percent, of the machine's /proc/stat; where there is none
	// (gpu.ErrNotPresent), heartbeats say 0. Simulated devices that share
	// one machine give their own.
	CPUUse func() (uint32, error)
	// Name is the owner's name for the device; "" means "worker".
	Name string
	// Location is where the device is, as iog.ParseLocation reads it
	// ("US/Virginia").
	Location string
	// Bandwidth is the device's measured network speed (gpu.SpeedTest).
	Bandwidth api.Bandwidth
	// StateFile keeps the device's ID and tunnel key, so that a restarted
	// worker is the same device. "" keeps nothing: each Run registers a
	// new device.
	StateFile string
	// RelayAddr and RelayPin name the tunnel relay; an empty RelayAddr
	// means the one the server names (GET /v1/relay), pin included.
	RelayAddr string
	RelayPin  tunnel.Pin
	// Ports are local ports renters may always reach through the tunnel
	// (such as SSH's); the ports of running rentals are added to them.
	Ports []uint16
	// HeartbeatInterval is how often the worker says it is alive, with
	// its telemetry; zero means 20 s. It must be well within the server's
	// heartbeat timeout.
	HeartbeatInterval time.Duration
	// ReportInterval is how often the worker signs and submits a new
	// report of its hardware; zero means an hour. A change of hardware
	// seen at a heartbeat is reported at once.
	ReportInterval time.Duration
	// RentalPoll is how often the worker asks for its device's rentals;
	// zero means 5 s.
	RentalPoll time.Duration
	// Rentals is where the worker learns its device's rentals and tells
	// that their workloads run. Nil means the server's rentals routes,
	// through Client.
	Rentals RentalSource
	// Runtime runs the rentals' workloads. Nil means a ProcessRuntime
	// keeping its logs in the directory of StateFile (or the system's
	// temporary directory without one).
	Runtime Runtime
	// Backoff spaces the retries of whatever failed (a request, a probe,
	// the relay connection); zero fields mean 1 s and 1 min.
	Backoff tunnel.Backoff
	// Clock times the worker's rounds. Nil means iog.SystemClock.
	Clock iog.Clock
	// Random makes the tunnel key. Nil means crypto/rand.
	Random io.Reader
	// Logger receives what the worker does. Nil means slog.Default().
	Logger *slog.Logger
}

// Worker is a supplier's agent for one device: it probes the hardware,
// registers the device (or resumes it), submits signed reports, heartbeats
// with telemetry, answers proof-of-compute tasks, keeps the reverse tunnel
// to the relay, and runs the device's rentals. Create one with NewWorker.
type Worker struct {
	cfg  WorkerConfig
	pair gpu.Keypair
	log  *slog.Logger

	rngMu sync.Mutex
	rng   *mrand.Rand

	// state is the device, set once registered or resumed.
	state atomic.Pointer[workerState]
	agent atomic.Pointer[tunnel.Agent]
	// reportNow asks for a report out of turn: the hardware changed.
	reportNow chan struct{}
	// portsChanged asks the tunnel to expose the ports anew.
	portsChanged chan struct{}

	mu sync.Mutex
	// hardware is the fingerprint of the last reported hardware.
	hardware string
	// proving holds the proof tasks being answered, by ID.
	proving map[string]bool
	// workloads are the rentals whose workloads this worker started.
	workloads map[iog.ClusterID]Workload
	// started are the rentals the server was told run.
	started map[iog.ClusterID]bool

	// tasks are the goroutines answering proofs, which Run waits for.
	tasks sync.WaitGroup
}

// NewWorker checks cfg and returns a Worker; Run runs it.
func NewWorker(cfg WorkerConfig) (*Worker, error) {
	if cfg.Client == nil || cfg.Probe == nil {
		return nil, fmt.Errorf("new worker: a client and a probe are required: %w", iog.ErrInvalid)
	}
	if len(cfg.Key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("new worker: the wallet key is not an ed25519 key: %w", iog.ErrInvalid)
	}
	if _, err := iog.ParseLocation(cfg.Location); err != nil || cfg.Location == "" {
		return nil, fmt.Errorf("new worker: location %q: %w", cfg.Location, iog.ErrInvalid)
	}
	if cfg.CPUUse == nil {
		cfg.CPUUse = (&gpu.CPUMeter{}).Percent
	}
	if cfg.Name == "" {
		cfg.Name = "worker"
	}
	if len(cfg.Name) > 64 || !utf8.ValidString(cfg.Name) {
		return nil, fmt.Errorf("new worker: name: 1 to 64 bytes of text: %w", iog.ErrInvalid)
	}
	for _, p := range cfg.Ports {
		if p == 0 {
			return nil, fmt.Errorf("new worker: port 0: %w", iog.ErrInvalid)
		}
	}
	if cfg.RelayAddr != "" && cfg.RelayPin == (tunnel.Pin{}) {
		return nil, fmt.Errorf("new worker: a relay address needs its pin: %w", iog.ErrInvalid)
	}
	pair, err := gpu.KeypairFromSeed(cfg.Key.Seed())
	if err != nil {
		return nil, fmt.Errorf("new worker: %w", err)
	}
	if cfg.HeartbeatInterval <= 0 {
		cfg.HeartbeatInterval = 20 * time.Second
	}
	if cfg.ReportInterval <= 0 {
		cfg.ReportInterval = time.Hour
	}
	if cfg.RentalPoll <= 0 {
		cfg.RentalPoll = 5 * time.Second
	}
	if cfg.Backoff.Initial <= 0 {
		cfg.Backoff.Initial = time.Second
	}
	if cfg.Backoff.Max <= 0 {
		cfg.Backoff.Max = time.Minute
	}
	if cfg.Clock == nil {
		cfg.Clock = iog.SystemClock
	}
	if cfg.Random == nil {
		cfg.Random = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Rentals == nil {
		cfg.Rentals = clientRentals{cfg.Client}
	}
	if cfg.Runtime == nil {
		dir := os.TempDir()
		if cfg.StateFile != "" {
			dir = filepath.Dir(cfg.StateFile)
		}
		cfg.Runtime = NewProcessRuntime(ProcessRuntimeConfig{Dir: filepath.Join(dir, "rentals"), Logger: cfg.Logger})
	}
	var seed [16]byte
	if _, err := io.ReadFull(cfg.Random, seed[:]); err != nil {
		return nil, fmt.Errorf("new worker: random: %w", err)
	}
	return &Worker{
		cfg:          cfg,
		pair:         pair,
		log:          cfg.Logger.With("part", "worker"),
		rng:          mrand.New(mrand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:]))),
		reportNow:    make(chan struct{}, 1),
		portsChanged: make(chan struct{}, 1),
		proving:      make(map[string]bool),
		workloads:    make(map[iog.ClusterID]Workload),
		started:      make(map[iog.ClusterID]bool),
	}, nil
}

// Device returns the worker's device, "" until it is registered or
// resumed.
func (w *Worker) Device() iog.DeviceID {
	if st := w.state.Load(); st != nil {
		return st.Device
	}
	return ""
}

// Online reports whether the worker's tunnel to the relay is up now.
func (w *Worker) Online() bool {
	a := w.agent.Load()
	return a != nil && a.Online()
}

// Run runs the worker until ctx ends, then stops the workloads it
// started and returns nil. It first registers the device (or resumes the
// one its state file names) and has its first report accepted; then it
// heartbeats, reports, answers proofs, keeps the tunnel and runs rentals,
// each on its own round. Whatever fails is retried with backoff, except a
// refusal of the wallet's credentials or rights (401, 403), which stops
// everything and is returned.
func (w *Worker) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	err := w.attest(ctx)
	if err == nil {
		var wg sync.WaitGroup
		for _, round := range []func(context.Context) error{w.heartbeats, w.reports, w.keepTunnel, w.runRentals} {
			wg.Go(func() {
				if err := round(ctx); err != nil {
					cancel(err)
				}
			})
		}
		wg.Wait()
	}
	w.tasks.Wait()
	w.stopWorkloads()
	if err == nil {
		err = context.Cause(ctx)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	w.log.Error("worker stopped", "err", err)
	return err
}

// fatal reports whether err refuses the worker's credentials or rights:
// trying again cannot help.
func fatal(err error) bool {
	if errors.Is(err, iog.ErrExpired) {
		// A signature the server found stale is signed anew on the next
		// try: a slow round trip, or clocks apart, not a wrong key.
		return false
	}
	k := ErrorKind(err)
	return k == api.KindUnauthorized || k == api.KindForbidden
}

// delay returns the backoff before retry n.
func (w *Worker) delay(n int) time.Duration {
	w.rngMu.Lock()
	defer w.rngMu.Unlock()
	return w.cfg.Backoff.Delay(n, w.rng)
}

// retry runs op until it succeeds, waiting a growing backoff between
// tries. It returns ctx's error when ctx ends, and a fatal error at once.
func (w *Worker) retry(ctx context.Context, what string, op func() error) error {
	for n := 0; ; n++ {
		err := op()
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case fatal(err):
			return fmt.Errorf("worker: %s: %w", what, err)
		}
		d := w.delay(n)
		w.log.Warn(what+" failed; retrying", "err", err, "in", d)
		if err := iog.Sleep(ctx, w.cfg.Clock, d); err != nil {
			return err
		}
	}
}

// every runs step now and then every interval until ctx ends, retrying a
// failed step with backoff; it returns nil when ctx ends, or a fatal
// error.
func (w *Worker) every(ctx context.Context, what string, interval time.Duration, step func(context.Context) error) error {
	for {
		if err := w.retry(ctx, what, func() error { return step(ctx) }); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if iog.Sleep(ctx, w.cfg.Clock, interval) != nil {
			return nil
		}
	}
}
