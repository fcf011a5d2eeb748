package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk"
)

// app is one run of the command: its streams, flags and settings.
type app struct {
	env
	// The global flags.
	server, keypair, configFile string
	json, verbose               bool
	timeout                     time.Duration
	retries                     int
	// set is the settings resolved from the flags, the environment and
	// the configuration file, before a command runs.
	set settings
}

// run runs the command line args and returns the exit status.
func run(ctx context.Context, args []string, e env) int {
	a := &app{env: e}
	root := a.root()
	root.SetArgs(args)
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ssh sshExit
	if errors.As(err, &ssh) {
		return ssh.code
	}
	if isCobraUsage(err) {
		err = usageError{err}
	}
	server := a.set.Server
	if server == "" {
		server = defaultServer
	}
	f := classify(err, server)
	label := "error:"
	if a.colors(e.stderr) {
		label = paint(red, label)
	}
	fmt.Fprintln(e.stderr, "iog:", label, err)
	if f.hint != "" {
		fmt.Fprintln(e.stderr, "  "+f.hint)
	}
	return f.code
}

// isCobraUsage recognizes the errors cobra returns for a command line it
// cannot parse, which it does not type.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "invalid argument", "flag needs an argument", "required flag", "accepts ", "requires at least", "if any flags in the group"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

func (a *app) root() *cobra.Command {
	root := &cobra.Command{
		Use:   "iog",
		Short: "Rent GPU clusters, lend GPUs and follow the iog network",
		Long: `iog is the command line of the iog network, for every role: a renter
quotes, deploys, watches and reaches clusters; a supplier runs the worker
agent, manages its devices, stakes and withdraws its earnings; anyone
reads the explorer's summary or runs the scheduler simulator.

Settings come from flags, then the environment (IOG_SERVER, IOG_KEYPAIR,
IOG_CLI_CONFIG), then the configuration file (iog config set), then the
defaults. Every command takes --json for scripts. Exit statuses are
listed by "iog help exit-codes".`,
		Example: `  iog wallet create
  iog wallet faucet
  iog quote --gpu H100-SXM --count 8 --hours 24
  iog cluster deploy --gpu H100-SXM --count 8 --hours 24 --name train
  iog cluster list --json | jq '.clusters[].id'`,
		SilenceErrors:     true,
		SilenceUsage:      true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return a.resolve(cmd) },
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.server, "server", defaultServer, "the server's URL (env IOG_SERVER)")
	pf.StringVar(&a.keypair, "keypair", "", "the wallet's Solana keypair file (env IOG_KEYPAIR; default $XDG_CONFIG_HOME/iog/id.json)")
	pf.StringVar(&a.configFile, "config", "", "the configuration file (env IOG_CLI_CONFIG; default $XDG_CONFIG_HOME/iog/config.yml)")
	pf.BoolVar(&a.json, "json", false, "write JSON, for scripts, instead of tables")
	pf.BoolVarP(&a.verbose, "verbose", "v", false, "log requests' retries and the worker's work on stderr")
	pf.DurationVar(&a.timeout, "timeout", 10*time.Minute, "how long a command that waits waits")
	pf.IntVar(&a.retries, "retries", 2, "how many times a request is retried when the server does not answer")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddGroup(
		&cobra.Group{ID: "renter", Title: "Renting clusters:"},
		&cobra.Group{ID: "supplier", Title: "Lending GPUs:"},
		&cobra.Group{ID: "network", Title: "The network:"},
		&cobra.Group{ID: "setup", Title: "Set-up:"},
	)
	for _, c := range []struct {
		group string
		cmd   *cobra.Command
	}{
		{"renter", a.quoteCmd()}, {"renter", a.clusterCmd()}, {"renter", a.sshCmd()}, {"renter", a.portForwardCmd()},
		{"supplier", a.workerCmd()}, {"supplier", a.deviceCmd()}, {"supplier", a.stakeCmd()}, {"supplier", a.unstakeCmd()},
		{"supplier", a.costakeCmd()}, {"supplier", a.earningsCmd()}, {"supplier", a.withdrawCmd()},
		{"network", a.explorerCmd()}, {"network", a.simCmd()},
		{"setup", a.walletCmd()}, {"setup", a.configCmd()}, {"setup", a.versionCmd()},
	} {
		c.cmd.GroupID = c.group
		root.AddCommand(c.cmd)
	}
	for _, c := range root.Commands() {
		if c.HasSubCommands() && !c.Runnable() {
			groupOnly(c)
		}
	}
	root.SetHelpCommandGroupID("setup")
	root.SetCompletionCommandGroupID("setup")
	root.AddCommand(&cobra.Command{
		Use:   "exit-codes",
		Short: "The exit statuses iog returns",
		Long:  exitCodesHelp,
	})
	return root
}

