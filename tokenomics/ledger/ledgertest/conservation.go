package ledgertest

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// testConservation applies random operations and batches, valid and not,
// to l and to an in-memory reference side by side, and checks after every
// one that: both agree; a failed one changes nothing; mint − burn equals
// the supply; the balances of every currency add up to its supply; and no
// balance is negative.
func testConservation(t *testing.T, l ledger.Ledger) {
	currencies := []iog.Currency{iog.IO, iog.IOSD, iog.USDC}
	rng := rand.New(rand.NewPCG(7, 99))
	ref := ledger.NewMemory(ledger.MemoryConfig{Clock: iog.NewManualClock(Start)})
	accounts := []iog.WalletAddress{Wallet(1), Wallet(2), Wallet(3), Wallet(4), Wallet(5)}
	var holds []string
	minted := map[iog.Currency]int64{}
	burned := map[iog.Currency]int64{}
	randomOp := func(i int) ledger.Op {
		c := currencies[rng.IntN(len(currencies))]
		op := ledger.Op{
			Kind:   ledger.Kind(1 + rng.IntN(6)),
			Key:    "op-" + strconv.Itoa(rng.IntN(i+1)), // some keys repeat
			Reason: "random",
			Amount: iog.NewAmount(rng.Int64N(2_000_000_000)-100, c),
		}
		a, b := accounts[rng.IntN(len(accounts))], accounts[rng.IntN(len(accounts))]
		switch op.Kind {
		case ledger.Open:
			op.To, op.Amount = a, iog.Amount{}
		case ledger.Mint:
			op.To = a
		case ledger.Burn, ledger.Hold:
			op.From = a
		case ledger.Transfer:
			op.From, op.To = a, b
		case ledger.Release:
			op.To = a
			op.HoldKey = "none"
			if len(holds) > 0 {
				op.HoldKey = holds[rng.IntN(len(holds))]
			}
		}
		return op
	}
	for i := range 300 {
		ops := []ledger.Op{randomOp(i)}
		for rng.IntN(3) == 0 && len(ops) < 4 {
			ops = append(ops, randomOp(i))
		}
		before := Snapshot(t, ref, openAccounts(t, ref, accounts)...)
		want, wantErr := ref.ApplyAll(ctx, ops)
		got, gotErr := l.ApplyAll(ctx, ops)
		require.Equal(t, wantErr == nil, gotErr == nil, "step %d %+v: %v / %v", i, ops, wantErr, gotErr)
		if wantErr != nil {
			require.Equal(t, before, Snapshot(t, ref, openAccounts(t, ref, accounts)...), "failed step %d changed the state", i)
		} else {
			require.Len(t, got, len(want))
			for j := range want {
				require.Equal(t, want[j].Seq, got[j].Seq)
				require.Equal(t, want[j].Balances, got[j].Balances)
			}
			for _, op := range ops {
				switch op.Kind {
				case ledger.Mint:
					minted[op.Amount.Currency()] += op.Amount.Units()
				case ledger.Burn:
					burned[op.Amount.Currency()] += op.Amount.Units()
				case ledger.Hold:
					holds = append(holds, op.Key)
				}
			}
		}
		open := openAccounts(t, ref, accounts)
		require.Equal(t, open, openAccounts(t, l, accounts))
		require.Equal(t, Snapshot(t, ref, open...), Snapshot(t, l, open...), "step %d", i)
		for _, c := range currencies {
			supply, err := l.Supply(ctx, c)
			require.NoError(t, err)
			require.Equal(t, minted[c]-burned[c], supply.Units(), "mint − burn = supply")
			var sum int64
			for _, w := range open {
				bal, err := l.Balance(ctx, w, c)
				require.NoError(t, err)
				require.GreaterOrEqual(t, bal.Available.Sign(), 0)
				require.GreaterOrEqual(t, bal.Held.Sign(), 0)
				sum += bal.Available.Units() + bal.Held.Units()
			}
			require.Equal(t, supply.Units(), sum, "balances add up to the supply")
		}
	}
	verify(t, l)
}

func openAccounts(t *testing.T, l ledger.Ledger, all []iog.WalletAddress) []iog.WalletAddress {
	var out []iog.WalletAddress
	for _, w := range all {
		if _, err := l.Balance(ctx, w, iog.IO); err == nil {
			out = append(out, w)
		}
	}
	return out
}
