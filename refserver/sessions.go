package refserver

import (
	"crypto/ed25519"
	"crypto/subtle"
	"fmt"
	"net/http"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
)

// Web sessions: a browser signs in by signing a challenge with the
// wallet's key in the page, and carries a cookie after that, never the
// key. Sign-in is public (a signature of the challenge is the
// credential) and keeps no idempotency record: a retried challenge is
// another challenge, and a retried sign-in finds its challenge used and
// starts again, for the record would not carry the cookie.
func (s *Server) sessionRoutes() []route {
	return []route{
		{method: "POST", pattern: "/v1/sessions/challenge", access: public, mutates: true, handle: s.createSessionChallenge, summary: "A challenge for a wallet to sign, to sign in with"},
		{method: "POST", pattern: "/v1/sessions", access: public, mutates: true, handle: s.createSession, summary: "Sign in with a signed challenge: a session for its wallet, in a cookie"},
		{method: "GET", pattern: "/v1/sessions/current", access: signedOnly, handle: s.getSession, summary: "The session of the request's cookie"},
		{method: "DELETE", pattern: "/v1/sessions/current", access: signedOnly, mutates: true, handle: s.endSession, summary: "Sign out: end the session of the request's cookie"},
	}
}

// maxHost bounds the host name a challenge names: a DNS name and a port.
const maxHost = 253 + len(":65535")

func (s *Server) createSessionChallenge(c *call) (any, error) {
	var req api.SessionChallengeRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.Wallet.IsZero() {
		return nil, fmt.Errorf("sign-in challenge: no wallet: %w", iog.ErrInvalid)
	}
	if c.r.Host == "" || len(c.r.Host) > maxHost {
		return nil, fmt.Errorf("sign-in challenge: the request's host (%d bytes) is not a host name to name in the message: %w", len(c.r.Host), iog.ErrInvalid)
	}
	ch, err := api.NewSessionChallenge(s.cfg.Random, c.r.Host, req.Wallet, c.now, s.cfg.SessionChallengeTTL)
	if err != nil {
		return nil, err
	}
	if err := c.tx.InsertSessionChallenge(ch); err != nil {
		return nil, err
	}
	c.status = http.StatusCreated
	return ch, nil
}

// createSession signs in: the challenge is used, once, by the signature
// of its wallet. A refusal changes nothing. A wrong signature, or the
// right one under another wallet, leaves the challenge usable until it
// expires: a signature cannot be forged, so the guess costs its sender
// nothing it could gain, and spending the challenge would let anyone who
// learned its nonce cancel the wallet's sign-in.
func (s *Server) createSession(c *call) (any, error) {
	var req api.SessionRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := req.Check(); err != nil {
		return nil, err
	}
	ch, err := c.tx.TakeSessionChallenge(req.Nonce)
	switch {
	case err != nil:
		return nil, err
	case ch.Wallet != req.Wallet:
		return nil, fmt.Errorf("sign in: challenge %s was given to another wallet than %v: %w", req.Nonce, req.Wallet, iog.ErrUnauthorized)
	case !c.now.Before(ch.Expires):
		return nil, fmt.Errorf("sign in: challenge %s expired at %v; ask for another: %w (%w)", req.Nonce, ch.Expires.Format(time.RFC3339), iog.ErrExpired, iog.ErrUnauthorized)
	case !ed25519.Verify(req.Wallet.PublicKey(), []byte(ch.Message), req.Signature):
		return nil, fmt.Errorf("sign in: not %v's signature of challenge %s's message: %w", req.Wallet, req.Nonce, iog.ErrUnauthorized)
	}
	token, id, hash, err := api.NewSessionToken(s.cfg.Random)
	if err != nil {
		return nil, err
	}
	csrf, err := api.NewCSRFToken(s.cfg.Random)
	if err != nil {
		return nil, err
	}
	sess := api.Session{ID: id, Wallet: req.Wallet, Created: c.now, Expires: c.now.Add(s.cfg.SessionTTL), CSRF: csrf}
	if err := c.tx.InsertSession(store.SessionRow{Session: sess, Hash: hash}); err != nil {
		return nil, err
	}
	// The session is who acts from here: the audit row is the wallet's,
	// through it.
	c.who = principal{wallet: req.Wallet, session: sess}
	c.audit("session.create", id, "until "+sess.Expires.Format(time.RFC3339))
	c.cookies = []*http.Cookie{sessionCookie(c.r, token, s.cfg.SessionTTL)}
	c.status = http.StatusCreated
	return sess, nil
}

