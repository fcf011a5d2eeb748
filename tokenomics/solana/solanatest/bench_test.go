package solanatest_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog/tokenomics/solana/solanatest"
)

// BenchmarkSendTransaction measures sendTransaction through solana-go's
// client, preflight on, journal on: a System transfer with a 60-byte memo
// per transaction, signed in the loop, by 1, 4 and 8 concurrent clients.
func BenchmarkSendTransaction(b *testing.B) {
	// Blockhashes valid for 100,000 blocks: one is fetched for the run.
	v := solanatest.Start(b, solanatest.Config{BlockhashValidity: 100000})
	ctx := context.Background()
	client := rpc.New(v.URL())
	payer := solana.NewWallet()
	_, err := client.RequestAirdrop(ctx, payer.PublicKey(), 1_000_000*solana.LAMPORTS_PER_SOL, rpc.CommitmentFinalized)
	require.NoError(b, err)
	var to []solana.PublicKey
	for range 8 {
		w := solana.NewWallet()
		_, err := client.RequestAirdrop(ctx, w.PublicKey(), solana.LAMPORTS_PER_SOL, rpc.CommitmentFinalized)
		require.NoError(b, err)
		to = append(to, w.PublicKey())
	}
	bh, err := client.GetLatestBlockhash(ctx, rpc.CommitmentFinalized)
	require.NoError(b, err)
	memo := solana.MustPublicKeyFromBase58("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")
	var seq atomic.Uint64
	send := func() error {
		n := seq.Add(1)
		tx, err := solana.NewTransaction([]solana.Instruction{
			system.NewTransferInstruction(n, payer.PublicKey(), to[n%uint64(len(to))]).Build(),
			solana.NewInstruction(memo, nil, []byte(fmt.Sprintf("iog:bench:%-50d", n))),
		}, bh.Value.Blockhash, solana.TransactionPayer(payer.PublicKey()))
		if err != nil {
			return err
		}
		if _, err := tx.Sign(func(solana.PublicKey) *solana.PrivateKey { return &payer.PrivateKey }); err != nil {
			return err
		}
		_, err = client.SendTransactionWithOpts(ctx, tx, rpc.TransactionOpts{})
		return err
	}
	for _, clients := range []int{1, 4, 8} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			var left atomic.Int64
			left.Store(int64(b.N))
			errs := make(chan error, clients)
			var wg sync.WaitGroup
			b.ResetTimer()
			for range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for left.Add(-1) >= 0 {
						if err := send(); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
		})
	}
}
