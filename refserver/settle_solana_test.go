package refserver_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"strconv"
	"testing"
	"time"

	solanago "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/mr-tron/base58"
	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/sqltest"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver"
	"github.com/internetofgpus/iog/tokenomics"
	"github.com/internetofgpus/iog/tokenomics/solana"
	"github.com/internetofgpus/iog/tokenomics/solana/solanatest"
)

// The settler hands the Solana ledger windows of batches.
var _ refserver.WindowChain = (*solana.Ledger)(nil)

// startValidator starts a LiteSVM validator whose blockhashes live 20
// slots of 10 ms, so that a Solana ledger opened on it waits 200 ms for
// what an earlier process could have sent, not a minute.
func startValidator(t testing.TB) *solanatest.Validator {
	return solanatest.Start(t, solanatest.Config{SlotTime: 10 * time.Millisecond, BlockhashValidity: 20})
}

// solanaKey is a fixed key for name: the same network each time a test
// opens it.
func solanaKey(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(name))
	return ed25519.NewKeyFromSeed(seed[:])
}

// solanaNetwork funds the authority of the network called name on v with
// SOL and creates the three mints it issues, returning the configuration
// of its ledger.
func solanaNetwork(t testing.TB, v *solanatest.Validator, name string) solana.Config {
	t.Helper()
	cfg := solanaConfig(v.URL(), name)
	c := rpc.New(v.URL())
	defer c.Close()
	sig, err := c.RequestAirdrop(ctx, solanago.PublicKey(cfg.Authority.Public().(ed25519.PublicKey)), 100*solanago.LAMPORTS_PER_SOL, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		st, err := c.GetSignatureStatuses(ctx, true, sig)
		return err == nil && len(st.Value) == 1 && st.Value[0] != nil
	}, 10*time.Second, 10*time.Millisecond)
	for _, cur := range heldCurrencies {
		m, err := solana.CreateMint(ctx, cfg, cur, solanaKey(name+" mint "+cur.String()))
		require.NoError(t, err)
		require.Equal(t, cfg.Mints[cur], m)
	}
	return cfg
}

// solanaConfig configures the ledger of the network called name on the
// validator at endpoint: its authority and mints follow from the name.
func solanaConfig(endpoint, name string) solana.Config {
	cfg := solana.Config{Endpoint: endpoint, Authority: solanaKey(name + " authority"), PollInterval: 50 * time.Millisecond,
		CreateRecipientAccounts: true, Mints: map[iog.Currency]solana.Mint{}}
	for _, cur := range heldCurrencies {
		cfg.Mints[cur] = solana.Mint{Address: iog.WalletAddress(solanaKey(name + " mint " + cur.String()).Public().(ed25519.PublicKey)), Issued: true}
	}
	return cfg
}

