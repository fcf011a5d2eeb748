package solana_test

import (
	"regexp"
	"strconv"
	"testing"

	solanago "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
	"github.com/internetofgpus/iog/tokenomics/ledger/ledgertest"
	"github.com/internetofgpus/iog/tokenomics/solana"
)

// The runtime's log of a program's invocation, at a depth, of what it
// consumed, and of its end.
var (
	invoked  = regexp.MustCompile(`^Program \S+ invoke \[\d+\]$`)
	consumed = regexp.MustCompile(`^Program \S+ consumed (\d+) of \d+ compute units$`)
	ended    = regexp.MustCompile(`^Program \S+ (success|failed)`)
)

// TestComputeUnits runs every kind of instruction the ledger sends on the
// Solana runtime, with memos short and long, and checks that the compute
// units each transaction used are within what the ledger's table says
// it needs (solana.ComputeUnits), instruction by instruction where the
// runtime logs them, so that Fit never lets through a batch the runtime
// would stop. The ledger offers a priority fee, so its transactions set
// their compute unit limit from the table: the runtime would stop one
// the table underestimates.
func TestComputeUnits(t *testing.T) {
	v := testValidator(t)
	n := newNetwork(t, v, t.Name())
	n.cfg.CreateRecipientAccounts = true
	n.cfg.ComputeUnitPrice = 1000
	l := n.open(t)
	alice, bob := ledgertest.Wallet(1), ledgertest.Wallet(2)
	long := string(make([]byte, 0, 256))
	for len(long) < 250 {
		long += "reason "
	}
	batches := [][]ledger.Op{
		{{Kind: ledger.Open, Key: "open-a", Reason: "a", To: alice}, {Kind: ledger.Open, Key: "open-b", Reason: long, To: bob}},
		{{Kind: ledger.Mint, Key: "m", Reason: "first credit creates the account", To: alice, Amount: ledgertest.IO("100")}},
		{{Kind: ledger.Transfer, Key: "t1", Reason: long, From: alice, To: bob, Amount: ledgertest.IO("10")}},
		{{Kind: ledger.Transfer, Key: "t2", Reason: "r", From: bob, To: alice, Amount: ledgertest.IO("1")}},
		{{Kind: ledger.Hold, Key: "h", Reason: "escrow", From: alice, Amount: ledgertest.IO("20")}},
		{{Kind: ledger.Release, Key: "r1", Reason: "part", HoldKey: "h", To: bob, Amount: ledgertest.IO("5")},
			{Kind: ledger.Release, Key: "r2", Reason: "rest, closing the escrow", HoldKey: "h", To: alice, Amount: ledgertest.IO("15")}},
		{{Kind: ledger.Burn, Key: "b", Reason: "buy-back burn", From: alice, Amount: ledgertest.IO("1")}},
	}
	c := rpc.New(v.URL())
	defer c.Close()
	check := func(sig solanago.Signature) {
		zero := uint64(0)
		tx, err := c.GetTransaction(ctx, sig, &rpc.GetTransactionOpts{Encoding: solanago.EncodingBase64, MaxSupportedTransactionVersion: &zero})
		require.NoError(t, err)
		require.NotNil(t, tx.Meta.ComputeUnitsConsumed)
		body, err := tx.Transaction.GetTransaction()
		require.NoError(t, err)
		budget, err := solana.ComputeUnits(body)
		require.NoError(t, err)
		require.LessOrEqual(t, *tx.Meta.ComputeUnitsConsumed, uint64(budget.Total), "transaction %v", sig)
		var logged []uint64
		depth := 0
		for _, line := range tx.Meta.LogMessages {
			switch m := consumed.FindStringSubmatch(line); {
			case invoked.MatchString(line):
				depth++
			case ended.MatchString(line):
				depth--
			case m != nil && depth == 1: // a top-level instruction's, its calls included
				n, _ := strconv.ParseUint(m[1], 10, 64)
				logged = append(logged, n)
			}
		}
		require.Equal(t, len(budget.Logged), len(logged), "instructions whose units the runtime logs: %q", tx.Meta.LogMessages)
		for i, n := range logged {
			require.LessOrEqual(t, n, uint64(budget.Logged[i]), "instruction %d of %v", i, sig)
		}
		t.Logf("%v: %d compute units used, %d budgeted", sig, *tx.Meta.ComputeUnitsConsumed, budget.Total)
	}
	for _, ops := range batches {
		entries, err := l.ApplyAll(ctx, ops)
		require.NoError(t, err)
		check(solanago.SignatureFromBytes(entries[0].Signature))
	}
	owner := ledgertest.Wallet(99)
	e, err := l.Withdraw(ctx, ledger.Op{Kind: ledger.Burn, Key: "w", Reason: "withdrawal", From: bob, Amount: ledgertest.IO("2")}, owner)
	require.NoError(t, err)
	check(solanago.SignatureFromBytes(e.Signature))
	require.NoError(t, l.Verify(ctx), "the IO withdrawn is still in the mint's supply")
	_ = iog.IO
}
