package api_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

var update = flag.Bool("update", false, "rewrite the test vectors in testdata")

// signInVector is a sign-in signature as Go makes it, which the web
// page's signing (refserver/web/static/signin_test.mjs) must make too.
type signInVector struct {
	// Keypair is a Solana CLI keypair file's numbers: seed, then public key.
	Keypair []int             `json:"keypair"`
	Wallet  iog.WalletAddress `json:"wallet"`
	// Server, Nonce and Expires are what the message is made of.
	Server    string    `json:"server"`
	Nonce     string    `json:"nonce"`
	Expires   time.Time `json:"expires"`
	Message   string    `json:"message"`
	Signature []byte    `json:"signature"`
}

// TestSignInVector holds testdata/signin_vector.json to what Go signs:
// the node test of the page's signing reads it.
func TestSignInVector(t *testing.T) {
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	w, err := iog.WalletAddressOf(key.Public().(ed25519.PublicKey))
	require.NoError(t, err)
	v := signInVector{Wallet: w, Server: "127.0.0.1:8420", Nonce: "nonce-0123456789abcdef", Expires: now.Add(5 * time.Minute)}
	v.Message = api.SignInMessage(v.Server, w, v.Nonce, v.Expires)
	for _, b := range key {
		v.Keypair = append(v.Keypair, int(b))
	}
	v.Signature = ed25519.Sign(key, []byte(v.Message))
	want, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	want = append(want, '\n')
	path := filepath.Join("testdata", "signin_vector.json")
	if *update {
		require.NoError(t, os.WriteFile(path, want, 0o644))
	}
	got, err := os.ReadFile(path)
	require.NoError(t, err, "go test -run TestSignInVector -update writes it")
	require.Equal(t, string(want), string(got))
}

func TestSignInMessage(t *testing.T) {
	w := iog.WalletAddress{1, 2, 3}
	require.Equal(t, "iog sign-in\nserver: iog.example:8420\nwallet: "+w.String()+"\nnonce: nonce-0123456789abcdef\nexpires: 2026-06-01T12:05:00Z",
		api.SignInMessage("iog.example:8420", w, "nonce-0123456789abcdef", now.Add(5*time.Minute).In(time.FixedZone("CET", 3600))))
	ch, err := api.NewSessionChallenge(rand.Reader, "iog.example", w, now.Add(1500*time.Millisecond), time.Minute)
	require.NoError(t, err)
	require.Equal(t, now.Add(61*time.Second), ch.Expires, "whole seconds, as the message says")
	require.Equal(t, api.SignInMessage("iog.example", w, ch.Nonce, ch.Expires), ch.Message)
	require.NoError(t, api.SessionRequest{Wallet: w, Nonce: ch.Nonce, Signature: make([]byte, 64)}.Check())
}

func TestSessionToken(t *testing.T) {
	token, id, hash, err := api.NewSessionToken(rand.Reader)
	require.NoError(t, err)
	gotID, gotHash, err := api.ParseSessionToken(token)
	require.NoError(t, err)
	require.Equal(t, id, gotID)
	require.True(t, api.SameHash(hash, gotHash))
	for _, bad := range []string{"", token[1:], token + "A", token[:42] + "+", "iogk_" + token} {
		_, _, err := api.ParseSessionToken(bad)
		require.ErrorIs(t, err, iog.ErrUnauthorized, bad)
	}
}

func FuzzParseSessionToken(f *testing.F) {
	token, _, _, _ := api.NewSessionToken(rand.Reader)
	f.Add(token)
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		id, _, err := api.ParseSessionToken(s)
		if err == nil {
			require.Len(t, id, 16)
		}
	})
}
