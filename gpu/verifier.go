package gpu

import (
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/internetofgpus/iog"
)

// VerifierConfig configures a Verifier. The zero value means the defaults
// documented on each field.
type VerifierConfig struct {
	// Clock times nonces, proofs and the trust history; nil means
	// iog.SystemClock.
	Clock iog.Clock
	// Random is the source of nonces, proof task IDs and the proof
	// checker's vectors; nil means crypto/rand.Reader. Tests pass a
	// seeded source.
	Random io.Reader
	// NonceTTL is how long a report nonce is valid; 0 means
	// DefaultNonceTTL.
	NonceTTL time.Duration
	// NonceKey is the key of the Verifier's NonceBook (see
	// NonceBookConfig.Key); zero means one drawn at random, so that
	// challenges outstanding at a restart are refused and asked again.
	NonceKey [32]byte
	// Limits bounds plausible hardware.
	Limits Limits
	// StaleAfter is how many consecutive reports with identical telemetry
	// make the telemetry stale: 0 means 3. A live GPU's power draw alone
	// changes between any two readings.
	StaleAfter int
	// Proof sizes proof-of-compute tasks.
	Proof ProofConfig
	// ProofInterval is how often a device must pass a proof to stay
	// eligible for block rewards; 0 means an hour.
	ProofInterval time.Duration
	// MinTrust is the trust score below which a device is not eligible for
	// block rewards; 0 means 700.
	MinTrust TrustScore
	// Logger receives a warning for each rejected report and failed proof;
	// nil means slog.Default().
	Logger *slog.Logger
}

// Verifier is the server's side of attestation. It keeps which owner key
// each device is registered to, issues nonces and proof-of-compute tasks,
// accepts a device report only when the registered owner signed it over a
// live nonce and its hardware passes every check, and scores each device's
// trust from its history. Its state is one DeviceRecord a device (see
// Record and Restore). It is safe for concurrent use.
type Verifier struct {
	cfg    VerifierConfig
	random io.Reader // cfg.Random, safe for concurrent use
	nonces *NonceBook

	mu      sync.Mutex
	rng     *mrand.Rand // Freivalds vectors
	devices map[iog.DeviceID]*deviceState
	owners  map[string]iog.DeviceID // GPU UUID → the device that holds it
	tasks   map[Nonce]ProofTask

	catalogMu sync.RWMutex
	catalog   map[catalogKey]catalogEntry // IdentifyGPU's answers, memoized
}

type deviceState struct {
	owner iog.WalletAddress
	// registered is when Register added the device: nonces issued before
	// it were issued to an earlier registration of the same ID.
	registered time.Time
	gpus       []GPUReading // as last accepted
	models     []iog.GPUModel
	sameCount  int // consecutive reports with telemetry equal to gpus'
	history    TrustHistory
	openTasks  []Nonce // proof tasks issued and not answered, oldest first
	// used are the nonces of the device's reports that passed the
	// signature check, kept until a TTL after their expiry.
	used map[Nonce]struct{}
	// load is the proof work issued to each GPU (by UUID) in the current
	// clock hour.
	load map[string]hourLoad
	// proven is when each GPU (by UUID) last passed a proof.
	proven map[string]time.Time
	// credited is when an accepted report last counted toward trust.
	credited time.Time
	// known maps the UUIDs of the device's first accepted report with GPUs
	// to their catalog model: later reports may drop GPUs, not add or
	// change them.
	known map[string]string
}