func (s *Server) getSession(c *call) (any, error) {
	if err := c.who.needSession(c.r); err != nil {
		return nil, err
	}
	return c.who.session, nil
}

// endSession revokes the cookie's session and clears the cookie; it
// answers the session that ended.
func (s *Server) endSession(c *call) (any, error) {
	if err := c.who.needSession(c.r); err != nil {
		return nil, err
	}
	if err := c.tx.RevokeSession(c.who.session.ID, c.now); err != nil {
		return nil, err
	}
	c.audit("session.end", c.who.session.ID, "")
	c.cookies = []*http.Cookie{sessionCookie(c.r, "", 0)}
	return c.who.session, nil
}

// needSession refuses a request about the caller's session made with
// another credential.
func (p principal) needSession(r *http.Request) error {
	if p.session.ID == "" {
		return fmt.Errorf("%s %s is about a web session: send its cookie %s alone, without a signature or an API key: %w", r.Method, r.URL.Path, api.SessionCookie, iog.ErrUnauthorized)
	}
	return nil
}

// authenticateSession checks a session's cookie: a live session, and on
// a mutating request the session's CSRF token in api.CSRFHeader. A
// session may call every route its wallet's signature may, signed-only
// ones too: the wallet proved itself by signing, and the session is
// short-lived.
func (s *Server) authenticateSession(r *http.Request, token string, rt route, now time.Time) (principal, error) {
	id, hash, err := api.ParseSessionToken(token)
	if err != nil {
		return principal{}, err
	}
	var row store.SessionRow
	err = s.store.ReadTx(r.Context(), func(tx *store.Tx) error {
		row, err = tx.Session(id)
		return err
	})
	switch {
	case err != nil && !isNotFound(err):
		return principal{}, err
	case err != nil || !api.SameHash(row.Hash, hash):
		return principal{}, fmt.Errorf("cookie %s is not a session of this server's; sign in again: %w", api.SessionCookie, iog.ErrUnauthorized)
	case row.Revoked != nil:
		return principal{}, fmt.Errorf("session %s was signed out at %v; sign in again: %w", id, row.Revoked.Format(time.RFC3339), iog.ErrUnauthorized)
	case !now.Before(row.Expires):
		return principal{}, fmt.Errorf("session %s expired at %v; sign in again: %w (%w)", id, row.Expires.Format(time.RFC3339), iog.ErrExpired, iog.ErrUnauthorized)
	case rt.mutates && subtle.ConstantTimeCompare([]byte(r.Header.Get(api.CSRFHeader)), []byte(row.CSRF)) != 1:
		return principal{}, fmt.Errorf("%s %s by a session needs header %s: the session's CSRF token, from signing in: %w", rt.method, rt.pattern, api.CSRFHeader, iog.ErrForbidden)
	}
	return principal{wallet: row.Wallet, session: row.Session}, nil
}

// sessionCookie is the cookie of a session's token, living life; no
// token and no life clear the cookie. Secure over TLS: a server on plain
// HTTP (loopback, a demonstration) could not set a Secure cookie.
func sessionCookie(r *http.Request, token string, life time.Duration) *http.Cookie {
	c := &http.Cookie{Name: api.SessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: int(life / time.Second)}
	if life <= 0 {
		c.MaxAge = -1
	}
	return c
}

// clearStaleSession clears the cookie of a request refused for its
// session (expired, signed out, unknown), so that the browser stops
// sending it.
func clearStaleSession(w http.ResponseWriter, r *http.Request, err error) {
	_, noCookie := r.Cookie(api.SessionCookie)
	if noCookie == nil && !api.IsSigned(r) && r.Header.Get(api.APIKeyHeader) == "" && isUnauthorized(err) {
		http.SetCookie(w, sessionCookie(r, "", 0))
	}
}
