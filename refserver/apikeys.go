package refserver

import (
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
)

func (s *Server) apiKeyRoutes() []route {
	return []route{
		{method: "POST", pattern: "/v1/api-keys", access: signedOnly, mutates: true, handle: s.createAPIKey, summary: "Mint a scoped, expiring API key"},
		{method: "GET", pattern: "/v1/api-keys", access: signedOnly, handle: s.listAPIKeys, summary: "The signing wallet's API keys"},
		{method: "DELETE", pattern: "/v1/api-keys/{id}", access: signedOnly, mutates: true, handle: s.revokeAPIKey, summary: "Revoke one of the signing wallet's API keys"},
	}
}

// createAPIKey mints a key for the signing wallet. Its secret is answered
// once and stored only hashed.
func (s *Server) createAPIKey(c *call) (any, error) {
	var req api.NewAPIKeyRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.Name == "" || len(req.Name) > 64 || !utf8.ValidString(req.Name) {
		return nil, fmt.Errorf("API key name: 1 to 64 bytes of text: %w", iog.ErrInvalid)
	}
	scopes, err := api.ParseScopes(req.Scopes)
	if err != nil {
		return nil, err
	}
	ttl, err := time.ParseDuration(req.TTL)
	if err != nil || ttl <= 0 || ttl > api.MaxAPIKeyTTL {
		return nil, fmt.Errorf("API key ttl %q: want a Go duration from 1s to %v: %w", req.TTL, api.MaxAPIKeyTTL, iog.ErrInvalid)
	}
	token, id, hash, err := api.NewAPIKey(s.cfg.Random)
	if err != nil {
		return nil, err
	}
	k := api.APIKey{ID: id, Name: req.Name, Scopes: scopes, Created: c.now, Expires: c.now.Add(ttl)}
	if err := c.tx.InsertAPIKey(store.APIKeyRow{APIKey: k, Wallet: c.who.wallet, Hash: hash}); err != nil {
		return nil, err
	}
	c.status = http.StatusCreated
	c.audit("api-key.create", id, fmt.Sprintf("%s %v until %v", req.Name, scopes, k.Expires.Format(time.RFC3339)))
	return api.NewAPIKeyResponse{Key: k, Token: token}, nil
}

func (s *Server) listAPIKeys(c *call) (any, error) {
	var keys []api.APIKey
	err := c.read(func(tx *store.Tx) (err error) {
		keys, err = tx.APIKeys(c.who.wallet)
		return err
	})
	if err != nil {
		return nil, err
	}
	return api.APIKeyList{Keys: keys}, nil
}

func (s *Server) revokeAPIKey(c *call) (any, error) {
	id := c.param("id")
	if err := c.tx.RevokeAPIKey(c.who.wallet, id, c.now); err != nil {
		return nil, err
	}
	c.audit("api-key.revoke", id, "")
	k, err := c.tx.APIKey(id)
	return k.APIKey, err
}
