package refserver_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/sqltest"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
)

// browser is a client with a cookie jar, as a browser has: signing with
// key when it is not nil.
func (e *env) browser(key ed25519.PrivateKey, jar http.CookieJar) *iogsdk.Client {
	c, err := iogsdk.NewClient(iogsdk.ClientConfig{Server: e.url, Key: key, Clock: e.clock, RetryMax: -1,
		HTTPClient: &http.Client{Jar: jar, Timeout: time.Minute}, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(e.t, err)
	return c
}

// signIn signs in as key and returns the session and its cookie's token.
func (e *env) signIn(key ed25519.PrivateKey) (api.Session, string) {
	jar, err := cookiejar.New(nil)
	require.NoError(e.t, err)
	sess, err := e.browser(key, jar).SignIn(ctx)
	require.NoError(e.t, err)
	u, _ := url.Parse(e.url)
	for _, c := range jar.Cookies(u) {
		if c.Name == api.SessionCookie {
			return sess, c.Value
		}
	}
	e.t.Fatalf("signing in set no %s cookie", api.SessionCookie)
	return sess, ""
}

// withSession sends a session's cookie, and csrf in its header when not
// empty.
func withSession(token, csrf string) func(*http.Request) {
	return func(r *http.Request) {
		r.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: token})
		if csrf != "" {
			r.Header.Set(api.CSRFHeader, csrf)
		}
	}
}

// TestSessions: a wallet signs a challenge and its session acts for it,
// on a signed-only route, with the session's CSRF token on mutations, on
// its own devices only; challenges are used once, by their wallet's
// signature, before they expire; sessions end when they expire or are
// signed out.
func TestSessions(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		alice, bob := newSupplier(t, e, 1, "H100-SXM", 1), newSupplier(t, e, 2, "H100-SXM", 1)
		aliceDev, bobDev := alice.register(t), bob.register(t)
		sess, token := e.signIn(alice.key)
		require.Equal(t, walletOf(alice.key), sess.Wallet)
		require.Equal(t, e.clock.Now().Add(30*time.Minute), sess.Expires)
		require.NotEmpty(t, sess.CSRF)

		rename := func(dev iog.DeviceID, name string, prepare func(*http.Request)) (int, api.ErrorBody) {
			body, _ := json.Marshal(api.RenameDeviceRequest{Name: name})
			status, eb, _ := e.raw("PATCH", "/v1/devices/"+string(dev), body, prepare)
			return status, eb
		}
		nameOf := func(dev iog.DeviceID) string {
			d, err := e.client(nil).Device(ctx, dev)
			require.NoError(t, err)
			return d.Name
		}
		// What Alice's signature gets on Bob's device, her session gets.
		body, _ := json.Marshal(api.RenameDeviceRequest{Name: "mine"})
		signedStatus, _ := rename(bobDev.ID, "mine", signWith(alice.key, body, e.clock.Now(), "nonce-bobs-device-0001"))
		require.GreaterOrEqual(t, signedStatus, 400)

		for _, tc := range []struct {
			name    string
			dev     iog.DeviceID
			prepare func(*http.Request)
			status  int
			renamed bool
		}{
			{"cookie and CSRF token", aliceDev.ID, withSession(token, sess.CSRF), http.StatusOK, true},
			{"no CSRF token", aliceDev.ID, withSession(token, ""), http.StatusForbidden, false},
			{"another CSRF token", aliceDev.ID, withSession(token, sess.CSRF[1:]+"A"), http.StatusForbidden, false},
			{"another wallet's device", bobDev.ID, withSession(token, sess.CSRF), signedStatus, false},
			{"a token not issued", aliceDev.ID, withSession(token[1:]+"A", sess.CSRF), http.StatusUnauthorized, false},
			{"no credential", aliceDev.ID, nil, http.StatusUnauthorized, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := nameOf(tc.dev)
				status, eb := rename(tc.dev, "renamed-"+tc.name[:2], tc.prepare)
				require.Equal(t, tc.status, status, "%+v", eb)
				if tc.renamed {
					require.Equal(t, "renamed-"+tc.name[:2], nameOf(tc.dev))
				} else {
					require.Equal(t, before, nameOf(tc.dev))
				}
			})
		}
		var log []store.Audit
		require.NoError(t, e.server.Store().Tx(ctx, func(tx *store.Tx) (err error) {
			log, err = tx.AuditLog(walletOf(alice.key), 2)
			return err
		}))
		require.Len(t, log, 2)
		require.Equal(t, [2]string{"device.rename", "session:" + sess.ID}, [2]string{log[0].Action, log[0].Via})
		require.Equal(t, [2]string{"session.create", "session:" + sess.ID}, [2]string{log[1].Action, log[1].Via})

		// The cookie beside a signature is ignored: the request is Bob's.
		body, _ = json.Marshal(api.RenameDeviceRequest{Name: "bobs"})
		status, _, _ := e.raw("PATCH", "/v1/devices/"+string(bobDev.ID), body, func(r *http.Request) {
			withSession(token, sess.CSRF)(r)
			signWith(bob.key, body, e.clock.Now(), "nonce-cookie-and-sig-01")(r)
		})
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, "bobs", nameOf(bobDev.ID))

		// The session reads as itself, cookie alone; a signed request is
		// not a session.
		status, _, data := e.raw("GET", "/v1/sessions/current", nil, withSession(token, ""))
		require.Equal(t, http.StatusOK, status)
		var got api.Session
		require.NoError(t, json.Unmarshal(data, &got))
		require.Equal(t, sess, got)
		_, err := e.client(alice.key).Session(ctx)
		require.ErrorIs(t, err, iog.ErrUnauthorized)

		// A signed-only read: the wallet's API keys, none.
		status, _, data = e.raw("GET", "/v1/api-keys", nil, withSession(token, ""))
		require.Equal(t, http.StatusOK, status, "%s", data)
		require.JSONEq(t, `{"keys":null}`, string(data))

		// Sessions expire: "sign in again", and the cookie is cleared.
		e.clock.Advance(30 * time.Minute)
		status, eb, _ := e.raw("GET", "/v1/sessions/current", nil, withSession(token, ""))
		require.Equal(t, http.StatusUnauthorized, status)
		require.Contains(t, eb.Error.Message, "sign in again")
		resp, err := http.Get(e.url + "/v1/devices/" + string(aliceDev.ID) + "/rentals")
		require.NoError(t, err)
		resp.Body.Close()
		require.Empty(t, resp.Cookies(), "a request without the cookie has none to clear")
		req, _ := http.NewRequest("GET", e.url+"/v1/sessions/current", nil)
		withSession(token, "")(req)
		resp, err = http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Len(t, resp.Cookies(), 1)
		require.Equal(t, [2]any{api.SessionCookie, -1}, [2]any{resp.Cookies()[0].Name, resp.Cookies()[0].MaxAge}, "the stale cookie is cleared")
		status, eb = rename(aliceDev.ID, "late", withSession(token, sess.CSRF))
		require.Equal(t, http.StatusUnauthorized, status)
		require.Contains(t, eb.Error.Message, "expired")
	})
}

