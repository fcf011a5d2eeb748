package gpu

import (
	"crypto/rand"
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
	// StaleAfter bounds telemetry that repeats itself: a report is stale
	// when it would make StaleAfter-1 reports in a row whose telemetry
	// repeats a reading of the device's last TelemetryWindow accepted
	// reports, so that StaleAfter identical reports in a row are. 0 means
	// 3: the second repeat in a row is refused. A live GPU's power draw
	// alone changes between most two readings.
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
	catalog   map[catalogKey][]iog.GPUModel // GPUCandidates' answers, memoized
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
		catalog: map[catalogKey][]iog.GPUModel{},
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
