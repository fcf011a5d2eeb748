// Command iogd runs the iog reference network: the API server on one
// store (SQLite in its data directory, or PostgreSQL), its loops, its
// relay, and by default a demonstration of simulated suppliers and
// renters using it over real HTTP, on a clock that shows an hour in five
// seconds. Run it with no arguments, stop it with Ctrl-C, run it again on
// the same data directory and the same network continues. With
// -solana-rpc it settles its ledger on Solana (a local LiteSVM validator
// with -solana-test-network). `iogd -help` lists the settings.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/refserver"
	"github.com/internetofgpus/iog/refserver/demo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) == 2 && os.Args[1] == workloadArg {
		os.Exit(serveWorkload(ctx, os.Getenv, os.Stderr))
	}
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run is iogd: it returns the exit status, 0 after a clean stop, 1 on an
// error and 2 on bad settings.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	o, err := parseOptions(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "iogd:", err)
		return 2
	}
	if err := serve(ctx, o, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "iogd:", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, o options, stdout, stderr io.Writer) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.LogLevel)); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	var clock iog.Clock = iog.SystemClock
	if o.Speed > 1 {
		if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
			return err
		}
		c, err := resumeClock(o.DataDir, o.Speed, time.Now().UTC())
		if err != nil {
			return err
		}
		clock = c
	}
	cfg := refserver.Config{
		DataDir: o.DataDir, PostgresDSN: o.PostgresDSN, Clock: clock, Logger: logger,
		Faucet: o.Faucet || o.Demo, NoWeb: !o.Web, EpochLength: o.Epoch, RelayAddr: o.RelayAddr,
		Limits:   refserver.Limits{PerIP: float64(o.LimitIP), PerWallet: float64(o.LimitWallet), PerKey: float64(o.LimitKey), Burst: o.LimitBurst},
		ProofN:   o.ProofN,
		Manifest: manifests(o),
	}
	if o.Speed > 1 {
		fastClockBudgets(&cfg, o.Speed, o.StallBudget)
	}
	if o.PostgresDSN != "" && o.DataDir == "iog-data" {
		// The authority key still lives in the data directory; on
		// PostgreSQL every server must share it.
		logger.Info("the authority key is kept in the data directory; give every server on this database the same key", "dir", o.DataDir)
	}
	chainLine := "off"
	if o.SolanaRPC != "" {
		// The server's key, unless another is given, is the chain's
		// authority too: the network's accounts are the same key's.
		key, err := refserver.LoadAuthority(o.DataDir, nil)
		if err != nil {
			return err
		}
		cfg.Authority = key
		chain, err := openChain(ctx, o, key, logger)
		if err != nil {
			return err
		}
		defer chain.Close()
		// A round a real second apart, whatever the clock's speed.
		cfg.Settlement = refserver.Settlement{Chain: chain, Interval: time.Duration(o.Speed) * time.Second}
		chainLine = fmt.Sprintf("Solana at %s, authority %v", o.SolanaRPC, chain.Authority())
	}
	s, err := refserver.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	l, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return err
	}
	url := "http://" + l.Addr().String()
	fmt.Fprintf(stdout, "iog reference network\n  API      %s/v1 (OpenAPI: %s/v1/openapi.json)\n  metrics  %s/metrics\n  store    %s\n  clock    %dx real time\n  settle   %s\n",
		url, url, url, storeName(o), o.Speed, chainLine)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	wg.Go(func() { errs <- s.Serve(ctx, l, 10*time.Second) })
	wg.Go(func() { errs <- s.Run(ctx) })
	if o.Speed > 1 {
		wg.Go(func() { errs <- keepClock(ctx, o.DataDir, clock) })
	}
	if o.Demo {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "  demo     %d suppliers and %d renters, their state in %s\n\n", o.Workers, o.Renters, filepath.Join(o.DataDir, "demo"))
		wg.Go(func() {
			errs <- demo.Run(ctx, demo.Config{
				Server: url, DataDir: filepath.Join(o.DataDir, "demo"), Workers: o.Workers, Renters: o.Renters,
				Workload: func() []string { return []string{exe, workloadArg} },
				Clock:    clock, Out: stdout, Logger: logger,
			})
		})
	}
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	fmt.Fprintln(stdout, "iogd: stopped")
	return errors.Join(all...)
}

func storeName(o options) string {
	if o.PostgresDSN != "" {
		return "PostgreSQL"
	}
	return "SQLite in " + o.DataDir
}