// TestSignInChallenges: a challenge is used once, by its wallet's
// signature of its message, before it expires; a refused sign-in leaves
// it as it was. Signing out ends the session and clears its cookie; the
// prune loop forgets expired challenges and sessions.
func TestSignInChallenges(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		alice, bob := walletKey(1), walletKey(2)
		challenge := func() api.SessionChallenge {
			ch, err := e.client(nil).SessionChallenge(ctx, walletOf(alice))
			require.NoError(t, err)
			u, _ := url.Parse(e.url)
			require.Equal(t, api.SignInMessage(u.Host, walletOf(alice), ch.Nonce, ch.Expires), ch.Message)
			return ch
		}
		// signIn returns the status, the error and the cookies set.
		signIn := func(req api.SessionRequest) (int, api.ErrorBody, []*http.Cookie) {
			body, _ := json.Marshal(req)
			resp, err := http.Post(e.url+"/v1/sessions", "application/json", bytes.NewReader(body))
			require.NoError(t, err)
			defer resp.Body.Close()
			var eb api.ErrorBody
			if resp.StatusCode >= 300 {
				require.NoError(t, json.NewDecoder(resp.Body).Decode(&eb))
			}
			return resp.StatusCode, eb, resp.Cookies()
		}
		ch := challenge()
		signed := func(key ed25519.PrivateKey, wallet iog.WalletAddress, ch api.SessionChallenge) api.SessionRequest {
			return api.SessionRequest{Wallet: wallet, Nonce: ch.Nonce, Signature: ed25519.Sign(key, []byte(ch.Message))}
		}
		for _, tc := range []struct {
			name string
			req  api.SessionRequest
		}{
			{"Bob's signature as Alice", signed(bob, walletOf(alice), ch)},
			{"Bob's signature as Bob", signed(bob, walletOf(bob), ch)},
			{"Alice's signature as Bob", signed(alice, walletOf(bob), ch)},
			{"another message", api.SessionRequest{Wallet: walletOf(alice), Nonce: ch.Nonce, Signature: ed25519.Sign(alice, []byte(ch.Message+" "))}},
			{"an unknown nonce", signed(alice, walletOf(alice), api.SessionChallenge{Nonce: "nonce-never-handed-out", Message: ch.Message})},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, eb, set := signIn(tc.req)
				require.Equal(t, http.StatusUnauthorized, status, "%+v", eb)
				require.Empty(t, set)
			})
		}
		// The refusals left the challenge usable, once.
		status, eb, set := signIn(signed(alice, walletOf(alice), ch))
		require.Equal(t, http.StatusCreated, status, "%+v", eb)
		require.Len(t, set, 1)
		require.Equal(t, api.SessionCookie, set[0].Name)
		require.Equal(t, [4]any{true, http.SameSiteStrictMode, "/", 30 * 60}, [4]any{set[0].HttpOnly, set[0].SameSite, set[0].Path, set[0].MaxAge})
		require.False(t, set[0].Secure, "a Secure cookie on plain HTTP")
		status, eb, _ = signIn(signed(alice, walletOf(alice), ch))
		require.Equal(t, http.StatusUnauthorized, status)
		require.Contains(t, eb.Error.Message, "used")

		// A challenge expires.
		late := challenge()
		e.clock.Advance(5 * time.Minute)
		status, eb, _ = signIn(signed(alice, walletOf(alice), late))
		require.Equal(t, http.StatusUnauthorized, status)
		require.Contains(t, eb.Error.Message, "expired")

		// Signing out needs the CSRF token, ends the session and clears
		// the cookie.
		jar, err := cookiejar.New(nil)
		require.NoError(t, err)
		sess, err := e.browser(alice, jar).SignIn(ctx)
		require.NoError(t, err)
		page := e.browser(nil, jar)
		got, err := page.Session(ctx)
		require.NoError(t, err)
		require.Equal(t, sess, got)
		_, err = page.SignOut(ctx, "")
		require.ErrorIs(t, err, iog.ErrForbidden)
		u, _ := url.Parse(e.url)
		cookies := jar.Cookies(u)
		require.Len(t, cookies, 1)
		ended, err := page.SignOut(ctx, sess.CSRF)
		require.NoError(t, err)
		require.Equal(t, sess.ID, ended.ID)
		require.Empty(t, jar.Cookies(u))
		status, eb, _ = e.raw("GET", "/v1/sessions/current", nil, withSession(cookies[0].Value, ""))
		require.Equal(t, http.StatusUnauthorized, status)
		require.Contains(t, eb.Error.Message, "signed out")
		_, err = page.Session(ctx)
		require.ErrorIs(t, err, iog.ErrUnauthorized)

		// Pruned once expired: the challenges, the sessions.
		count := func(table string) int {
			var n int
			require.NoError(t, e.server.Store().DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n))
			return n
		}
		challenge()
		require.Equal(t, 2, count("session_challenges"))
		require.Equal(t, 2, count("sessions"))
		e.clock.Advance(time.Second)
		require.NoError(t, e.server.Prune(ctx))
		require.Equal(t, 1, count("session_challenges"))
		e.clock.Advance(31 * time.Minute)
		require.NoError(t, e.server.Prune(ctx))
		require.Equal(t, 0, count("session_challenges"))
		require.Equal(t, 0, count("sessions"))
	})
}

