package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/errtext"
)

// APIKeyHeader carries an API key instead of a signature, as io.net's own
// API takes X-API-KEY: for scripts and fleets of workers that should not
// hold the wallet's key.
const APIKeyHeader = "X-API-Key"

// Scope is what an API key may do. A key never grants more than its
// wallet could do by signing.
type Scope string

// The scopes.
const (
	// ScopeRead reads the wallet's private views: balances, earnings,
	// clusters, devices.
	ScopeRead Scope = "read"
	// ScopeDeploy quotes, deploys, extends and terminates clusters.
	ScopeDeploy Scope = "deploy"
	// ScopeWorker registers devices and acts for them: heartbeats,
	// proofs, staking for the wallet's devices.
	ScopeWorker Scope = "worker"
)

// Scopes are every scope, in order.
var Scopes = []Scope{ScopeRead, ScopeDeploy, ScopeWorker}

// ParseScopes parses scope names; each must be known and appear once.
func ParseScopes(names []string) ([]Scope, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("scopes: none given: %w", iog.ErrInvalid)
	}
	out := make([]Scope, 0, len(names))
	for _, n := range names {
		s := Scope(n)
		if !slices.Contains(Scopes, s) || slices.Contains(out, s) {
			return nil, fmt.Errorf("scope %q: want each of %v at most once: %w", errtext.Clip(n), Scopes, iog.ErrInvalid)
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out, nil
}

const apiKeyPrefix = "iogk_"

// NewAPIKey returns a new key from random: the token its holder sends
// (shown once), its public ID, and the hash the server stores in place of
// the secret.
func NewAPIKey(random io.Reader) (token, id string, hash [32]byte, err error) {
	var b [8 + 32]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		return "", "", hash, fmt.Errorf("new API key: %w", err)
	}
	id = hex.EncodeToString(b[:8])
	secret := base64.RawURLEncoding.EncodeToString(b[8:])
	return apiKeyPrefix + id + "_" + secret, id, sha256.Sum256([]byte(secret)), nil
}

// ParseAPIKey splits a token into its ID and the hash of its secret.
func ParseAPIKey(token string) (id string, hash [32]byte, err error) {
	rest, ok := strings.CutPrefix(token, apiKeyPrefix)
	id, secret, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || len(id) != 16 || len(secret) != 43 {
		return "", hash, fmt.Errorf("API key is not an iog key (%s…): %w", errtext.Clip(token[:min(len(token), 8)]), iog.ErrUnauthorized)
	}
	if _, err := hex.DecodeString(id); err != nil {
		return "", hash, fmt.Errorf("API key has a bad ID: %w", iog.ErrUnauthorized)
	}
	return id, sha256.Sum256([]byte(secret)), nil
}

// SameHash compares two key hashes in constant time.
func SameHash(a, b [32]byte) bool { return subtle.ConstantTimeCompare(a[:], b[:]) == 1 }

// APIKey describes a key, as the wallet that minted it lists it; the
// secret is never shown again.
type APIKey struct {
	ID      string     `json:"id"`
	Name    string     `json:"name"`
	Scopes  []Scope    `json:"scopes"`
	Created time.Time  `json:"created"`
	Expires time.Time  `json:"expires"`
	Revoked *time.Time `json:"revoked,omitempty"`
}

// NewAPIKeyRequest asks for a key.
type NewAPIKeyRequest struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
	// TTL is how long the key lives, as a Go duration ("720h"); at most
	// MaxAPIKeyTTL.
	TTL string `json:"ttl"`
}

// NewAPIKeyResponse is a minted key: Token is shown this once.
type NewAPIKeyResponse struct {
	Key   APIKey `json:"key"`
	Token string `json:"token"`
}

// MaxAPIKeyTTL bounds an API key's life.
const MaxAPIKeyTTL = 365 * 24 * time.Hour

// APIKeyList lists a wallet's keys, newest first.
type APIKeyList struct {
	Keys []APIKey `json:"keys"`
}