// NewVerifier returns a Verifier with cfg.
func NewVerifier(cfg VerifierConfig) *Verifier {
	if cfg.Clock == nil {
		cfg.Clock = iog.SystemClock
	}
	if cfg.Random == nil {
		cfg.Random = rand.Reader
	}
	if cfg.StaleAfter <= 0 {
		cfg.StaleAfter = 3
	}
	if cfg.ProofInterval <= 0 {
		cfg.ProofInterval = time.Hour
	}
	if cfg.MinTrust == 0 {
		cfg.MinTrust = 700
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Limits = cfg.Limits.withDefaults()
	cfg.Proof = cfg.Proof.withDefaults()
	random := &lockedReader{r: cfg.Random}
	var seed [32]byte
	_, err := io.ReadFull(random, seed[:])
	if err != nil {
		// Without randomness the checker's vectors would be predictable;
		// fall back on the system's, which never fails on supported OSes.
		_, _ = rand.Read(seed[:])
	}
	return &Verifier{
		cfg:     cfg,
		random:  random,
		nonces:  NewNonceBook(NonceBookConfig{Clock: cfg.Clock, Random: random, TTL: cfg.NonceTTL, Key: cfg.NonceKey}),
		rng:     mrand.New(mrand.NewChaCha8(seed)),
		devices: map[iog.DeviceID]*deviceState{},
		owners:  map[string]iog.DeviceID{},
		tasks:   map[Nonce]ProofTask{},
		catalog: map[catalogKey]catalogEntry{},
	}
}

// lockedReader serializes reads of a source that need not be safe for
// concurrent use, which the NonceBook and ProofTask share.
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

// Register records that device belongs to owner, whose key alone may sign
// its reports. Registering a device again to the same owner does nothing;
// to another owner is ErrConflict. A malformed device ID or a zero owner is
// ErrInvalid.
func (v *Verifier) Register(device iog.DeviceID, owner iog.WalletAddress) error {
	if _, err := iog.ParseDeviceID(string(device)); err != nil {
		return fmt.Errorf("register: %w", err)
	}
	if owner.IsZero() {
		return fmt.Errorf("register device %s: no owner wallet: %w", device, iog.ErrInvalid)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if d, ok := v.devices[device]; ok {
		if d.owner != owner {
			return fmt.Errorf("register device %s: already registered to another owner: %w", device, iog.ErrConflict)
		}
		return nil
	}
	v.devices[device] = &deviceState{owner: owner, registered: v.cfg.Clock.Now()}
	return nil
}

// Remove undoes Register: it forgets device with everything known of it
// (its hardware, trust history, proofs and used nonces) and releases its
// GPU UUIDs, so that the same hardware may report again as another device,
// or as this one registered anew, starting from no history. Its open
// proof tasks are withdrawn: answers to them are ErrNotFound. A report
// that was being verified meanwhile is refused, and so is any report over
// a nonce issued before a later registration of the same ID. An unknown
// device is ErrNotFound.
func (v *Verifier) Remove(device iog.DeviceID) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	d, ok := v.devices[device]
	if !ok {
		return fmt.Errorf("remove device %s: %w", device, iog.ErrNotFound)
	}
	for _, g := range d.gpus {
		delete(v.owners, g.GPU.UUID)
	}
	for _, id := range d.openTasks {
		delete(v.tasks, id)
	}
	delete(v.devices, device)
	return nil
}

// Challenge issues a nonce for device's next report. An unregistered
// device is ErrNotFound; see NonceBook.Issue for the other errors.
// Challenge does not authenticate who asks, and need not: a nonce is
// worth nothing without the owner's signature over it, and issuing one
// neither costs memory nor withdraws another.
func (v *Verifier) Challenge(device iog.DeviceID) (Challenge, error) {
	v.mu.Lock()
	_, ok := v.devices[device]
	v.mu.Unlock()
	if !ok {
		return Challenge{}, fmt.Errorf("challenge device %s: not registered: %w", device, iog.ErrNotFound)
	}
	return v.nonces.Issue(device)
}

// Trust returns device's trust score now. An unknown device is
// ErrNotFound.
func (v *Verifier) Trust(device iog.DeviceID) (TrustScore, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	d, ok := v.devices[device]
	if !ok {
		return 0, fmt.Errorf("trust of device %s: %w", device, iog.ErrNotFound)
	}
	return d.history.Score(v.cfg.Clock.Now()), nil
}

// Eligible reports whether device may share this epoch's block reward: its
// trust is at least MinTrust, its last accepted report lists a GPU, and
// every GPU it lists passed a proof of compute within the last
// ProofInterval (plus a quarter of it, for the task's own run time), so
// that no GPU earns on another's proof.
func (v *Verifier) Eligible(device iog.DeviceID) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	d, ok := v.devices[device]
	if !ok {
		return false
	}
	now := v.cfg.Clock.Now()
	return v.eligible(now, d.history.Score(now), d.gpus, func(uuid string) (time.Time, bool) {
		at, ok := d.proven[uuid]
		return at, ok
	})
}

// eligible is Eligible's rule, for a device of trust score whose last
// accepted report listed gpus, and whose GPU of each UUID last passed a
// proof at proven's time (false: never).
func (v *Verifier) eligible(now time.Time, score TrustScore, gpus []GPUReading, proven func(uuid string) (time.Time, bool)) bool {
	if len(gpus) == 0 || score < v.cfg.MinTrust {
		return false
	}
	for _, g := range gpus {
		at, ok := proven(g.GPU.UUID)
		if !ok || now.Sub(at) > v.cfg.ProofInterval+v.cfg.ProofInterval/4 {
			return false
		}
	}
	return true
}
