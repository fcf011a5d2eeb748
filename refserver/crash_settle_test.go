package refserver_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/internal/sqltest"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/refserver/store"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// crashChainFit is how many ops one transaction of the crash test's
// chain takes.
const crashChainFit = 5

// TestCrashSettlement kills a server that settles its ledger onto a chain
// (a ledger file the child opens, durable across its death) while faucet
// grants keep the settler busy, and starts it again on the same store and
// chain; at the end every entry of the ledger is on the chain exactly
// once, in order, with the same balances.
func TestCrashSettlement(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child servers")
	}
	for _, d := range sqltest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			chainPath := filepath.Join(t.TempDir(), "chain")
			t.Setenv(crashChainEnv, chainPath)
			crashSettleRounds(t, d, crashStore(t, d), 6, func() ledger.Ledger { return openChain(t, chainPath, crashChainFit).Ledger })
		})
	}
}

// TestCrashSettlementSolana is TestCrashSettlement on Solana: the child
// settles onto a LiteSVM validator that the parent runs, and is killed
// while entries wait; after the restarts every entry is on the chain
// once, in order, with the same balances, and the chain's accounts are
// what its ledger says.
func TestCrashSettlementSolana(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child servers")
	}
	v := startValidator(t)
	cfg := solanaNetwork(t, v, crashSolanaNetwork)
	t.Setenv(crashSolanaEnv, v.URL())
	d := sqltest.Dialects[0]
	crashSettleRounds(t, d, crashStore(t, d), 4, func() ledger.Ledger { return openSolana(t, cfg) })
	require.NoError(t, openSolana(t, cfg).Verify(ctx))
}

// crashSettleRounds kills the child settling onto a chain rounds times,
// lets it catch up, and checks the store against the chain that open
// opens afresh.
func crashSettleRounds(t *testing.T, d sqldb.Dialect, where string, rounds int, open func() ledger.Ledger) {
	rng := rand.New(rand.NewPCG(uint64(d), 7))
	at := crashAddrs{api: freeAddr(t), relay: freeAddr(t)}
	const workers = 4
	busy := 0
	for round := range rounds {
		child := startCrashChild(t, where, at)
		e := &env{t: t, url: child.url}
		load, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() { faucetLoad(load, e, w, round) })
		}
		time.Sleep(time.Duration(200+rng.IntN(600)) * time.Millisecond)
		// Whether the settler had entries to settle at the kill.
		if settledTo, last := settlementOf(t, e); settledTo < last {
			busy++
		}
		child.kill(t)
		stop()
		wg.Wait()
	}
	require.NotZero(t, busy, "no kill came while entries waited to be settled")
	child := startCrashChild(t, where, at)
	e := &env{t: t, url: child.url}
	for start := time.Now(); ; {
		settledTo, last := settlementOf(t, e)
		if settledTo == last && last > 0 {
			break
		}
		require.Less(t, time.Since(start), 2*time.Minute, "the settlement never caught up: %d of %d", settledTo, last)
		time.Sleep(20 * time.Millisecond)
	}
	child.kill(t)
	checkStore(t, where)
	st, err := store.Open(ctx, crashStoreConfig(where))
	require.NoError(t, err)
	defer st.Close()
	entries := checkSettled(t, st.Ledger(), open(), 0)
	t.Logf("%d rounds, %d killed while entries waited to be settled: %d entries settled exactly once", rounds, busy, len(entries))
}

// faucetLoad takes faucet grants for fresh wallets until ctx ends: each
// opens an account and mints to it.
func faucetLoad(ctx context.Context, e *env, w, round int) {
	for i := 0; ctx.Err() == nil; i++ {
		seed := sha256.Sum256(fmt.Appendf(nil, "settle crash wallet %d of round %d, number %d", w, round, i))
		key := ed25519.NewKeyFromSeed(seed[:])
		if _, err := e.realClient(key).Faucet(ctx); err != nil {
			return
		}
	}
}

// settlementOf returns how far the server says its ledger is settled and
// the seq of its last entry.
func settlementOf(t *testing.T, e *env) (settledTo, last uint64) {
	t.Helper()
	health := readiness(t, e)["settlement"].(map[string]any)
	require.Equal(t, "settling", health["status"])
	list, err := e.realClient(nil).Transactions(ctx, iogsdk.Page{Limit: 1})
	require.NoError(t, err)
	if len(list.Transactions) > 0 {
		last = list.Transactions[0].Seq
	}
	return uint64(health["settled_to"].(float64)), last
}
