package solanatest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/internetofgpus/iog/tokenomics/solana/solanatest"
)

// A program that is not a test, such as a demo or a benchmark, runs a
// validator with Run and stops it with Stop; a test calls Start instead,
// which stops it when the test ends.
func ExampleRun() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v, err := solanatest.Run(ctx, solanatest.Config{SlotTime: 10 * time.Millisecond})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Stop()
	client := rpc.New(v.URL())
	wallet := solana.NewWallet()
	if _, err := client.RequestAirdrop(ctx, wallet.PublicKey(), solana.LAMPORTS_PER_SOL, rpc.CommitmentFinalized); err != nil {
		fmt.Println(err)
		return
	}
	balance, err := client.GetBalance(ctx, wallet.PublicKey(), rpc.CommitmentFinalized)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(balance.Value)
	// Output: 1000000000
}