// openSolana opens the Solana ledger of cfg for the test.
func openSolana(t testing.TB, cfg solana.Config) *solana.Ledger {
	t.Helper()
	l, err := solana.New(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return l
}

// solanaChain is the Solana ledger a test server settles onto, on its
// LiteSVM validator.
type solanaChain struct {
	*solana.Ledger
	cfg solana.Config
	v   *solanatest.Validator
}

// solanaEnv is a server that settles onto a Solana ledger on LiteSVM.
func solanaEnv(t *testing.T) (*env, solanaChain) {
	v := startValidator(t)
	cfg := solanaNetwork(t, v, t.Name())
	chain := solanaChain{Ledger: openSolana(t, cfg), cfg: cfg, v: v}
	e := newEnv(t, sqltest.Dialects[0], withFaucet, epochConfig, settleOn(chain.Ledger, 0), func(c *refserver.Config) {
		c.Rewards = tokenomics.RewardConfig{Nomination: tokenomics.NominationRules{MinUptime: time.Hour}}
	})
	return e, chain
}

// checkSolanaSettled checks a settlement onto chain: every entry is on
// the chain once, in order, with the same balances and supplies, the API
// shows the chain's signatures, every withdrawal is paid and its
// address's associated token account holds what it was paid, and the
// chain's accounts are what the ledger says.
func checkSolanaSettled(t *testing.T, e *env, chain solanaChain, wallets []ed25519.PrivateKey) {
	t.Helper()
	entries := checkSettled(t, e.server.Store().Ledger(), chain.Ledger, 0)
	for _, en := range entries {
		on, err := chain.Entry(ctx, en.Op.Key)
		require.NoError(t, err)
		require.NotEmpty(t, solana.SignatureString(on), "entry %d", en.Seq)
		require.Equal(t, solana.SignatureString(on), base58.Encode(on.Signature), "entry %d", en.Seq)
	}
	// checkShown compares the API's signatures with the chain's in
	// base58: Solana's signatures, as the loop above saw.
	checkShown(t, e, chain.Ledger, entries, wallets)
	c := rpc.New(chain.v.URL())
	defer c.Close()
	paid := map[iog.WalletAddress]int64{}
	for _, w := range wallets {
		list, err := e.client(w).Withdrawals(ctx, "")
		require.NoError(t, err)
		for _, wd := range list.Withdrawals {
			require.Equal(t, api.WithdrawalPaid, wd.Status, "withdrawal %s", wd.ID)
			require.Equal(t, iog.IO, wd.Amount.Currency())
			paid[wd.To] += wd.Amount.Units()
		}
	}
	require.NotEmpty(t, paid)
	for to, units := range paid {
		ata, err := solana.AssociatedAddress(to, chain.cfg.Mints[iog.IO].Address)
		require.NoError(t, err)
		got, err := c.GetTokenAccountBalance(ctx, solanago.PublicKey(ata), rpc.CommitmentConfirmed)
		require.NoError(t, err)
		require.Equal(t, strconv.FormatInt(units, 10), got.Value.Amount, "the IO paid to %v's own token account", to)
	}
	require.NoError(t, chain.Verify(ctx))
}

// TestSettlementSolana: a server settles a workload through every area
// onto a Solana ledger on LiteSVM: every entry lands once, in order, the
// chain's token accounts hold the database's balances, the API shows the
// transactions' signatures, and the withdrawal is paid to its address's
// own token account.
func TestSettlementSolana(t *testing.T) {
	e, chain := solanaEnv(t)
	wallets := settleWorkload(t, e, 1)
	require.NoError(t, e.server.Settle(ctx))
	checkSolanaSettled(t, e, chain, wallets)
}

// TestSettlementSolanaValidatorKilled: the validator is killed while the
// server settles a larger workload, and restarted on its state; the
// settlement completes, every entry on the chain exactly once.
func TestSettlementSolanaValidatorKilled(t *testing.T) {
	e, chain := solanaEnv(t)
	var wallets []ed25519.PrivateKey
	for n := range byte(3) {
		wallets = append(wallets, settleWorkload(t, e, n+1)...)
	}
	for n := range byte(40) {
		_, err := e.client(walletKey(n + 150)).Faucet(ctx)
		require.NoError(t, err)
	}
	total, err := e.server.Store().Ledger().Len(ctx)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		// The rounds back off on the server's clock after a failure: each
		// try moves it past the longest wait.
		for try := 0; ; try++ {
			err := e.server.Settle(ctx)
			if err == nil {
				done <- nil
				return
			}
			if !errors.Is(err, iog.ErrUnavailable) || try == 50 {
				done <- err
				return
			}
			e.clock.Advance(time.Duration(maxSettleBackoff) * time.Second)
			time.Sleep(50 * time.Millisecond)
		}
	}()
	for start := time.Now(); ; time.Sleep(time.Millisecond) {
		if settled, _ := metric(t, e.server, "iog_settlement_entries_total", nil); settled > float64(total)/4 {
			break
		}
		require.Less(t, time.Since(start), time.Minute, "a quarter of the entries not settled in a minute")
	}
	chain.v.Kill()
	settled, _ := metric(t, e.server, "iog_settlement_entries_total", nil)
	require.Less(t, settled, float64(total), "killed while entries waited")
	time.Sleep(300 * time.Millisecond)
	chain.v.Restart(t)
	require.NoError(t, <-done)
	require.NoError(t, e.server.Settle(ctx))
	checkSolanaSettled(t, e, chain, wallets)
	fresh := openSolana(t, chain.cfg)
	checkSettled(t, e.server.Store().Ledger(), fresh, 0)
	require.NoError(t, fresh.Verify(ctx), "read back from the chain")
	failures, _ := metric(t, e.server, "iog_settlement_failures_total", map[string]string{"kind": "unavailable"})
	t.Logf("%d entries settled, the validator killed after %.0f; %.0f rounds failed", total, settled, failures)
}

// maxSettleBackoff is the most intervals (of a second here) the rounds
// wait after failures.
const maxSettleBackoff = 64

// The chain a server settles onto is a Solana ledger.
var _ refserver.Chain = (*solana.Ledger)(nil)
