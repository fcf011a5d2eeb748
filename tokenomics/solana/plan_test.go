package solana

import (
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	computebudget "github.com/gagliardetto/solana-go/programs/compute-budget"
	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// offlineLedger is a ledger with no RPC behind it, for planning.
func offlineLedger(t *testing.T, separatePayer bool, price uint64) *Ledger {
	authority := ed25519.NewKeyFromSeed(make([]byte, 32))
	payer := authority
	if separatePayer {
		payer = ed25519.NewKeyFromSeed([]byte(strings.Repeat("p", 32)))
	}
	cfg, err := Config{Endpoint: "http://127.0.0.1:1", Authority: authority, FeePayer: payer, ComputeUnitPrice: price, CreateRecipientAccounts: true,
		Mints: map[iog.Currency]Mint{iog.IO: {Address: iog.WalletAddress{1}, Issued: true}, iog.USDC: {Address: iog.WalletAddress{2}}}}.withDefaults()
	require.NoError(t, err)
	l := &Ledger{sender: sender{cfg: cfg}, chain: newChain(), accounts: map[[2]iog.WalletAddress]iog.WalletAddress{}, withdrawals: map[string]iog.WalletAddress{}, rent: 2039280}
	l.authority = solana.PublicKey(authority.Public().(ed25519.PublicKey))
	l.authorityWallet = iog.WalletAddress(l.authority)
	l.payer = solana.PublicKey(payer.Public().(ed25519.PublicKey))
	a, p := solana.PrivateKey(authority), solana.PrivateKey(payer)
	l.keys = map[solana.PublicKey]*solana.PrivateKey{l.authority: &a, l.payer: &p}
	l.mints = map[iog.Currency]*mintInfo{}
	l.byMint = map[iog.WalletAddress]*mintInfo{}
	for c, m := range cfg.Mints {
		treasury, err := AssociatedAddress(l.authorityWallet, m.Address)
		require.NoError(t, err)
		mi := &mintInfo{currency: c, address: m.Address, decimals: uint8(c.Decimals()), issued: m.Issued, treasury: treasury}
		l.mints[c], l.byMint[m.Address] = mi, mi
	}
	return l
}

// TestPlanSize: the size a plan counts is the size of the transaction it
// builds, whatever the ops, the signers and the priority fee, and the
// transaction is the one solana-go's NewTransaction builds and signs for
// the same instructions, byte for byte.
func TestPlanSize(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tt := range []struct {
		separatePayer bool
		price         uint64
	}{{false, 0}, {true, 0}, {false, 1000}, {true, 5}} {
		l := offlineLedger(t, tt.separatePayer, tt.price)
		for trial := range 200 {
			p := l.newPlan()
			for i := range 1 + rng.IntN(30) {
				c := []iog.Currency{iog.IO, iog.USDC}[rng.IntN(2)]
				w := func() iog.WalletAddress { return iog.WalletAddress{byte(rng.IntN(20)), 9} }
				op := ledger.Op{Kind: ledger.Kind(1 + rng.IntN(6)), Key: fmt.Sprintf("k-%d-%d", trial, i), Reason: strings.Repeat("r", rng.IntN(300)), From: w(), To: w(), Amount: iog.NewAmount(rng.Int64N(1e12), c), HoldKey: "h"}
				var owner iog.WalletAddress
				if op.Kind == ledger.Burn && rng.IntN(2) == 0 {
					owner = w()
				}
				require.NoError(t, p.add(memo{Seq: rng.Uint64N(1 << 40), Time: time.UnixMilli(rng.Int64N(1 << 42)), Kind: op.Kind, Key: op.Key, Reason: op.Reason}, op, owner))
			}
			tx, err := p.transaction(solana.Hash{7})
			require.NoError(t, err)
			require.Equal(t, len(tx.raw), p.size(), "trial %d, %d instructions", trial, len(p.ixs))
			require.Equal(t, solanaGoTransaction(t, l, p), tx.raw, "trial %d", trial)
		}
	}
}

// solanaGoTransaction is what solana-go builds and signs for p's
// instructions.
func solanaGoTransaction(t *testing.T, l *Ledger, p *plan) []byte {
	ixs := make([]solana.Instruction, 0, len(p.ixs)+2)
	if price := l.cfg.ComputeUnitPrice; price > 0 {
		ixs = append(ixs,
			computebudget.NewSetComputeUnitLimitInstruction(min(p.units+2*cuComputeBudget, maxTransactionUnits)).Build(),
			computebudget.NewSetComputeUnitPriceInstruction(price).Build())
	}
	for _, ix := range p.ixs {
		metas := make(solana.AccountMetaSlice, len(ix.accounts))
		for i := range ix.accounts {
			metas[i] = &ix.accounts[i]
		}
		ixs = append(ixs, solana.NewInstruction(ix.program, metas, ix.data))
	}
	tx, err := solana.NewTransaction(ixs, solana.Hash{7}, solana.TransactionPayer(l.payer))
	require.NoError(t, err)
	_, err = tx.Sign(l.key)
	require.NoError(t, err)
	raw, err := tx.MarshalBinary()
	require.NoError(t, err)
	return raw
}
