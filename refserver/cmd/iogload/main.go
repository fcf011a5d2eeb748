// Command iogload measures the reference server on loopback, for the
// load figures of BENCHMARKS.md. It starts the server in this process (or
// an iogd child with -iogd, or loads a running one with -server),
// registers devices through the real API (a registration and an accepted
// signed report each, many wallets at once, and the answers to their
// first proof tasks, so that their heartbeats take the server's fast path
// as a real fleet's do) and times that, then runs vegeta attacks at fixed
// rates: public reads, signed heartbeats, signed deployments from
// faucet-funded renters. It prints each attack's
// throughput, latency percentiles and errors, the server's memory and its
// start-up time. The devices it registered are listed in the data
// directory, so that a later run reuses them. `iogload -help` lists the
// flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is iogload: it returns the exit status, 0 after a complete run, 1
// on an error and 2 on bad flags.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseOptions(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "iogload:", err)
		return 2
	}
	if err := load(ctx, o, stdout); err != nil {
		fmt.Fprintln(stderr, "iogload:", err)
		return 1
	}
	return 0
}
