package solana_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"testing"
	"time"

	solanago "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
	"github.com/internetofgpus/iog/tokenomics/ledger/ledgertest"
	"github.com/internetofgpus/iog/tokenomics/solana"
	"github.com/internetofgpus/iog/tokenomics/solana/solanatest"
)

var ctx = context.Background()

// testValidator is a LiteSVM validator whose blockhashes live 20 slots of
// 10 ms: a new ledger waits 200 ms for what a previous process could
// have sent, not a minute.
func testValidator(t testing.TB) *solanatest.Validator {
	return solanatest.Start(t, solanatest.Config{SlotTime: 10 * time.Millisecond, BlockhashValidity: 20})
}

// key returns a fixed key for name, so that a test's authority is the
// same when its ledger is opened again.
func key(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(name))
	return ed25519.NewKeyFromSeed(seed[:])
}

// network is an authority funded with SOL and the three mints it issues.
type network struct {
	v   *solanatest.Validator
	cfg solana.Config
}

func newNetwork(t testing.TB, v *solanatest.Validator, name string) network {
	t.Helper()
	cfg := networkConfig(v.URL(), name)
	airdrop(t, v, cfg.Authority, 100*solanago.LAMPORTS_PER_SOL)
	for c, want := range cfg.Mints {
		m, err := solana.CreateMint(ctx, cfg, c, mintKey(name, c))
		require.NoError(t, err)
		require.Equal(t, want, m)
	}
	return network{v: v, cfg: cfg}
}

// networkConfig configures the ledger of the network called name: its
// authority and its mints follow from the name.
func networkConfig(endpoint, name string) solana.Config {
	cfg := solana.Config{Endpoint: endpoint, Authority: key(name + " authority"), PollInterval: 50 * time.Millisecond, Mints: map[iog.Currency]solana.Mint{}}
	for _, c := range iog.Currencies() {
		cfg.Mints[c] = solana.Mint{Address: iog.WalletAddress(mintKey(name, c).Public().(ed25519.PublicKey)), Issued: true}
	}
	return cfg
}

func mintKey(name string, c iog.Currency) ed25519.PrivateKey {
	return key(name + " mint " + c.String())
}

func airdrop(t testing.TB, v *solanatest.Validator, to ed25519.PrivateKey, lamports uint64) {
	t.Helper()
	c := rpc.New(v.URL())
	defer c.Close()
	sig, err := c.RequestAirdrop(ctx, solanago.PublicKey(to.Public().(ed25519.PublicKey)), lamports, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		st, err := c.GetSignatureStatuses(ctx, true, sig)
		return err == nil && len(st.Value) == 1 && st.Value[0] != nil
	}, 10*time.Second, 10*time.Millisecond)
}

func (n network) open(t testing.TB) *solana.Ledger {
	t.Helper()
	l, err := solana.New(ctx, n.cfg)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return l
}

func TestLedgerSuite(t *testing.T) {
	v := testValidator(t)
	ledgertest.Run(t, func(t *testing.T) ledger.Ledger {
		return newNetwork(t, v, t.Name()).open(t)
	})
}

// TestReopenFindsEntriesByMemo: a ledger opened again on the same
// authority reads every entry back from the chain: the same balances and
// entries, retries answered, not sent again. Another key pays the fees:
// the authority's transactions are found all the same.
func TestReopenFindsEntriesByMemo(t *testing.T) {
	v := testValidator(t)
	n := newNetwork(t, v, t.Name())
	n.cfg.FeePayer = key(t.Name() + " fee payer")
	airdrop(t, v, n.cfg.FeePayer, 10*solanago.LAMPORTS_PER_SOL)
	l := n.open(t)
	alice, bob := ledgertest.Wallet(1), ledgertest.Wallet(2)
	ledgertest.Open(t, l, alice)
	ledgertest.Open(t, l, bob)
	ops := []ledger.Op{
		{Kind: ledger.Mint, Key: "deposit", Reason: "deposit", To: alice, Amount: ledgertest.IO("10")},
		{Kind: ledger.Hold, Key: "escrow", Reason: "cluster escrow", From: alice, Amount: ledgertest.IO("6")},
		{Kind: ledger.Release, Key: "pay", Reason: "cluster payment", HoldKey: "escrow", To: bob, Amount: ledgertest.IO("4")},
		{Kind: ledger.Transfer, Key: "tip", Reason: "tip", From: alice, To: bob, Amount: ledgertest.IO("1")},
	}
	first, err := l.ApplyAll(ctx, ops)
	require.NoError(t, err)
	sig := solana.SignatureString(first[0])
	require.NotEmpty(t, sig)
	want := ledgertest.Snapshot(t, l, alice, bob)
	require.NoError(t, l.Close())

	again := n.open(t)
	require.Equal(t, want, ledgertest.Snapshot(t, again, alice, bob))
	for i, op := range ops {
		e, err := again.Entry(ctx, op.Key)
		require.NoError(t, err)
		require.Equal(t, first[i], e, "entry %q read back from the chain", op.Key)
	}
	replayed, err := again.ApplyAll(ctx, ops)
	require.ErrorIs(t, err, ledger.ErrReplayed)
	require.Equal(t, first, replayed)
	require.NoError(t, again.Verify(ctx))
	e := ledgertest.Apply(t, again, ledger.Op{Kind: ledger.Release, Key: "refund", Reason: "refund", HoldKey: "escrow", To: alice, Amount: ledgertest.IO("2")})
	require.Equal(t, uint64(7), e.Seq)
	require.NoError(t, again.Verify(ctx))
}

// TestFit: Fit says how many ops one transaction takes, and ApplyAll
// refuses one more, changing nothing.
func TestFit(t *testing.T) {
	v := testValidator(t)
	l := newNetwork(t, v, t.Name()).open(t)
	payer := ledgertest.Wallet(1)
	ledgertest.Open(t, l, payer)
	ledgertest.Apply(t, l, ledger.Op{Kind: ledger.Mint, Key: "fund", Reason: "treasury", To: payer, Amount: ledgertest.IO("1000")})
	var ops []ledger.Op
	for i := range 40 {
		w := ledgertest.Wallet(byte(10 + i))
		ledgertest.Open(t, l, w)
		ops = append(ops, ledger.Op{Kind: ledger.Transfer, Key: "payout-" + w.String()[:8], Reason: "epoch 1 reward", From: payer, To: w, Amount: ledgertest.IO("1")})
	}
	n := l.Fit(ops)
	require.Greater(t, n, 1)
	require.Less(t, n, len(ops))
	before := ledgertest.Snapshot(t, l, payer)
	_, err := l.ApplyAll(ctx, ops[:n+1])
	require.ErrorIs(t, err, iog.ErrInvalid)
	require.Equal(t, before, ledgertest.Snapshot(t, l, payer))
	entries, err := l.ApplyAll(ctx, ops[:n])
	require.NoError(t, err)
	require.Len(t, entries, n)
	t.Logf("%d first payouts (each creating its token account) in one transaction", n)
	require.NoError(t, l.Verify(ctx))
}
