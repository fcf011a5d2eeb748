package refserver_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/sqltest"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver"
)

// raw sends a request by hand: body, and headers set by prepare (which
// may sign it), without the client's retries.
func (e *env) raw(method, path string, body []byte, prepare func(*http.Request)) (int, api.ErrorBody, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	require.NoError(e.t, err)
	if prepare != nil {
		prepare(req)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	var eb api.ErrorBody
	if resp.StatusCode >= 300 {
		require.NoError(e.t, json.Unmarshal(data, &eb), "%s", data)
	}
	return resp.StatusCode, eb, data
}

func signWith(key ed25519.PrivateKey, body []byte, at time.Time, nonce string) func(*http.Request) {
	return func(r *http.Request) {
		if err := api.Sign(r, body, key, at, nonce); err != nil {
			panic(err)
		}
	}
}

func keyCount(e *env, key ed25519.PrivateKey) int {
	keys, err := e.client(key).APIKeys(ctx)
	require.NoError(e.t, err)
	return len(keys)
}

// TestSignedRequests: unsigned, forged, tampered, replayed and stale
// requests are refused and change nothing; a good one acts once.
func TestSignedRequests(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		alice, mallory := walletKey(1), walletKey(2)
		body := []byte(`{"name":"ci","scopes":["read"],"ttl":"24h"}`)
		nonce := "nonce-0123456789abcdef"

		status, eb, _ := e.raw("POST", "/v1/api-keys", body, nil)
		require.Equal(t, http.StatusUnauthorized, status)
		require.Equal(t, api.KindUnauthorized, eb.Error.Kind)
		require.Contains(t, eb.Error.Message, "signature")

		// Mallory's signature under Alice's address.
		status, _, _ = e.raw("POST", "/v1/api-keys", body, func(r *http.Request) {
			signWith(mallory, body, e.clock.Now(), nonce)(r)
			r.Header.Set(api.WalletHeader, walletOf(alice).String())
		})
		require.Equal(t, http.StatusUnauthorized, status)

		// Alice's signature over another body.
		status, _, _ = e.raw("POST", "/v1/api-keys", body, signWith(alice, []byte(`{"name":"other","scopes":["read"],"ttl":"24h"}`), e.clock.Now(), nonce))
		require.Equal(t, http.StatusUnauthorized, status)

		// Stale, and from the future.
		for _, skew := range []time.Duration{-6 * time.Minute, 6 * time.Minute} {
			status, eb, _ = e.raw("POST", "/v1/api-keys", body, signWith(alice, body, e.clock.Now().Add(skew), nonce+"x"))
			require.Equal(t, http.StatusUnauthorized, status)
			require.Contains(t, eb.Error.Message, "server's clock")
		}
		require.Zero(t, keyCount(e, alice), "no refused request made a key")

		// A good request acts; the same bytes again are a replay.
		status, _, _ = e.raw("POST", "/v1/api-keys", body, signWith(alice, body, e.clock.Now(), nonce))
		require.Equal(t, http.StatusCreated, status)
		status, eb, _ = e.raw("POST", "/v1/api-keys", body, signWith(alice, body, e.clock.Now(), nonce))
		require.Equal(t, http.StatusUnauthorized, status)
		require.Contains(t, eb.Error.Message, "replayed")
		require.Equal(t, 1, keyCount(e, alice))

		// A refused request's nonce is spent too: replayed once the
		// request would succeed, it is still refused.
		bad := []byte(`{"name":"","scopes":["read"],"ttl":"24h"}`)
		failNonce := "nonce-fail-0123456789"
		status, _, _ = e.raw("POST", "/v1/api-keys", bad, signWith(alice, bad, e.clock.Now(), failNonce))
		require.Equal(t, http.StatusBadRequest, status)
		status, _, _ = e.raw("POST", "/v1/api-keys", bad, signWith(alice, bad, e.clock.Now(), failNonce))
		require.Equal(t, http.StatusUnauthorized, status)
	})
}