// FuzzSessionCookie sends arbitrary session cookies and CSRF tokens, with
// a live session's among the seeds, to a signed-only mutation: the server
// never fails (5xx) or panics on them, and acts only for the live
// session's own token and CSRF token.
func FuzzSessionCookie(f *testing.F) {
	e := newEnv(f, sqltest.Dialects[0])
	alice := newSupplier(f, e, 1, "H100-SXM", 1)
	device := alice.register(f)
	sess, token := e.signIn(alice.key)
	f.Add(token, sess.CSRF)
	f.Add(token, "")
	f.Add(token[1:], sess.CSRF)
	f.Add("", sess.CSRF)
	f.Add("\x00;=,\"", "\n")
	body := []byte(`{"name":"fuzzed"}`)
	f.Fuzz(func(t *testing.T, cookie, csrf string) {
		if strings.IndexFunc(cookie+csrf, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
			t.Skip("not a header value a client sends")
		}
		e.t = t
		before := auditRows(t, e)
		status, _, data := e.raw("PATCH", "/v1/devices/"+string(device.ID), body, func(r *http.Request) {
			r.Header.Set("Cookie", api.SessionCookie+"="+cookie)
			r.Header.Set(api.CSRFHeader, csrf)
		})
		require.Less(t, status, 500, "cookie %q, CSRF %q: %s", cookie, csrf, data)
		if cookie != token || csrf != sess.CSRF {
			require.GreaterOrEqual(t, status, 400, "cookie %q, CSRF %q acted", cookie, csrf)
			require.Equal(t, before, auditRows(t, e))
		}
	})
}
