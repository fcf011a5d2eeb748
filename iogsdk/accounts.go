package iogsdk

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// Account returns a wallet's balances.
func (c *Client) Account(ctx context.Context, wallet iog.WalletAddress) (api.Account, error) {
	var out api.Account
	err := c.do(ctx, "GET", "/v1/accounts/"+wallet.String(), nil, &out)
	return out, err
}

// CreateAPIKey mints an API key for the client's wallet, with scopes and a
// lifetime. The token in the answer is shown this once.
func (c *Client) CreateAPIKey(ctx context.Context, name string, scopes []api.Scope, ttl time.Duration) (api.NewAPIKeyResponse, error) {
	req := api.NewAPIKeyRequest{Name: name, TTL: ttl.String()}
	for _, s := range scopes {
		req.Scopes = append(req.Scopes, string(s))
	}
	var out api.NewAPIKeyResponse
	err := c.do(ctx, "POST", "/v1/api-keys", req, &out)
	return out, err
}

// APIKeys lists the client's wallet's API keys, newest first.
func (c *Client) APIKeys(ctx context.Context) ([]api.APIKey, error) {
	var out api.APIKeyList
	err := c.do(ctx, "GET", "/v1/api-keys", nil, &out)
	return out.Keys, err
}

// RevokeAPIKey revokes one of the client's wallet's API keys.
func (c *Client) RevokeAPIKey(ctx context.Context, id string) (api.APIKey, error) {
	var out api.APIKey
	err := c.do(ctx, "DELETE", "/v1/api-keys/"+url.PathEscape(id), nil, &out)
	return out, err
}

// Faucet takes test funds for the client's wallet, on a network that has a
// faucet (a demonstration or test network), once a day.
func (c *Client) Faucet(ctx context.Context) (api.Account, error) {
	var out api.Account
	err := c.do(ctx, "POST", "/v1/faucet", nil, &out)
	return out, err
}

// ClaimRewards claims the client's wallet's block rewards: every share of
// an epoch's reward it earned and has not claimed moves into its IO
// balance at once. A wallet with nothing to claim is iog.ErrNotFound.
func (c *Client) ClaimRewards(ctx context.Context) (api.RewardClaim, error) {
	var out api.RewardClaim
	err := c.do(ctx, "POST", "/v1/rewards/claim", nil, &out)
	return out, err
}

// EarningsHistory returns a wallet's earnings of its last days (0 for the
// server's default of 30, at most 90), a UTC day at a time: the block
// rewards allotted, its devices' rental payouts and the fees its clusters
// paid.
func (c *Client) EarningsHistory(ctx context.Context, wallet iog.WalletAddress, days int) (api.EarningsHistory, error) {
	v := url.Values{}
	if days > 0 {
		v.Set("days", strconv.Itoa(days))
	}
	var out api.EarningsHistory
	err := c.do(ctx, "GET", withQuery("/v1/accounts/"+wallet.String()+"/earnings", v), nil, &out)
	return out, err
}