// TestIdempotency: a retry with the same key is answered with the first
// response and acts once; the key on another body is a conflict.
func TestIdempotency(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		alice := walletKey(1)
		body := []byte(`{"name":"ci","scopes":["read"],"ttl":"24h"}`)
		send := func(body []byte, nonce string) (int, []byte) {
			status, _, data := e.raw("POST", "/v1/api-keys", body, func(r *http.Request) {
				r.Header.Set(api.IdempotencyHeader, "create-ci-key")
				signWith(alice, body, e.clock.Now(), nonce)(r)
			})
			return status, data
		}
		s1, first := send(body, "nonce-aaaaaaaaaaaaaaaa")
		require.Equal(t, http.StatusCreated, s1)
		s2, second := send(body, "nonce-bbbbbbbbbbbbbbbb")
		require.Equal(t, http.StatusCreated, s2)
		require.Equal(t, first, second, "the retry gets the first answer, token included")
		require.Equal(t, 1, keyCount(e, alice))
		s3, _ := send([]byte(`{"name":"other","scopes":["read"],"ttl":"24h"}`), "nonce-cccccccccccccccc")
		require.Equal(t, http.StatusConflict, s3)
		require.Equal(t, 1, keyCount(e, alice))
	})
}

// TestAPIKeys: a key reaches what its scopes allow, never the wallet's
// signed-only routes, and nothing once revoked or expired.
func TestAPIKeys(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		alice, bob := walletKey(1), walletKey(3)
		minted, err := e.client(alice).CreateAPIKey(ctx, "ci", []api.Scope{api.ScopeRead}, 48*time.Hour)
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(minted.Token, "iogk_"))
		require.Equal(t, []api.Scope{api.ScopeRead}, minted.Key.Scopes)

		_, err = e.keyClient(minted.Token).APIKeys(ctx)
		require.ErrorIs(t, err, iog.ErrForbidden, "listing keys needs the wallet's signature")
		_, err = e.keyClient(minted.Token).CreateAPIKey(ctx, "more", []api.Scope{api.ScopeDeploy}, time.Hour)
		require.ErrorIs(t, err, iog.ErrForbidden, "a key cannot mint keys")
		wrong := []byte(minted.Token)
		wrong[len(wrong)-3] ^= 1 // another letter of the secret
		_, err = e.keyClient(string(wrong)).APIKeys(ctx)
		require.ErrorIs(t, err, iog.ErrUnauthorized, "a wrong secret")

		_, err = e.client(bob).RevokeAPIKey(ctx, minted.Key.ID)
		require.ErrorIs(t, err, iog.ErrNotFound, "another wallet's key is not Bob's to revoke")
		revoked, err := e.client(alice).RevokeAPIKey(ctx, minted.Key.ID)
		require.NoError(t, err)
		require.NotNil(t, revoked.Revoked)
		keys, err := e.client(alice).APIKeys(ctx)
		require.NoError(t, err)
		require.Len(t, keys, 1)
		require.NotNil(t, keys[0].Revoked)

		for i, tt := range []struct {
			body string
			kind api.Kind
		}{
			{`{"name":"x","scopes":["root"],"ttl":"1h"}`, api.KindInvalid},
			{`{"name":"x","scopes":["read","read"],"ttl":"1h"}`, api.KindInvalid},
			{`{"name":"x","scopes":["read"],"ttl":"9000h"}`, api.KindInvalid},
			{`{"name":"x","scopes":["read"],"ttl":"1h","admin":true}`, api.KindInvalid},
			{`{"name":"x","scopes":["read"],"ttl":"1h"} {}`, api.KindInvalid},
			{`[` + strings.Repeat(`[`, 100) + strings.Repeat(`]`, 100) + `]`, api.KindInvalid},
			{`{"name":"` + strings.Repeat("x", 2<<20) + `"}`, api.KindTooLarge},
		} {
			body := []byte(tt.body)
			status, eb, _ := e.raw("POST", "/v1/api-keys", body, signWith(alice, body, e.clock.Now(), fmt.Sprintf("nonce-bad-body-%04d", i)))
			require.Equal(t, tt.kind.Status(), status, "%.60s: %s", tt.body, eb.Error.Message)
			require.Equal(t, tt.kind, eb.Error.Kind)
		}
		require.Len(t, mustKeys(t, e, alice), 1, "no bad body made a key")
	})
}

func mustKeys(t *testing.T, e *env, key ed25519.PrivateKey) []api.APIKey {
	keys, err := e.client(key).APIKeys(ctx)
	require.NoError(t, err)
	return keys
}

// TestAccountsArePublic: anyone reads a wallet's balances; an unknown
// wallet is 404, a malformed address 400.
func TestAccountsArePublic(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		_, err := e.client(nil).Account(ctx, walletOf(walletKey(5)))
		require.ErrorIs(t, err, iog.ErrNotFound)
		status, eb, _ := e.raw("GET", "/v1/accounts/not-a-wallet", nil, nil)
		require.Equal(t, http.StatusBadRequest, status, eb.Error.Message)
		status, _, _ = e.raw("GET", "/v1/nothing", nil, nil)
		require.Equal(t, http.StatusNotFound, status)
	})
}

