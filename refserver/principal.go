package refserver

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
)

// principal is who made a request: a wallet, by its signature, by one of
// its API keys, or by a web session it signed in to.
type principal struct {
	wallet iog.WalletAddress
	// keyID is the API key's ID, or empty for a signed request.
	keyID  string
	scopes []api.Scope
	// nonce and at are a signed request's.
	nonce string
	at    time.Time
	// session is a session's, its ID empty for another credential.
	session api.Session
}

func (p principal) signed() bool { return !p.wallet.IsZero() && p.keyID == "" && p.session.ID == "" }

// via names the credential, for the audit log.
func (p principal) via() string {
	switch {
	case p.keyID != "":
		return "api-key:" + p.keyID
	case p.session.ID != "":
		return "session:" + p.session.ID
	}
	return "signature"
}

// String identifies the principal for idempotency keys: a wallet's
// signature and each of its keys keep keys apart. A session is its
// wallet's signature here: a page that retries a mutation after signing
// in again (its session expired meanwhile) must find the first answer,
// not act twice, and a session can do whatever a signature can anyway.
func (p principal) String() string {
	if p.keyID != "" {
		return p.wallet.String() + "/" + p.keyID
	}
	return p.wallet.String()
}

// authenticate checks a private request's credential: a signature (which
// may call any private route), an API key (live, with the route's scope,
// and never on a signed-only route), or a web session's cookie (see
// authenticateSession). A cookie beside a signature or an API key is
// ignored: a browser sends its cookie with every request, and a page
// that signs a request means the signature. Public routes read no
// credential: they act for no one.
func (s *Server) authenticate(r *http.Request, body []byte, rt route, now time.Time) (principal, error) {
	if token := r.Header.Get(api.APIKeyHeader); token != "" {
		if api.IsSigned(r) {
			return principal{}, fmt.Errorf("a request carries a signature or an API key, not both: %w", iog.ErrInvalid)
		}
		return s.authenticateKey(r, token, rt, now)
	}
	if !api.IsSigned(r) {
		if cookie, err := r.Cookie(api.SessionCookie); err == nil {
			return s.authenticateSession(r, cookie.Value, rt, now)
		}
		return principal{}, fmt.Errorf("%s %s needs a wallet's signature (headers %s, %s, %s, %s), an API key (%s) or a signed-in session (cookie %s): %w",
			r.Method, r.URL.Path, api.WalletHeader, api.TimestampHeader, api.NonceHeader, api.SignatureHeader, api.APIKeyHeader, api.SessionCookie, iog.ErrUnauthorized)
	}
	signed, err := api.VerifyWithin(r, body, now, s.cfg.MaxClockSkew)
	if err != nil {
		return principal{}, err
	}
	return principal{wallet: signed.Wallet, nonce: signed.Nonce, at: signed.Time}, nil
}

func (s *Server) authenticateKey(r *http.Request, token string, rt route, now time.Time) (principal, error) {
	id, hash, err := api.ParseAPIKey(token)
	if err != nil {
		return principal{}, err
	}
	var k store.APIKeyRow
	err = s.store.Tx(r.Context(), func(tx *store.Tx) error {
		k, err = tx.APIKey(id)
		return err
	})
	switch {
	case err != nil && !isNotFound(err):
		return principal{}, err
	case err != nil || !api.SameHash(k.Hash, hash):
		return principal{}, fmt.Errorf("API key %s is not valid: %w", id, iog.ErrUnauthorized)
	case k.Revoked != nil:
		return principal{}, fmt.Errorf("API key %s was revoked at %v: %w", id, k.Revoked.Format(time.RFC3339), iog.ErrUnauthorized)
	case !now.Before(k.Expires):
		return principal{}, fmt.Errorf("API key %s expired at %v: %w (%w)", id, k.Expires.Format(time.RFC3339), iog.ErrExpired, iog.ErrUnauthorized)
	case rt.access == signedOnly:
		return principal{}, fmt.Errorf("%s %s needs the wallet's own signature; an API key cannot call it: %w", rt.method, rt.pattern, iog.ErrForbidden)
	case !slices.Contains(k.Scopes, rt.scope):
		return principal{}, fmt.Errorf("API key %s has scopes %v; %s %s needs %q: %w", id, k.Scopes, rt.method, rt.pattern, rt.scope, iog.ErrForbidden)
	}
	return principal{wallet: k.Wallet, keyID: k.ID, scopes: k.Scopes}, nil
}

// rememberNonce records the nonce of a signed request that failed, in a
// transaction of its own, so that the request cannot be replayed to act
// later (when, say, funds have arrived). It records nothing for a request
// whose signature did not verify: its nonce is not the wallet's.
func (s *Server) rememberNonce(r *http.Request, who principal, now time.Time) {
	if !who.signed() {
		return
	}
	err := s.store.Tx(r.Context(), func(tx *store.Tx) error {
		return tx.UseNonce(who.wallet, who.nonce, who.at.Add(s.cfg.MaxClockSkew))
	})
	if err != nil && !isUnauthorized(err) {
		s.log.Warn("record the nonce of a refused request", "wallet", who.wallet, "err", err)
	}
}
