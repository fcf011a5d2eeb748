package refserver_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"

	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/refserver"
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
