package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// Escrow for a rental: the renter's payment is held, paid to the supplier
// in part, and the rest refunded. A retried op applies once.
func ExampleLedger() {
	ctx := context.Background()
	var l ledger.Ledger = ledger.NewMemory(ledger.MemoryConfig{Clock: iog.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))})
	renter, supplier := iog.WalletAddress{1}, iog.WalletAddress{2}
	usdc := func(s string) iog.Amount { return iog.MustParseAmount(s + " USDC") }

	ops := []ledger.Op{
		{Kind: ledger.Open, Key: "open-renter", Reason: "sign-up", To: renter},
		{Kind: ledger.Open, Key: "open-supplier", Reason: "sign-up", To: supplier},
		{Kind: ledger.Mint, Key: "deposit-1", Reason: "USDC deposit", To: renter, Amount: usdc("100")},
		{Kind: ledger.Hold, Key: "cluster-7", Reason: "cluster 7 escrow", From: renter, Amount: usdc("60")},
		{Kind: ledger.Release, Key: "cluster-7:pay", Reason: "cluster 7, 20 GPU-hours", HoldKey: "cluster-7", To: supplier, Amount: usdc("45")},
		{Kind: ledger.Release, Key: "cluster-7:refund", Reason: "cluster 7 ended early", HoldKey: "cluster-7", To: renter, Amount: usdc("15")},
	}
	for _, op := range ops {
		if _, err := l.Apply(ctx, op); err != nil {
			fmt.Println(err)
			return
		}
	}
	_, err := l.Apply(ctx, ops[4]) // the payment, retried
	fmt.Println("retry:", errors.Is(err, ledger.ErrReplayed))

	r, _ := l.Balance(ctx, renter, iog.USDC)
	s, _ := l.Balance(ctx, supplier, iog.USDC)
	fmt.Println("renter:", r.Available, "held:", r.Held)
	fmt.Println("supplier:", s.Available)
	// Output:
	// retry: true
	// renter: 55 USDC held: 0 USDC
	// supplier: 45 USDC
}
