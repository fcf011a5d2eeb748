package ledger_test

import (
	"crypto/ed25519"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// TestLedgerConservation applies random operation sequences, valid and
// not, to the in-memory and the durable ledger side by side, and checks
// after every one that: both ledgers agree; a failed op changes nothing;
// mint − burn equals the change in supply; the balances of every currency
// add up to its supply; and no balance is negative.
func TestLedgerConservation(t *testing.T) {
	currencies := []iog.Currency{iog.IO, iog.IOSD, iog.USDC}
	for seed := range uint64(3) {
		rng := rand.New(rand.NewPCG(seed, 99))
		mem := ledger.NewMemory(iog.NewManualClock(t0))
		file := openFile(t, filepath.Join(t.TempDir(), "ledger"))
		both := []ledger.Ledger{mem, file}
		accounts := []iog.WalletAddress{wallet(1), wallet(2), wallet(3), wallet(4), wallet(5)}
		var holds []string
		minted := map[iog.Currency]int64{}
		burned := map[iog.Currency]int64{}
		for i := range 250 {
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
			before := snapshot(t, mem, openAccounts(t, mem, accounts)...)
			var errs [2]error
			var entries [2]ledger.Entry
			for j, l := range both {
				entries[j], errs[j] = l.Apply(ctx, op)
			}
			require.Equal(t, errs[0] == nil, errs[1] == nil, "op %d %+v: %v / %v", i, op, errs[0], errs[1])
			if errs[0] != nil {
				require.Equal(t, before, snapshot(t, mem, openAccounts(t, mem, accounts)...), "failed op %d changed the state", i)
			} else {
				require.Equal(t, entries[0].Balances, entries[1].Balances)
				switch op.Kind {
				case ledger.Mint:
					minted[c] += op.Amount.Units()
				case ledger.Burn:
					burned[c] += op.Amount.Units()
				case ledger.Hold:
					holds = append(holds, op.Key)
				}
			}
			open := openAccounts(t, mem, accounts)
			require.Equal(t, snapshot(t, mem, open...), snapshot(t, file, open...))
			for _, c := range currencies {
				supply, err := mem.Supply(ctx, c)
				require.NoError(t, err)
				require.Equal(t, minted[c]-burned[c], supply.Units(), "mint − burn = supply")
				var sum int64
				for _, w := range open {
					bal, err := mem.Balance(ctx, w, c)
					require.NoError(t, err)
					require.GreaterOrEqual(t, bal.Available.Sign(), 0)
					require.GreaterOrEqual(t, bal.Held.Sign(), 0)
					sum += bal.Available.Units() + bal.Held.Units()
				}
				require.Equal(t, supply.Units(), sum, "balances add up to the supply")
			}
		}
		require.NoError(t, file.Verify(ctx))
	}
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

// FuzzDecode feeds arbitrary bytes to the ledger file reader: it must
// never panic, and what it accepts must be numbered and signed. The seeds
// stop short of a fully valid record: under the fuzzer's instrumentation
// the signature checks of a valid ledger are too slow to explore, and
// random mutations cannot forge a hash or a signature anyway; the record
// body decoder is fuzzed on its own (FuzzDecodeBody).
func FuzzDecode(f *testing.F) {
	path := filepath.Join(f.TempDir(), "seed")
	l, err := ledger.OpenFile(ctx, path, ledger.FileConfig{Authority: authority, Clock: iog.NewManualClock(t0)})
	require.NoError(f, err)
	open(f, l, wallet(1))
	apply(f, l, ledger.Op{Kind: ledger.Mint, Key: "m", Reason: "r", To: wallet(1), Amount: io("5")})
	apply(f, l, ledger.Op{Kind: ledger.Hold, Key: "h", Reason: "r", From: wallet(1), Amount: io("2")})
	apply(f, l, ledger.Op{Kind: ledger.Release, Key: "r", Reason: "r", HoldKey: "h", To: wallet(1), Amount: io("2")})
	require.NoError(f, l.Close())
	seed, err := os.ReadFile(path)
	require.NoError(f, err)
	flipped := append([]byte(nil), seed...)
	flipped[60] ^= 1 // in the first record's body: the hash check fails
	f.Add(flipped)
	f.Add(seed[:100]) // a torn first record
	f.Add(seed[:40])
	f.Add([]byte("IOGLEDG1"))
	f.Add([]byte{})
	pub := authority.Public().(ed25519.PublicKey)
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ledger.Decode(data, pub)
		if err != nil {
			return
		}
		for i, e := range entries {
			require.Equal(t, uint64(i+1), e.Seq)
			require.True(t, ed25519.Verify(pub, e.Hash[:], e.Signature))
		}
	})
}

func TestDecode(t *testing.T) {
	path, _ := writeSample(t, 2)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	entries, err := ledger.Decode(data, authority.Public().(ed25519.PublicKey))
	require.NoError(t, err)
	require.Len(t, entries, 5)
	require.Equal(t, transferOp(1), entries[4].Op)
	require.Equal(t, entries[3].Hash, entries[4].Prev)
	_, err = ledger.Decode(data, nil)
	require.ErrorIs(t, err, iog.ErrInvalid)
}
