package main

import (
	"crypto/ed25519"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/ray"
	"github.com/internetofgpus/iog/tokenomics/solana"
)

// options are iogd's settings. Each is set, lowest first, by its default,
// the configuration file, its environment variable and its flag.
type options struct {
	Listen      string
	DataDir     string
	PostgresDSN string
	RelayAddr   string
	Demo        bool
	Workers     int
	Renters     int
	Speed       int
	Epoch       time.Duration
	// StallBudget is the real time a fast clock allows for what takes
	// real time whatever the clock (fastClockBudgets).
	StallBudget time.Duration
	Faucet      bool
	// Web serves the web interface at / beside the API.
	Web      bool
	LogLevel string
	// Limits are the rate limits, requests a second (0: the server's
	// defaults, refserver.Limits).
	LimitIP, LimitWallet, LimitKey, LimitBurst int
	// ProofN is the order of proof-of-compute tasks (0: gpu's default).
	ProofN int
	// SolanaRPC is the Solana JSON-RPC endpoint the ledger settles onto
	// ("": settlement off). The chain's authority is SolanaKeypair (nil:
	// the server's own key), its fees paid by SolanaFeePayer (nil: the
	// authority); its mints are SolanaMints, or a test network's.
	SolanaRPC                     string
	SolanaKeypair, SolanaFeePayer ed25519.PrivateKey
	SolanaMints                   map[iog.Currency]solana.Mint
	SolanaTestNetwork             bool
	// RayImage and RayNamespace are the Ray image and the Kubernetes
	// namespace of the KubeRay manifests the server exports ("": iogsdk/ray's
	// defaults).
	RayImage, RayNamespace string
}

// option is one setting: its flag (and key in the file), environment
// variable, default and meaning.
type option struct {
	name, env, def, usage string
	set                   func(o *options, v string) error
}

var optionTable = []option{
	{"listen", "IOG_LISTEN", "127.0.0.1:8420", "address the API listens on", func(o *options, v string) error { o.Listen = v; return nil }},
	{"data", "IOG_DATA", "iog-data", "data directory: the SQLite database and the authority key", func(o *options, v string) error { o.DataDir = v; return nil }},
	{"postgres", "IOG_POSTGRES", "", "PostgreSQL DSN; when set, the store is there and several iogd may share it", func(o *options, v string) error { o.PostgresDSN = v; return nil }},
	{"relay", "IOG_RELAY", "127.0.0.1:8421", "address the tunnel relay listens on", func(o *options, v string) error { o.RelayAddr = v; return nil }},
	{"demo", "IOG_DEMO", "true", "run simulated suppliers and renters beside the server, with a faucet and a fast clock", boolOption(func(o *options) *bool { return &o.Demo })},
	{"workers", "IOG_WORKERS", "6", "simulated suppliers' workers in the demo", intOption(func(o *options) *int { return &o.Workers })},
	{"renters", "IOG_RENTERS", "2", "simulated renters in the demo", intOption(func(o *options) *int { return &o.Renters })},
	{"speed", "IOG_SPEED", "0", "how many times faster than real time the network's clock runs (0: 720 in the demo, an hour in 5 s; 1 otherwise)", intOption(func(o *options) *int { return &o.Speed })},
	{"epoch", "IOG_EPOCH", "1h", "length of an epoch, in the network's time", durationOption(func(o *options) *time.Duration { return &o.Epoch })},
	{"stall-budget", "IOG_STALL_BUDGET", "10s", "with a fast clock, the real time a heartbeat or a proof may be late before the device counts as down (a loaded machine needs more)", durationOption(func(o *options) *time.Duration { return &o.StallBudget })},
	{"web", "IOG_WEB", "true", "serve the web interface (explorer, dashboards) at / beside the API at /v1", boolOption(func(o *options) *bool { return &o.Web })},
	{"faucet", "IOG_FAUCET", "false", "let any wallet take test funds (always on in the demo)", boolOption(func(o *options) *bool { return &o.Faucet })},
	{"limit-ip", "IOG_LIMIT_IP", "0", "requests a second one client address may make (0: the server's default, 200)", intOption(func(o *options) *int { return &o.LimitIP })},
	{"limit-wallet", "IOG_LIMIT_WALLET", "0", "signed requests a second one wallet may make (0: the server's default, 50)", intOption(func(o *options) *int { return &o.LimitWallet })},
	{"limit-key", "IOG_LIMIT_KEY", "0", "requests a second one API key may make (0: the server's default, 50)", intOption(func(o *options) *int { return &o.LimitKey })},
	{"limit-burst", "IOG_LIMIT_BURST", "0", "requests over the rate limits a client may make at once (0: the server's default, 100)", intOption(func(o *options) *int { return &o.LimitBurst })},
	{"proof-n", "IOG_PROOF_N", "0", "order of proof-of-compute tasks' matrices (0: the default, 256); a load test's CPU-answering fleet takes a small one", intOption(func(o *options) *int { return &o.ProofN })},
	{"solana-rpc", "IOG_SOLANA_RPC", "", "Solana JSON-RPC endpoint to settle the ledger onto, such as http://127.0.0.1:8899 (empty: settlement off)", func(o *options, v string) error { o.SolanaRPC = v; return nil }},
	{"solana-keypair", "IOG_SOLANA_KEYPAIR", "", "Solana CLI keypair file of the chain's authority, which holds every account on the chain (empty: the server's authority key)", keypairOption(func(o *options) *ed25519.PrivateKey { return &o.SolanaKeypair })},
	{"solana-fee-payer", "IOG_SOLANA_FEE_PAYER", "", "Solana CLI keypair file of the key paying the chain's fees and rent (empty: the authority)", keypairOption(func(o *options) *ed25519.PrivateKey { return &o.SolanaFeePayer })},
	{"solana-mints", "IOG_SOLANA_MINTS", "", "the SPL mints, IO=ADDRESS,IOSD=ADDRESS,USDC=ADDRESS, with :issued after a mint the authority issues (mints and burns)", parseMints},
	{"solana-test-network", "IOG_SOLANA_TEST_NETWORK", "false", "the endpoint is a test network (LiteSVM, devnet): airdrop SOL to the fee payer and create the three mints the first time, kept in the data directory", boolOption(func(o *options) *bool { return &o.SolanaTestNetwork })},
	{"ray-image", "IOG_RAY_IMAGE", "", "the Ray container image of the KubeRay manifests GET /v1/clusters/{id}/manifest answers (empty: " + ray.DefaultImage + ")", func(o *options, v string) error { o.RayImage = v; return nil }},
	{"ray-namespace", "IOG_RAY_NAMESPACE", "", "their Kubernetes namespace (empty: " + ray.DefaultNamespace + ")", func(o *options, v string) error { o.RayNamespace = v; return nil }},
	{"log-level", "IOG_LOG_LEVEL", "info", "debug, info, warn or error", func(o *options, v string) error {
		switch v {
		case "debug", "info", "warn", "error":
			o.LogLevel = v
			return nil
		}
		return fmt.Errorf("want debug, info, warn or error")
	}},
}

