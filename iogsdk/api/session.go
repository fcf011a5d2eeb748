package api

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/internetofgpus/iog"
)

// A web session: a browser signs in by signing a challenge (SignInMessage)
// with the wallet's key, once, in the page, and then carries the session's
// cookie instead of a signature per request. The key never leaves the
// page; the session is short-lived and bound to that one wallet.
const (
	// SessionCookie is the cookie that carries a session's token:
	// HttpOnly, so no script reads it, and SameSite=Strict, so no other
	// site's page sends it.
	SessionCookie = "iog_session"
	// CSRFHeader carries the session's CSRF token (Session.CSRF) on every
	// mutating request a session makes. A page of another site can
	// neither read the token nor set the header without the server's
	// CORS consent, which it never gives.
	CSRFHeader = "X-IOG-CSRF"
)

// signInTag opens every sign-in message, so that the text a wallet signs
// to sign in cannot be taken for anything else it signs: a request's
// signature covers text opening with "IOG-SIG-1".
const signInTag = "iog sign-in\n"

// SignInMessage is the text a wallet signs to sign in to server (a host
// name, as the browser reaches it) with a challenge's nonce, good until
// expires. The server hands it out and checks the signature over it; a
// client checks that what it is asked to sign is this before signing.
func SignInMessage(server string, wallet iog.WalletAddress, nonce string, expires time.Time) string {
	return signInTag + "server: " + server + "\nwallet: " + wallet.String() + "\nnonce: " + nonce + "\nexpires: " + expires.UTC().Format(time.RFC3339)
}

// SessionChallengeRequest asks for a challenge to sign in as Wallet.
type SessionChallengeRequest struct {
	Wallet iog.WalletAddress `json:"wallet"`
}

// SessionChallenge is what a wallet signs to sign in: Message, exactly
// (its UTF-8 bytes), before Expires, once.
type SessionChallenge struct {
	Wallet  iog.WalletAddress `json:"wallet"`
	Nonce   string            `json:"nonce"`
	Message string            `json:"message"`
	Expires time.Time         `json:"expires"`
}

// NewSessionChallenge returns a challenge for wallet to sign in to server
// at now, good for ttl, its nonce from random.
func NewSessionChallenge(random io.Reader, server string, wallet iog.WalletAddress, now time.Time, ttl time.Duration) (SessionChallenge, error) {
	nonce, err := randomToken(random, 24)
	if err != nil {
		return SessionChallenge{}, fmt.Errorf("sign-in challenge: %w", err)
	}
	// Whole seconds: the message says the time to the second, and the
	// challenge must end when it says.
	expires := now.Add(ttl).UTC().Truncate(time.Second)
	return SessionChallenge{Wallet: wallet, Nonce: nonce, Message: SignInMessage(server, wallet, nonce, expires), Expires: expires}, nil
}

// SessionRequest signs in: the wallet's ed25519 signature of the
// challenge's Message.
type SessionRequest struct {
	Wallet    iog.WalletAddress `json:"wallet"`
	Nonce     string            `json:"nonce"`
	Signature []byte            `json:"signature"`
}

// Check refuses a request that cannot be a signature of a challenge.
func (r SessionRequest) Check() error {
	if r.Wallet.IsZero() {
		return fmt.Errorf("sign in: no wallet: %w", iog.ErrInvalid)
	}
	if err := checkNonce(r.Nonce); err != nil {
		return fmt.Errorf("sign in: %v: %w", err, iog.ErrInvalid)
	}
	if len(r.Signature) != 64 {
		return fmt.Errorf("sign in: a signature of %d bytes, not an ed25519 signature's 64: %w", len(r.Signature), iog.ErrInvalid)
	}
	return nil
}

// Session is a signed-in web session. Its token travels only in the
// SessionCookie; CSRF goes in the CSRFHeader of its mutating requests.
type Session struct {
	// ID names the session in the wallet's audit log ("session:" and the
	// ID); it is not the token.
	ID      string            `json:"id"`
	Wallet  iog.WalletAddress `json:"wallet"`
	Created time.Time         `json:"created"`
	Expires time.Time         `json:"expires"`
	CSRF    string            `json:"csrf"`
}

// NewSessionToken returns a new session's token from random (the cookie's
// value, given once), its public ID, and the hash the server stores in
// place of the token.
func NewSessionToken(random io.Reader) (token, id string, hash [32]byte, err error) {
	if token, err = randomToken(random, 32); err != nil {
		return "", "", hash, fmt.Errorf("new session: %w", err)
	}
	id, hash = sessionHash(token)
	return token, id, hash, nil
}

// ParseSessionToken returns the ID and hash of a session cookie's value;
// one that cannot be a session's token is iog.ErrUnauthorized.
func ParseSessionToken(token string) (id string, hash [32]byte, err error) {
	if b, err := base64.RawURLEncoding.Strict().DecodeString(token); err != nil || len(b) != 32 {
		return "", hash, fmt.Errorf("cookie %s is not a session's token; sign in again: %w", SessionCookie, iog.ErrUnauthorized)
	}
	id, hash = sessionHash(token)
	return id, hash, nil
}

// sessionHash is a token's hash, and its ID: the hash's first 8 bytes,
// which name the session without a way back to its token.
func sessionHash(token string) (string, [32]byte) {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:8]), h
}

// NewCSRFToken returns a session's CSRF token, from random.
func NewCSRFToken(random io.Reader) (string, error) {
	t, err := randomToken(random, 32)
	if err != nil {
		return "", fmt.Errorf("new CSRF token: %w", err)
	}
	return t, nil
}

// randomToken returns n bytes of random in unpadded URL-safe base64.
func randomToken(random io.Reader, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
