package api_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

var (
	now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	key = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))
)

func signed(t testing.TB, method, target string, body []byte) *http.Request {
	r, err := http.NewRequest(method, "http://server"+target, bytes.NewReader(body))
	require.NoError(t, err)
	require.NoError(t, api.Sign(r, body, key, now, "nonce-0123456789abcdef"))
	return r
}

func TestSignVerify(t *testing.T) {
	body := []byte(`{"gpu_count":8}`)
	r := signed(t, "POST", "/v1/clusters?dry_run=1", body)
	s, err := api.Verify(r, body, now.Add(time.Minute))
	require.NoError(t, err)
	w, _ := iog.WalletAddressOf(key.Public().(ed25519.PublicKey))
	require.Equal(t, api.Signed{Wallet: w, Nonce: "nonce-0123456789abcdef", Time: now}, s)

	for _, tt := range []struct {
		name   string
		change func(r *http.Request) []byte
	}{
		{"body", func(*http.Request) []byte { return []byte(`{"gpu_count":9}`) }},
		{"method", func(r *http.Request) []byte { r.Method = "PUT"; return body }},
		{"path", func(r *http.Request) []byte { r.URL.Path = "/v1/clusterz"; return body }},
		{"query", func(r *http.Request) []byte { r.URL.RawQuery = "dry_run=0"; return body }},
		{"nonce", func(r *http.Request) []byte { r.Header.Set(api.NonceHeader, "nonce-0123456789abcdeF"); return body }},
		{"timestamp", func(r *http.Request) []byte {
			r.Header.Set(api.TimestampHeader, "1780315201")
			return body
		}},
		{"wallet", func(r *http.Request) []byte {
			r.Header.Set(api.WalletHeader, "11111111111111111111111111111112")
			return body
		}},
		{"signature", func(r *http.Request) []byte { r.Header.Set(api.SignatureHeader, "AAAA"); return body }},
		{"short nonce", func(r *http.Request) []byte { r.Header.Set(api.NonceHeader, "short"); return body }},
		{"no wallet", func(r *http.Request) []byte { r.Header.Del(api.WalletHeader); return body }},
	} {
		r := signed(t, "POST", "/v1/clusters?dry_run=1", body)
		b := tt.change(r)
		_, err := api.Verify(r, b, now)
		require.ErrorIs(t, err, iog.ErrUnauthorized, tt.name)
	}
	_, err = api.Verify(signed(t, "POST", "/v1/x", body), body, now.Add(api.MaxClockSkew+time.Second))
	require.ErrorIs(t, err, iog.ErrExpired)
	require.ErrorIs(t, err, iog.ErrUnauthorized)
	_, err = api.Verify(signed(t, "POST", "/v1/x", body), body, now.Add(-api.MaxClockSkew-time.Second))
	require.ErrorIs(t, err, iog.ErrExpired)
}

// FuzzVerify feeds arbitrary headers and bodies to the verifier: it never
// panics, and accepts nothing it did not see signed.
func FuzzVerify(f *testing.F) {
	body := []byte(`{"name":"ci"}`)
	r := signed(f, "POST", "/v1/api-keys", body)
	f.Add(r.Header.Get(api.WalletHeader), r.Header.Get(api.TimestampHeader), r.Header.Get(api.NonceHeader), r.Header.Get(api.SignatureHeader), body)
	f.Add("", "", "", "", []byte{})
	f.Add("1", "-1", strings.Repeat("a", 65), "====", []byte("x"))
	f.Fuzz(func(t *testing.T, wallet, ts, nonce, sig string, body []byte) {
		r, err := http.NewRequest("POST", "http://server/v1/api-keys", nil)
		require.NoError(t, err)
		r.Header.Set(api.WalletHeader, wallet)
		r.Header.Set(api.TimestampHeader, ts)
		r.Header.Set(api.NonceHeader, nonce)
		r.Header.Set(api.SignatureHeader, sig)
		s, err := api.Verify(r, body, now)
		if err == nil {
			raw, err := base64.StdEncoding.DecodeString(sig)
			require.NoError(t, err)
			require.True(t, ed25519.Verify(s.Wallet.PublicKey(), api.Canonical("POST", "/v1/api-keys", body, s.Time.Unix(), s.Nonce), raw))
		}
	})
}

func TestAPIKeyParse(t *testing.T) {
	token, id, hash, err := api.NewAPIKey(rand.Reader)
	require.NoError(t, err)
	gotID, gotHash, err := api.ParseAPIKey(token)
	require.NoError(t, err)
	require.Equal(t, id, gotID)
	require.True(t, api.SameHash(hash, gotHash))
	for _, bad := range []string{"", "iogk_", "iogk_zzzzzzzzzzzzzzzz_" + strings.Repeat("a", 43), token[:len(token)-1], "xxxx" + token[4:]} {
		_, _, err := api.ParseAPIKey(bad)
		require.ErrorIs(t, err, iog.ErrUnauthorized, "%q", bad)
	}
	_, err = api.ParseScopes([]string{"read", "deploy"})
	require.NoError(t, err)
	_, err = api.ParseScopes(nil)
	require.ErrorIs(t, err, iog.ErrInvalid)
}

// FuzzParseAPIKey: the key parser never panics on any header value.
func FuzzParseAPIKey(f *testing.F) {
	token, _, _, _ := api.NewAPIKey(rand.Reader)
	f.Add(token)
	f.Add("iogk_0123456789abcdef_")
	f.Fuzz(func(t *testing.T, s string) {
		id, _, err := api.ParseAPIKey(s)
		if err == nil {
			require.Len(t, id, 16)
		}
	})
}
