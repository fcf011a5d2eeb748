package refserver

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/pricing"
	"github.com/internetofgpus/iog/refserver/store"
	"github.com/internetofgpus/iog/scheduler"
	"github.com/internetofgpus/iog/tokenomics"
)

// Config configures a Server. The zero Config, with a DataDir, runs: an
// embedded SQLite store in the data directory and a new authority key
// kept there.
type Config struct {
	// DataDir holds the SQLite database (when PostgresDSN is empty) and
	// the authority key file. Required unless both PostgresDSN and
	// Authority are given.
	DataDir string
	// PostgresDSN, when set, stores everything in that PostgreSQL
	// database instead, which several servers may share.
	PostgresDSN string
	// Authority is the network's ed25519 key: it signs the ledger and
	// holds the network's accounts (treasury, escrow). Nil means the key
	// in DataDir/authority.json, created on first start.
	Authority ed25519.PrivateKey
	// Clock is the server's time. Nil means iog.SystemClock.
	Clock iog.Clock
	// Random is the source of keys and nonces. Nil means crypto/rand.
	Random io.Reader
	// Logger receives the server's log. Nil means slog.Default().
	Logger *slog.Logger
	// Limits are the request limits; zero fields take the defaults.
	Limits Limits
	// HeartbeatTimeout is how long a device may go without a heartbeat
	// before it is marked down. Zero means a minute.
	HeartbeatTimeout time.Duration
	// TelemetryInterval is how often a device's heartbeats' telemetry is
	// sampled for its charts: at most once an interval. Zero means a
	// minute.
	TelemetryInterval time.Duration
	// TelemetryKeep is how long the samples are kept. Zero means 24 hours.
	TelemetryKeep time.Duration
	// ProofInterval is how often each GPU must pass a proof of compute.
	// Zero means an hour. A device stays eligible for a quarter of the
	// interval past it, the time its next task has to be answered in.
	ProofInterval time.Duration
	// ProofSlack is the time a proof-of-compute answer is given beyond
	// the work's own, for its transfer; zero means 30 s, gpu.ProofConfig's
	// default. A network on a fast clock needs more. It must be
	// less than a quarter of ProofInterval: an answer that may come later
	// than that would leave the device ineligible while it is awaited.
	ProofSlack time.Duration
	// Readiness are the rules a device's readiness is judged by (the
	// pending limit); zero fields take iog.DefaultReadinessRules'.
	Readiness iog.ReadinessRules
	// ProofN is the order of a proof-of-compute task's matrices; zero
	// means gpu.DefaultProofN (256: a 256 KiB answer a GPU, 17 ms of one
	// CPU core). At most gpu.MaxProofN. A load test's simulated fleet,
	// whose workers answer on the CPU beside the server, takes a small
	// one.
	ProofN int
	// ReportNonceTTL is how long a report's challenge is good; zero means
	// gpu.DefaultNonceTTL (5 min).
	ReportNonceTTL time.Duration
	// MaxClockSkew is how far a signed request's timestamp may be from
	// the server's clock; zero means api.MaxClockSkew (5 min). The server
	// keeps each nonce that long, so only a network on a fast clock
	// should raise it.
	MaxClockSkew time.Duration
	// IdempotencyTTL is how long the response to a mutating request is
	// kept under its idempotency key, so that a retry within it is
	// answered without acting again. Zero means 24 hours.
	IdempotencyTTL time.Duration
	// SessionChallengeTTL is how long a sign-in challenge may be signed
	// and used (once). Zero means 5 minutes.
	SessionChallengeTTL time.Duration
	// SessionTTL is how long a web session lasts once signed in: short,
	// for its cookie acts for the wallet as a signature would. Zero
	// means 30 minutes.
	SessionTTL time.Duration
	// LeaderPoll is how often a server waiting to lead the loops tries
	// for the leader's lock on PostgreSQL, and so how soon it takes over
	// from a leader that died. Zero means 2 s.
	LeaderPoll time.Duration
	// Faucet, when set, lets any wallet take test funds (POST /v1/faucet):
	// for a demonstration or a test network, never a real one.
	Faucet bool
	// NoWeb turns off the web interface (the explorer and dashboards
	// package web serves at /): the server answers its API alone.
	NoWeb bool

	// The hourly epoch.

	// EpochLength is how long an epoch of block rewards lasts. Zero means
	// an hour, io.net's; the demo runs one every few seconds.
	EpochLength time.Duration
	// Genesis is when epoch 1 begins. Zero means the first time a server
	// leads the loops on its database, stored there so that the epochs
	// keep their numbers across restarts; a Genesis other than the stored
	// one is refused.
	Genesis time.Time
	// IOPrice is the price of one IO in US dollars at which each epoch's
	// buy-back spends fee revenue, the default Prices converts, and the
	// price board says it converts: a fixed oracle until a market feed is
	// wired in. Zero means 1.85.
	IOPrice iog.Rate

	// Renters' clusters (clusters.go).
	//
	// Prices quotes deploys and extensions, and prices the explorer's
	// board. Nil means pricing's default model on a balanced market with
	// one IO at IOPrice; a model given should convert at IOPrice too.
	Prices pricing.PriceModel
	// Billing is the rules of paying for a cluster: the minimum rental a
	// deploy must buy, and the credits a refund is returned as (valued
	// at IOPrice when it was paid in IO). The zero Billing means
	// pricing.DefaultBilling(), io.net's.
	Billing pricing.Billing
	// PlacementDeadline is how long a cluster may wait for its first
	// placement; then it ends and its hold goes back to its renter. Zero
	// means an hour.
	PlacementDeadline time.Duration
	// ScheduleEvery is how often the leader places waiting clusters,
	// follows devices going down, pays out the hours that ran and ends
	// clusters whose paid time is over. Zero means a second.
	ScheduleEvery time.Duration
	// Policy scores the devices a cluster fits on, the best placed on
	// (scheduler.NewPolicy makes one of scheduler.PolicyNames). Nil means
	// scheduler.BestFit, which packs clusters onto the fullest devices.
	Policy scheduler.ScorePlugin
	// Manifest, when set, serves GET /v1/clusters/{id}/manifest: one of
	// the caller's clusters, with its devices' public views, as the YAML
	// manifests its renter applies to Kubernetes (iogd sets
	// iogsdk/ray's ClusterManifest, so that this package does not pay for
	// Kubernetes' dependencies). An error wrapping iog.ErrInvalid (a
	// cluster not placed yet) is the caller's. Nil means the route answers
	// iog.ErrNotFound: the server exports no manifests.
	Manifest func(c api.Cluster, devices []api.Device) ([]byte, error)

	// Staking and governance.
	//
	// StakeCooldown is how long unstaked IO waits before its staker can
	// withdraw it. Zero means tokenomics.DefaultCooldown, 14 days.
	StakeCooldown time.Duration
	// CoStakerCooldown is how long a co-staker's unstaked IO waits.
	// Zero means tokenomics.DefaultCoStakerCooldown, 21 days.
	CoStakerCooldown time.Duration
	// CoStaking are the rules a co-stake keeps to (how much of a device's
	// required stake co-stakers provide, how much its owner stakes first,
	// how many co-stakers a device and devices an account). The zero
	// value is io.net's documentation's (tokenomics.CoStakingRules).
	CoStaking tokenomics.CoStakingRules
	// AppealWindow is how long a proposed slash waits for an appeal
	// before a governor may uphold it unappealed. Zero means
	// tokenomics.DefaultAppealWindow, 30 days.
	AppealWindow time.Duration
	// Multipliers are the GPU models' earning multipliers, which set the
	// stake a device's hardware requires. Nil means
	// tokenomics.DefaultMultipliers().
	Multipliers tokenomics.Multipliers
	// Minimums are what a device's accepted report and registered
	// bandwidth must meet, or the device is blocked. Nil means
	// gpu.DefaultMinimums(), io.net's; &gpu.Minimums{} requires nothing.
	Minimums *gpu.Minimums
	// IdleCaps are the most a device not hired may use its CPU and GPUs,
	// checked at each heartbeat, or it is blocked. Nil means
	// gpu.DefaultIdleCaps(), io.net's.
	IdleCaps *gpu.IdleCaps
	// Rewards are the rules each epoch nominates devices and splits its
	// emission by: the pools' shares, the score totals, the nomination
	// rules. The zero value is io.net's documentation's
	// (tokenomics.RewardConfig).
	Rewards tokenomics.RewardConfig
	// Governors are the wallets that may propose and decide slashes.
	// None means no one can: a network without governance slashes
	// nothing.
	Governors []iog.WalletAddress

	// The tunnel relay (relay.go).
	//
	// RelayAddr is where the leader's tunnel relay listens for workers and
	// renters, such as "0.0.0.0:8421". Empty means 127.0.0.1 on a port the
	// system picks: workers learn it from GET /v1/relay.
	RelayAddr string
	// RelayPublicAddr is the relay address GET /v1/relay tells workers to
	// dial, for a relay behind a wildcard or a NAT. Empty means the address
	// the leader's listener is bound to.
	RelayPublicAddr string
	// RelayRefresh bounds how long the relay's view of the rentals may lag
	// the database: the leader reloads it this often, and the relay asks
	// again about each open stream this often, so a rental that ends stops
	// new streams within RelayRefresh and closes open ones within twice
	// that. Workers are admitted from the database itself, at once. Zero
	// means 2 s.
	RelayRefresh time.Duration

	// Settlement settles the ledger onto a chain (Solana) through an
	// outbox, run by the leader. The zero value settles nothing: the
	// database's ledger is the only one.
	Settlement Settlement
}

