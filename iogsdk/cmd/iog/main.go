// Command iog is the network's command line, for every role: a renter
// quotes, deploys, watches and reaches clusters; a supplier runs the
// worker agent, manages its devices, stakes and withdraws its earnings;
// anyone reads the explorer's summary or runs the scheduler simulator.
//
//	go install ./iogsdk/cmd/iog
//	iog wallet create
//	iog --server http://127.0.0.1:8420 wallet faucet
//	iog quote --gpu H100-SXM --count 8 --hours 24
//	iog cluster deploy --gpu H100-SXM --count 8 --hours 24 --name train
//	iog cluster list
//
// Settings come from flags, then the environment (IOG_SERVER,
// IOG_KEYPAIR, IOG_CLI_CONFIG), then the configuration file that `iog config
// set` writes ($XDG_CONFIG_HOME/iog/config.yml), as `solana config` does.
// Every command takes --json for scripts; people get aligned tables, and
// on a terminal colors (never with NO_COLOR) and a progress display for
// what waits. `iog help exit-codes` lists the exit statuses.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], systemEnv())
	stop()
	os.Exit(code)
}
