package solana_test

import (
	"crypto/ed25519"
	"strconv"
	"testing"
	"time"

	solanago "github.com/gagliardetto/solana-go"
	associatedtokenaccount "github.com/gagliardetto/solana-go/programs/associated-token-account"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
	"github.com/internetofgpus/iog/tokenomics/ledger/ledgertest"
	"github.com/internetofgpus/iog/tokenomics/solana"
)

// chainBalance reads a token account's amount from the chain, in base
// units; -1 when it does not exist.
func chainBalance(t testing.TB, c *rpc.Client, a iog.WalletAddress) int64 {
	t.Helper()
	out, err := c.GetTokenAccountBalance(ctx, solanago.PublicKey(a), rpc.CommitmentConfirmed)
	if err != nil {
		return -1
	}
	n, err := strconv.ParseInt(out.Value.Amount, 10, 64)
	require.NoError(t, err)
	return n
}

// TestTreasuryMint: a mint the ledger does not issue (USDC, issued by
// someone else) is minted into the ledger out of the authority's
// treasury, its associated token account, and burned back into it; a
// withdrawal pays a wallet's own associated token account, created only
// when the configuration lets the ledger.
func TestTreasuryMint(t *testing.T) {
	v := testValidator(t)
	n := newNetwork(t, v, t.Name())
	issuer := key(t.Name() + " USDC issuer")
	airdrop(t, v, issuer, 10*solanago.LAMPORTS_PER_SOL)
	usdc, err := solana.CreateMint(ctx, solana.Config{Endpoint: v.URL(), Authority: issuer, PollInterval: 50 * time.Millisecond}, iog.USDC, key(t.Name()+" USDC mint"))
	require.NoError(t, err)
	usdc.Issued = false
	n.cfg.Mints[iog.USDC] = usdc

	// The issuer pays 1,000 USDC into the authority's treasury.
	authority := n.cfg.Authority.Public().(ed25519.PublicKey)
	treasury, err := solana.AssociatedAddress(iog.WalletAddress(authority), usdc.Address)
	require.NoError(t, err)
	c := rpc.New(v.URL())
	defer c.Close()
	issuerPub := solanago.PublicKey(issuer.Public().(ed25519.PublicKey))
	send(t, c, issuer, associatedtokenaccount.NewCreateInstruction(issuerPub, solanago.PublicKey(authority), solanago.PublicKey(usdc.Address)).Build(),
		token.NewMintToCheckedInstruction(1_000_000_000, 6, solanago.PublicKey(usdc.Address), solanago.PublicKey(treasury), issuerPub, nil).Build())
	require.Equal(t, int64(1_000_000_000), chainBalance(t, c, treasury))

	l := n.open(t)
	alice := ledgertest.Wallet(1)
	ledgertest.Open(t, l, alice)
	ledgertest.Apply(t, l, ledger.Op{Kind: ledger.Mint, Key: "deposit", Reason: "deposit in USDC", To: alice, Amount: iog.MustParseAmount("300 USDC")})
	ledgertest.Apply(t, l, ledger.Op{Kind: ledger.Burn, Key: "buy-back", Reason: "returned", From: alice, Amount: iog.MustParseAmount("100 USDC")})
	require.Equal(t, int64(800_000_000), chainBalance(t, c, treasury), "minted out of the treasury, burned back into it")
	require.Equal(t, iog.MustParseAmount("200 USDC"), ledgertest.Available(t, l, alice, iog.USDC))
	require.NoError(t, l.Verify(ctx))

	owner := ledgertest.Wallet(77)
	before := ledgertest.Snapshot(t, l, alice)
	payout := ledger.Op{Kind: ledger.Burn, Key: "withdrawal-payout:1", Reason: "withdrawal 1", From: alice, Amount: iog.MustParseAmount("50 USDC")}
	_, err = l.Withdraw(ctx, payout, owner)
	require.ErrorIs(t, err, iog.ErrNotFound, "the owner has no USDC account, and the ledger may not create one")
	require.Equal(t, before, ledgertest.Snapshot(t, l, alice))
	_, err = l.Entry(ctx, payout.Key)
	require.ErrorIs(t, err, iog.ErrNotFound)

	n.cfg.CreateRecipientAccounts = true
	require.NoError(t, l.Close())
	l = n.open(t)
	e, err := l.Withdraw(ctx, payout, owner)
	require.NoError(t, err)
	ata, err := solana.AssociatedAddress(owner, usdc.Address)
	require.NoError(t, err)
	require.Equal(t, int64(50_000_000), chainBalance(t, c, ata), "paid to the owner's own account")
	require.Equal(t, iog.MustParseAmount("150 USDC"), ledgertest.Available(t, l, alice, iog.USDC))
	again, err := l.Withdraw(ctx, payout, owner)
	require.ErrorIs(t, err, ledger.ErrReplayed)
	require.Equal(t, e, again)
	require.Equal(t, int64(50_000_000), chainBalance(t, c, ata), "once")
	found, err := n.open(t).Entry(ctx, payout.Key)
	require.NoError(t, err)
	require.Equal(t, e, found, "read back from the chain as the Burn it is")
}

// send signs ixs with payer alone and waits until they land.
func send(t testing.TB, c *rpc.Client, payer ed25519.PrivateKey, ixs ...solanago.Instruction) {
	t.Helper()
	bh, err := c.GetLatestBlockhash(ctx, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	p := solanago.PublicKey(payer.Public().(ed25519.PublicKey))
	tx, err := solanago.NewTransaction(ixs, bh.Value.Blockhash, solanago.TransactionPayer(p))
	require.NoError(t, err)
	key := solanago.PrivateKey(payer)
	_, err = tx.Sign(func(solanago.PublicKey) *solanago.PrivateKey { return &key })
	require.NoError(t, err)
	sig, err := c.SendTransaction(ctx, tx)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		st, err := c.GetSignatureStatuses(ctx, true, sig)
		return err == nil && st.Value[0] != nil && st.Value[0].Err == nil
	}, 10*time.Second, 10*time.Millisecond)
}