// Limits bound what a client may ask of the server.
type Limits struct {
	// MaxBody is the largest request body, in bytes. Default 1 MiB.
	MaxBody int64
	// MaxDepth is how deeply a JSON body may nest. Default 32.
	MaxDepth int
	// PerWallet, PerKey and PerIP are the sustained requests a second one
	// wallet (signing), one API key, and one client address may make,
	// with bursts of Burst. Defaults 50, 50, 200 and 100.
	PerWallet, PerKey, PerIP float64
	Burst                    int
}

func (l Limits) withDefaults() Limits {
	def := func(v *float64, d float64) {
		if *v <= 0 {
			*v = d
		}
	}
	if l.MaxBody <= 0 {
		l.MaxBody = 1 << 20
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = 32
	}
	def(&l.PerWallet, 50)
	def(&l.PerKey, 50)
	def(&l.PerIP, 200)
	if l.Burst <= 0 {
		l.Burst = 100
	}
	return l
}

// Server is the reference server. Create one with New; Close it when done.
type Server struct {
	cfg       Config
	log       *slog.Logger
	store     *store.Store
	authority ed25519.PrivateKey
	nonceKey  [32]byte
	accounts  networkAccounts
	limiter   *limiter
	metrics   *metrics
	handler   http.Handler
	committer *committer
	leading   atomic.Bool
	tunnel    tunnelMeter
	// settler settles the ledger onto Config.Settlement's chain; nil
	// when the server does not settle.
	settler *settler
}

