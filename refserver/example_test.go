package refserver_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// Example runs a reference server on an embedded store in a temporary
// directory, behind an HTTP listener, reads the network's supply and
// takes test funds from its faucet through a client, as any program
// embedding the server would.
func Example() {
	dir, err := os.MkdirTemp("", "iog-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	s, err := refserver.New(ctx, refserver.Config{DataDir: dir, Faucet: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()

	wallet := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))
	c, err := iogsdk.NewClient(iogsdk.ClientConfig{Server: hs.URL, Key: wallet, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}
	supply, err := c.Supply(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("epoch", supply.Epoch, "max supply", supply.Max)
	account, err := c.Faucet(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, b := range account.Balances {
		fmt.Println(b.Currency, "available", b.Available)
	}
	// Output:
	// epoch 0 max supply 800000000 IO
	// IO available 50000 IO
	// IOSD available 0 IOSD
	// USDC available 10000 USDC
	// USD available 0 USD
}

// fittingChain is a Chain on a ledger of package ledger whose
// transactions take up to 8 ops: what a test or a demonstration settles
// onto in place of Solana (tokenomics/solana's Ledger is the real one).
type fittingChain struct{ ledger.Ledger }

func (fittingChain) Fit(ops []ledger.Op) int { return min(len(ops), 8) }

// Withdraw applies the payout's Burn: a ledger has no wallet outside it
// to pay.
func (c fittingChain) Withdraw(ctx context.Context, op ledger.Op, _ iog.WalletAddress) (ledger.Entry, error) {
	return c.Apply(ctx, op)
}

// ExampleSettlement settles a server's ledger onto a chain: the leader's
// settlement loop applies every entry to it, in order, and the API shows
// each entry's settlement.
func ExampleSettlement() {
	dir, err := os.MkdirTemp("", "iog-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	chain := fittingChain{ledger.NewMemory(ledger.MemoryConfig{})}
	s, err := refserver.New(ctx, refserver.Config{DataDir: dir, Faucet: true, Logger: slog.New(slog.DiscardHandler),
		Settlement: refserver.Settlement{Chain: chain, Interval: 10 * time.Millisecond}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	run, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(run) }()
	defer func() { stop(); <-done }()

	wallet := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))
	c, err := iogsdk.NewClient(iogsdk.ClientConfig{Server: hs.URL, Key: wallet, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}
	account, err := c.Faucet(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		earnings, err := c.Earnings(ctx, 0, 0)
		if err != nil {
			fmt.Println(err)
			return
		}
		if earnings.Entries[len(earnings.Entries)-1].Settlement.Status == api.SettlementSettled {
			for _, e := range earnings.Entries {
				fmt.Println(e.Kind, e.Amount, e.Settlement.Status)
			}
			break
		}
	}
	onChain, err := chain.Balance(ctx, account.Wallet, iog.IO)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("on the chain:", onChain.Available)
	// Output:
	// mint 50000 IO settled
	// mint 10000 USDC settled
	// on the chain: 50000 IO
}