// boolFlag is a true-or-false option's flag: given alone, as in
// -solana-test-network, it is true. Its value is checked later, with the
// other sources'.
type boolFlag struct{ s string }

func (v *boolFlag) String() string {
	if v == nil {
		return ""
	}
	return v.s
}

func (v *boolFlag) Set(s string) error { v.s = s; return nil }

// IsBoolFlag tells package flag that the flag may be given alone.
func (v *boolFlag) IsBoolFlag() bool { return true }

func boolOption(field func(*options) *bool) func(*options, string) error {
	return func(o *options, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		*field(o) = b
		return nil
	}
}

func intOption(field func(*options) *int) func(*options, string) error {
	return func(o *options, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("want a whole number, 0 or more")
		}
		*field(o) = n
		return nil
	}
}

func durationOption(field func(*options) *time.Duration) func(*options, string) error {
	return func(o *options, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("want a positive duration such as 1h")
		}
		*field(o) = d
		return nil
	}
}

// parseOptions reads the settings from args, the environment (getenv) and
// the configuration file that -config or IOG_CONFIG names.
func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("iogd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configFile := fs.String("config", getenv("IOG_CONFIG"), "a YAML file of settings, keyed by the flags' names (env IOG_CONFIG)")
	flagValues := map[string]*string{}
	for _, opt := range optionTable {
		usage := fmt.Sprintf("%s (env %s)", opt.usage, opt.env)
		if opt.def != "true" && opt.def != "false" {
			flagValues[opt.name] = fs.String(opt.name, opt.def, usage)
			continue
		}
		v := &boolFlag{s: opt.def}
		fs.Var(v, opt.name, usage)
		flagValues[opt.name] = &v.s
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "iogd runs the iog reference network: its API server, and by default a demonstration\n")
		fmt.Fprintf(stderr, "of simulated suppliers and renters on it.\n\nUsage: iogd [flags]\n\nEach setting comes from its flag, else its environment variable, else the\nconfiguration file, else its default.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("iogd takes no arguments, only flags (got %q)", fs.Arg(0))
	}
	values := map[string]string{}
	for _, opt := range optionTable {
		values[opt.name] = opt.def
	}
	if *configFile != "" {
		file, err := readConfigFile(*configFile)
		if err != nil {
			return options{}, err
		}
		for k, v := range file {
			values[k] = v
		}
	}
	for _, opt := range optionTable {
		if v := getenv(opt.env); v != "" {
			values[opt.name] = v
		}
	}
	fs.Visit(func(f *flag.Flag) {
		if p, ok := flagValues[f.Name]; ok {
			values[f.Name] = *p
		}
	})
	var o options
	for _, opt := range optionTable {
		if err := opt.set(&o, values[opt.name]); err != nil {
			return options{}, fmt.Errorf("%s %q: %w", opt.name, values[opt.name], err)
		}
	}
	if err := o.checkSolana(); err != nil {
		return options{}, err
	}
	if o.Speed == 0 {
		o.Speed = 1
		if o.Demo {
			o.Speed = 720
		}
	}
	return o, nil
}

// readConfigFile reads a YAML map of settings by flag name; an unknown
// key is an error, so a misspelled setting is not silently ignored.
func readConfigFile(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("configuration file: %w", err)
	}
	var raw map[string]yaml.Node
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("configuration file %s: %w", path, err)
	}
	out := map[string]string{}
	for k, node := range raw {
		known := false
		for _, opt := range optionTable {
			known = known || opt.name == k
		}
		if !known {
			return nil, fmt.Errorf("configuration file %s: unknown setting %q", path, k)
		}
		if node.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("configuration file %s: %s: want a single value", path, k)
		}
		out[k] = strings.TrimSpace(node.Value)
	}
	return out, nil
}
