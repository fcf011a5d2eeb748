package iog_test

import (
	"crypto/ed25519"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

func testKey(t testing.TB) ed25519.PrivateKey {
	_, key, err := ed25519.GenerateKey(rand.NewChaCha8([32]byte{3}))
	require.NoError(t, err)
	return key
}

func TestSolanaKeypair(t *testing.T) {
	authority := testKey(t)
	key, err := iog.ParseSolanaKeypair(iog.MarshalSolanaKeypair(authority))
	require.NoError(t, err)
	require.Equal(t, authority, key)
	bad := iog.MarshalSolanaKeypair(authority)
	bad[len(bad)-2] ^= 1 // change the last digit of the public key
	_, err = iog.ParseSolanaKeypair(bad)
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = iog.ParseSolanaKeypair(append(iog.MarshalSolanaKeypair(authority), " \n"...))
	require.NoError(t, err, "whitespace may follow the array")
	for _, tail := range []string{"]", "}", " ]", "x", "[1]"} {
		_, err = iog.ParseSolanaKeypair(append(iog.MarshalSolanaKeypair(authority), tail...))
		require.ErrorIs(t, err, iog.ErrInvalid, "data after the array: %q", tail)
	}
}

func FuzzParseSolanaKeypair(f *testing.F) {
	f.Add(iog.MarshalSolanaKeypair(testKey(f)))
	f.Add([]byte("[1,2,3]"))
	f.Add([]byte(`{"a":1}`))
	f.Add([]byte("[" + "300" + "]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		key, err := iog.ParseSolanaKeypair(data)
		if err != nil {
			require.ErrorIs(t, err, iog.ErrInvalid)
			return
		}
		again, err := iog.ParseSolanaKeypair(iog.MarshalSolanaKeypair(key))
		require.NoError(t, err)
		require.Equal(t, key, again)
	})
}
