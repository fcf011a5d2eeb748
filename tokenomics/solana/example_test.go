package solana_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	solanago "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
	"github.com/internetofgpus/iog/tokenomics/solana"
	"github.com/internetofgpus/iog/tokenomics/solana/solanatest"
)

// Example keeps a ledger on a local Solana runtime (LiteSVM, started
// here): the network's own IO mint, a deposit, and a payment whose memo
// says what it was.
func Example() {
	ctx := context.Background()
	v, err := solanatest.Run(ctx, solanatest.Config{SlotTime: 10 * time.Millisecond, BlockhashValidity: 20})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Stop()

	authority := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	c := rpc.New(v.URL())
	defer c.Close()
	if _, err := c.RequestAirdrop(ctx, solanago.PublicKey(authority.Public().(ed25519.PublicKey)), 10*solanago.LAMPORTS_PER_SOL, rpc.CommitmentConfirmed); err != nil {
		fmt.Println(err)
		return
	}
	cfg := solana.Config{Endpoint: v.URL(), Authority: authority, PollInterval: 50 * time.Millisecond}
	io, err := solana.CreateMint(ctx, cfg, iog.IO, ed25519.NewKeyFromSeed([]byte("the network's IO mint, for tests")))
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg.Mints = map[iog.Currency]solana.Mint{iog.IO: io}
	l, err := solana.New(ctx, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()

	renter, supplier := iog.WalletAddress{1}, iog.WalletAddress{2}
	_, err = l.ApplyAll(ctx, []ledger.Op{
		{Kind: ledger.Open, Key: "open:renter", Reason: "sign-up", To: renter},
		{Kind: ledger.Open, Key: "open:supplier", Reason: "sign-up", To: supplier},
		{Kind: ledger.Mint, Key: "deposit:1", Reason: "deposit", To: renter, Amount: iog.MustParseAmount("50 IO")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	pay, err := l.Apply(ctx, ledger.Op{Kind: ledger.Transfer, Key: "cluster-7:hour-1", Reason: "cluster 7, hour 1", From: renter, To: supplier, Amount: iog.MustParseAmount("12.5 IO")})
	if err != nil {
		fmt.Println(err)
		return
	}
	b, err := l.Balance(ctx, supplier, iog.IO)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("supplier:", b.Available, "in", solana.AccountAddress(l.Authority(), supplier, io.Address))
	fmt.Println("signed:", solana.SignatureString(pay) != "")
	// Output:
	// supplier: 12.5 IO in Brcvg9aSHjwEJcShxWXxeE57GbNaHYpzeMgRwMNAydwX
	// signed: true
}