// groupOnly makes a command that only groups others show its help when
// run alone, and refuse an unknown subcommand as a usage error (cobra
// would show the help and succeed).
func groupOnly(c *cobra.Command) {
	c.Args = func(cmd *cobra.Command, argv []string) error {
		if len(argv) > 0 {
			return usageError{fmt.Errorf("unknown command %q for %q: %q lists its commands", argv[0], cmd.CommandPath(), cmd.CommandPath()+" --help")}
		}
		return nil
	}
	c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
}

// resolve resolves the settings before a command runs.
func (a *app) resolve(cmd *cobra.Command) error {
	dir := configDir(a.getenv)
	flags := cmd.Flags()
	var from string
	a.set.From = map[string]string{}
	a.set.ConfigFile, from = resolve(a.configFile, flags.Changed("config"), a.getenv("IOG_CLI_CONFIG"), "", filepath.Join(dir, "config.yml"))
	a.set.From["config_file"] = from
	file, err := loadConfig(a.set.ConfigFile)
	if err != nil {
		return err
	}
	a.set.Server, a.set.From["server"] = resolve(a.server, flags.Changed("server"), a.getenv("IOG_SERVER"), file.Server, defaultServer)
	a.set.Keypair, a.set.From["keypair"] = resolve(a.keypair, flags.Changed("keypair"), a.getenv("IOG_KEYPAIR"), file.Keypair, filepath.Join(dir, "id.json"))
	return nil
}

// logger logs to stderr with -v, nowhere otherwise.
func (a *app) logger() *slog.Logger {
	if a.verbose {
		return slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.DiscardHandler)
}

// wallet reads the wallet's key from its keypair file.
func (a *app) wallet() (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(a.set.Keypair)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, explained{fmt.Errorf("no wallet at %s: create one with `iog wallet create`, import one with `iog wallet import`, or name a Solana keypair file with --keypair: %w", a.set.Keypair, iog.ErrNotFound)}
	}
	if err != nil {
		return nil, fmt.Errorf("wallet: %w", err)
	}
	key, err := iog.ParseSolanaKeypair(data)
	if err != nil {
		return nil, fmt.Errorf("wallet %s: %w", a.set.Keypair, err)
	}
	return key, nil
}

// client returns a client of the server, signing with the wallet when
// signed. Its signatures follow the server's clock (serverClock), so that
// a network on a fast clock, such as iogd's demonstration, accepts them.
func (a *app) client(signed bool) (*iogsdk.Client, error) {
	cfg := iogsdk.ClientConfig{Server: a.set.Server, RetryMax: a.retries, RetryWaitMax: time.Second, Logger: a.logger()}
	if a.retries == 0 {
		cfg.RetryMax = -1
	}
	if signed {
		key, err := a.wallet()
		if err != nil {
			return nil, err
		}
		// The clock's readings are not retried: a stale one is kept.
		clockCfg := cfg
		clockCfg.RetryMax = -1
		anon, err := iogsdk.NewClient(clockCfg)
		if err != nil {
			return nil, usageError{fmt.Errorf("--server: %w", err)}
		}
		cfg.Key = key
		cfg.Clock = newServerClock(anon, iog.SystemClock)
	}
	c, err := iogsdk.NewClient(cfg)
	if err != nil {
		return nil, usageError{fmt.Errorf("--server: %w", err)}
	}
	return c, nil
}

// wait returns a context that ends after --timeout, for commands that
// wait.
func (a *app) wait(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, a.timeout)
}
