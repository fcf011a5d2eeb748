package iog_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

func TestParseIDs(t *testing.T) {
	valid := []string{"GPU-5d0d2a6c-1b8f-4b7e-9d8a-0c1e2f3a4b5c", "a", "render:node.42_x", strings.Repeat("z", 128)}
	for _, s := range valid {
		d, err := iog.ParseDeviceID(s)
		require.NoError(t, err)
		require.Equal(t, iog.DeviceID(s), d)
		w, err := iog.ParseWorkerID(s)
		require.NoError(t, err)
		require.Equal(t, iog.WorkerID(s), w)
		c, err := iog.ParseClusterID(s)
		require.NoError(t, err)
		require.Equal(t, iog.ClusterID(s), c)
		j, err := iog.ParseJobID(s)
		require.NoError(t, err)
		require.Equal(t, iog.JobID(s), j)
	}
	for in, msg := range map[string]string{
		"":                       "device ID is empty",
		strings.Repeat("z", 129): "129 bytes long, more than 128",
		"-abc":                   "must start with a letter or a digit",
		"a b":                    `has ' ' at byte 1`,
		"a/b":                    `has '/' at byte 1`,
		"ab\n":                   `has '\n' at byte 2`,
		"é":                      "must start with a letter or a digit",
	} {
		_, err := iog.ParseDeviceID(in)
		require.ErrorIs(t, err, iog.ErrInvalid, in)
		require.ErrorContains(t, err, msg, in)
	}
	_, err := iog.ParseJobID("")
	require.ErrorContains(t, err, "job ID is empty")
}

func TestNewIDs(t *testing.T) {
	seeded := func() *rand.ChaCha8 { return rand.NewChaCha8([32]byte{1}) }
	a, err := iog.NewDeviceID(seeded())
	require.NoError(t, err)
	b, err := iog.NewDeviceID(seeded())
	require.NoError(t, err)
	require.Equal(t, a, b, "same seed, same ID")
	require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, string(a))
	_, err = iog.ParseDeviceID(string(a))
	require.NoError(t, err)

	src := seeded()
	seen := map[string]bool{}
	for range 1000 {
		w, err := iog.NewWorkerID(src)
		require.NoError(t, err)
		c, err := iog.NewClusterID(src)
		require.NoError(t, err)
		j, err := iog.NewJobID(src)
		require.NoError(t, err)
		for _, s := range []string{string(w), string(c), string(j)} {
			require.False(t, seen[s])
			seen[s] = true
		}
	}

	boom := errors.New("entropy exhausted")
	_, err = iog.NewClusterID(failingReader{boom})
	require.ErrorIs(t, err, boom)
	require.ErrorContains(t, err, "new cluster ID")
	_, err = iog.NewJobID(bytes.NewReader(make([]byte, 15)))
	require.Error(t, err)
}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

func TestWalletAddress(t *testing.T) {
	for _, tt := range []struct {
		in    string
		first byte
	}{
		{"11111111111111111111111111111111", 0}, // the System Program: all zeros
		{"TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", 0x06},
	} {
		w, err := iog.ParseWalletAddress(tt.in)
		require.NoError(t, err)
		require.Equal(t, tt.first, w[0])
		require.Equal(t, tt.in, w.String())
	}
	zero, err := iog.ParseWalletAddress("11111111111111111111111111111111")
	require.NoError(t, err)
	require.True(t, zero.IsZero())

	pub, _, err := ed25519.GenerateKey(rand.NewChaCha8([32]byte{2}))
	require.NoError(t, err)
	w, err := iog.WalletAddressOf(pub)
	require.NoError(t, err)
	require.False(t, w.IsZero())
	require.Equal(t, pub, w.PublicKey())
	parsed, err := iog.ParseWalletAddress(w.String())
	require.NoError(t, err)
	require.Equal(t, w, parsed)

	text, err := w.MarshalText()
	require.NoError(t, err)
	var back iog.WalletAddress
	require.NoError(t, back.UnmarshalText(text))
	require.Equal(t, w, back)
	require.ErrorIs(t, back.UnmarshalText([]byte("nope")), iog.ErrInvalid)
	require.Equal(t, w, back, "a failed decode must not change the value")

	_, err = iog.WalletAddressOf(pub[:31])
	require.ErrorIs(t, err, iog.ErrInvalid)
}

func TestWalletAddressRejects(t *testing.T) {
	for in, msg := range map[string]string{
		"": "want 32 to 44 base58 characters",
		"TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA12": "want 32 to 44",
		"0okenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA":   "not base58",
		"OokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA":   "not base58",
		"Tokenkeg": "decodes to 6 bytes",
		"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz": "decodes to 33 bytes",
	} {
		_, err := iog.ParseWalletAddress(in)
		require.ErrorIs(t, err, iog.ErrInvalid, in)
		require.ErrorContains(t, err, msg, in)
	}
}

func FuzzParseIDs(f *testing.F) {
	for _, s := range []string{"TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", "GPU-1", "", "a b", "11111111111111111111111111111111"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if w, err := iog.ParseWalletAddress(s); err == nil {
			again, err := iog.ParseWalletAddress(w.String())
			require.NoError(t, err)
			require.Equal(t, w, again)
		} else {
			require.ErrorIs(t, err, iog.ErrInvalid)
		}
		if d, err := iog.ParseDeviceID(s); err == nil {
			require.Equal(t, s, string(d))
		} else {
			require.ErrorIs(t, err, iog.ErrInvalid)
		}
	})
}
