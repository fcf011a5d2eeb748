package ledger_test

import (
	"crypto/ed25519"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

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