// New opens the server's store and readies its API. It serves nothing
// until Serve.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Clock == nil {
		cfg.Clock = iog.SystemClock
	}
	if cfg.Random == nil {
		cfg.Random = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Limits = cfg.Limits.withDefaults()
	if cfg.HeartbeatTimeout <= 0 {
		cfg.HeartbeatTimeout = time.Minute
	}
	if cfg.TelemetryInterval <= 0 {
		cfg.TelemetryInterval = time.Minute
	}
	if cfg.TelemetryKeep <= 0 {
		cfg.TelemetryKeep = 24 * time.Hour
	}
	if cfg.ProofInterval <= 0 {
		cfg.ProofInterval = time.Hour
	}
	if cfg.ProofSlack <= 0 {
		cfg.ProofSlack = 30 * time.Second
	}
	if cfg.ProofSlack >= cfg.ProofInterval/4 {
		return nil, fmt.Errorf("refserver: a proof slack of %v is not less than a quarter of the proof interval %v, the time a device stays eligible while its next proof is awaited: %w", cfg.ProofSlack, cfg.ProofInterval, iog.ErrInvalid)
	}
	if cfg.ProofN < 0 || cfg.ProofN > gpu.MaxProofN {
		return nil, fmt.Errorf("refserver: a proof order of %d is not 0 (the default) to %d: %w", cfg.ProofN, gpu.MaxProofN, iog.ErrInvalid)
	}
	if cfg.MaxClockSkew <= 0 {
		cfg.MaxClockSkew = api.MaxClockSkew
	}
	if cfg.IdempotencyTTL <= 0 {
		cfg.IdempotencyTTL = 24 * time.Hour
	}
	if cfg.SessionChallengeTTL <= 0 {
		cfg.SessionChallengeTTL = 5 * time.Minute
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 30 * time.Minute
	}
	if cfg.LeaderPoll <= 0 {
		cfg.LeaderPoll = 2 * time.Second
	}
	if cfg.EpochLength <= 0 {
		cfg.EpochLength = time.Hour
	}
	if cfg.IOPrice.IsZero() {
		cfg.IOPrice, _ = iog.ParseRate("1.85")
	}
	if cfg.Prices == nil {
		var err error
		if cfg.Prices, err = defaultPrices(cfg.Clock.Now(), cfg.IOPrice); err != nil {
			return nil, fmt.Errorf("refserver: %w", err)
		}
	}
	if cfg.Billing == (pricing.Billing{}) {
		cfg.Billing = pricing.DefaultBilling()
	}
	if err := cfg.Billing.Validate(); err != nil {
		return nil, fmt.Errorf("refserver: %w", err)
	}
	if cfg.PlacementDeadline <= 0 {
		cfg.PlacementDeadline = time.Hour
	}
	if cfg.ScheduleEvery <= 0 {
		cfg.ScheduleEvery = time.Second
	}
	if cfg.Policy == nil {
		cfg.Policy = scheduler.BestFit{}
	}
	if cfg.Multipliers == nil {
		cfg.Multipliers = tokenomics.DefaultMultipliers()
	}
	if cfg.Minimums == nil {
		m := gpu.DefaultMinimums()
		cfg.Minimums = &m
	}
	if cfg.IdleCaps == nil {
		caps := gpu.DefaultIdleCaps()
		cfg.IdleCaps = &caps
	}
	if cfg.RelayAddr == "" {
		cfg.RelayAddr = "127.0.0.1:0"
	}
	if cfg.RelayRefresh <= 0 {
		cfg.RelayRefresh = 2 * time.Second
	}
	authority := cfg.Authority
	if authority == nil {
		if cfg.DataDir == "" {
			return nil, fmt.Errorf("refserver: no authority key and no data directory to keep one in: %w", iog.ErrInvalid)
		}
		var err error
		if authority, err = LoadAuthority(cfg.DataDir, cfg.Random); err != nil {
			return nil, fmt.Errorf("refserver: %w", err)
		}
	}
	st, err := store.Open(ctx, store.Config{PostgresDSN: cfg.PostgresDSN, Dir: cfg.DataDir, Authority: authority, Clock: cfg.Clock})
	if err != nil {
		return nil, fmt.Errorf("refserver: %w", err)
	}
	s := &Server{
		cfg:       cfg,
		log:       cfg.Logger,
		store:     st,
		authority: authority,
		nonceKey:  deriveKey(authority.Seed(), "report nonces"),
		accounts:  deriveAccounts(st.Ledger().Authority()),
		limiter:   newLimiter(cfg.Clock, cfg.Limits),
		metrics:   newMetrics(),
	}
	if s.handler, err = s.routes(); err != nil {
		st.Close()
		return nil, fmt.Errorf("refserver: %w", err)
	}
	workers := 1 // SQLite writes one transaction at a time anyway
	if cfg.PostgresDSN != "" {
		workers = 4
	}
	if cfg.Settlement.Chain != nil {
		s.cfg.Settlement = cfg.Settlement.withDefaults()
		s.settler = newSettler(s, s.cfg.Settlement)
	}
	s.committer = newCommitter(st, workers, s.metrics.observeBatch)
	s.metrics.registry.MustRegister(newStateCollector(s))
	return s, nil
}

// Handler returns the server's HTTP API, for tests and for embedding in
// another server.
func (s *Server) Handler() http.Handler { return s.handler }

// Registry returns the Prometheus registry of the server's metrics.
func (s *Server) Registry() *prometheus.Registry { return s.metrics.registry }

// Store returns the server's store.
func (s *Server) Store() *store.Store { return s.store }

// Serve answers HTTP requests on l until ctx ends, then stops accepting,
// lets the requests in flight finish (for up to drain) and returns.
func (s *Server) Serve(ctx context.Context, l net.Listener, drain time.Duration) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(l) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	err := hs.Shutdown(shutdown)
	if serveErr := <-done; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	return err
}

// Close stops committing requests and closes the store. Serve must have
// returned.
func (s *Server) Close() error {
	s.committer.close()
	return s.store.Close()
}