// TestFaucet: a network with a faucet grants each wallet test funds once a
// day; one without refuses.
func TestFaucet(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		_, err := e.client(walletKey(1)).Faucet(ctx)
		require.ErrorIs(t, err, iog.ErrForbidden)
	})
	e := newEnv(t, sqltest.Dialects[0], func(c *refserver.Config) { c.Faucet = true })
	c := e.client(walletKey(1))
	acct, err := c.Faucet(ctx)
	require.NoError(t, err)
	require.Equal(t, iog.MustParseAmount("50000 IO"), acct.Balances[0].Available)
	_, err = c.Faucet(ctx)
	require.ErrorIs(t, err, iog.ErrConflict, "once a day")
	e.clock.Advance(24 * time.Hour)
	acct, err = c.Faucet(ctx)
	require.NoError(t, err)
	require.Equal(t, iog.MustParseAmount("100000 IO"), acct.Balances[0].Available)
	got, err := e.client(nil).Account(ctx, walletOf(walletKey(1)))
	require.NoError(t, err)
	require.Equal(t, acct, got)
}

// TestPrune: the prune loop forgets a signed request's nonce once its
// timestamp is too old to be accepted, and its response once the
// idempotency TTL is over, and nothing before.
func TestPrune(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		count := func(table string) (n int) {
			require.NoError(t, e.server.Store().DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n))
			return n
		}
		_, err := e.client(walletKey(1)).Faucet(ctx)
		require.NoError(t, err)
		require.NoError(t, e.server.Prune(ctx))
		require.Equal(t, 1, count("request_nonces"), "the nonce could still be replayed")
		require.Equal(t, 1, count("idempotency"))
		e.clock.Advance(api.MaxClockSkew + time.Second)
		require.NoError(t, e.server.Prune(ctx))
		require.Zero(t, count("request_nonces"), "its timestamp is too old now")
		require.Equal(t, 1, count("idempotency"), "its retries are answered for a day")
		e.clock.Advance(24 * time.Hour)
		require.NoError(t, e.server.Prune(ctx))
		require.Zero(t, count("idempotency"))
	}, withFaucet)
}

// TestHeartbeatKeepsNoRecord: a heartbeat writes neither an audit row nor
// an idempotency record; one sent again under the same idempotency key
// (signed anew, as the client's retries are) is applied again rather than
// answered from a record, while a faucet grant's retry is answered from
// its record.
func TestHeartbeatKeepsNoRecord(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		count := func(table string) (n int) {
			require.NoError(t, e.server.Store().DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n))
			return n
		}
		alice := newSupplier(t, e, 1, "H100-SXM", 1)
		d := alice.register(t)
		records, audits := count("idempotency"), count("audit_log")
		body := []byte(`{}`)
		for i := range 2 {
			e.clock.Advance(time.Minute)
			status, eb, _ := e.raw("POST", "/v1/devices/"+string(d.ID)+"/heartbeats", body, func(r *http.Request) {
				r.Header.Set(api.IdempotencyHeader, "the-same-key")
				signWith(alice.key, body, e.clock.Now(), fmt.Sprintf("heartbeat-nonce-%04d", i))(r)
			})
			require.Equal(t, http.StatusOK, status, "heartbeat %d: %+v", i, eb)
			got, err := e.client(nil).Device(ctx, d.ID)
			require.NoError(t, err)
			require.Equal(t, e.clock.Now(), got.LastSeen.UTC(), "heartbeat %d is applied", i)
		}
		require.Equal(t, records, count("idempotency"), "no idempotency record")
		require.Equal(t, audits, count("audit_log"), "no audit row")

		faucetBody := []byte(``)
		for i := range 2 {
			status, eb, _ := e.raw("POST", "/v1/faucet", faucetBody, func(r *http.Request) {
				r.Header.Set(api.IdempotencyHeader, "the-faucet-key")
				signWith(alice.key, faucetBody, e.clock.Now(), fmt.Sprintf("faucet-nonce-%04d", i))(r)
			})
			require.Equal(t, http.StatusOK, status, "faucet call %d, the second answered from the record: %+v", i, eb)
		}
		require.Equal(t, records+1, count("idempotency"), "the faucet grant's record")
	}, withFaucet)
}
