package iogsdk

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net/http"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// A web session is a browser's credential; these calls are the same
// protocol from Go. The session's cookie lands in the HTTPClient's Jar,
// when it has one, and counts only on a request with no signature and no
// API key: a Client with no Key sharing that Jar calls as the session.

// SessionChallenge asks for a challenge for wallet to sign in with.
func (c *Client) SessionChallenge(ctx context.Context, wallet iog.WalletAddress) (api.SessionChallenge, error) {
	var out api.SessionChallenge
	err := c.do(ctx, "POST", "/v1/sessions/challenge", api.SessionChallengeRequest{Wallet: wallet}, &out)
	return out, err
}

// CreateSession signs in with a signed challenge. The server sets the
// session's cookie; the answer holds its CSRF token.
func (c *Client) CreateSession(ctx context.Context, req api.SessionRequest) (api.Session, error) {
	var out api.Session
	err := c.do(ctx, "POST", "/v1/sessions", req, &out)
	return out, err
}

// SignIn signs in as the client's wallet: it asks for a challenge, checks
// that it is a sign-in message for this server and wallet (so that the
// key signs nothing else a server hands it), signs it, and creates the
// session.
func (c *Client) SignIn(ctx context.Context) (api.Session, error) {
	if c.cfg.Key == nil {
		return api.Session{}, fmt.Errorf("sign in: the client has no wallet key: %w", iog.ErrInvalid)
	}
	ch, err := c.SessionChallenge(ctx, c.wallet)
	if err != nil {
		return api.Session{}, err
	}
	if ch.Message != api.SignInMessage(c.base.Host, c.wallet, ch.Nonce, ch.Expires) {
		return api.Session{}, fmt.Errorf("sign in: the server's challenge is not a sign-in message for %s and wallet %v; not signing it: %w", c.base.Host, c.wallet, iog.ErrInvalid)
	}
	sig := ed25519.Sign(c.cfg.Key, []byte(ch.Message))
	return c.CreateSession(ctx, api.SessionRequest{Wallet: c.wallet, Nonce: ch.Nonce, Signature: sig})
}

// Session returns the session of the client's cookie.
func (c *Client) Session(ctx context.Context) (api.Session, error) {
	var out api.Session
	err := c.do(ctx, "GET", "/v1/sessions/current", nil, &out)
	return out, err
}

// SignOut ends the session of the client's cookie; csrf is its CSRF
// token (Session.CSRF).
func (c *Client) SignOut(ctx context.Context, csrf string) (api.Session, error) {
	var out api.Session
	err := c.doWith(ctx, "DELETE", "/v1/sessions/current", http.Header{api.CSRFHeader: {csrf}}, nil, &out)
	return out, err
}
