package iogsdk

import (
	"context"
	"net/url"
	"strconv"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// Stake stakes amount of the wallet's IO on a device, its own or another
// wallet's (a co-stake); the IO is held in the wallet's account.
func (c *Client) Stake(ctx context.Context, device iog.DeviceID, amount iog.Amount) (api.DeviceStake, error) {
	var out api.DeviceStake
	err := c.do(ctx, "POST", devicePath(device, "stake"), api.StakeRequest{Amount: amount}, &out)
	return out, err
}

// Unstake starts the cooldown of amount of the wallet's stake on a
// device; WithdrawStake pays it back once the cooldown has run.
func (c *Client) Unstake(ctx context.Context, device iog.DeviceID, amount iog.Amount) (api.UnstakeResponse, error) {
	var out api.UnstakeResponse
	err := c.do(ctx, "POST", devicePath(device, "unstake"), api.StakeRequest{Amount: amount}, &out)
	return out, err
}

// WithdrawStake pays the wallet's cooldowns that have run their course
// back to its available balance. With none, the error matches
// iog.ErrNotFound.
func (c *Client) WithdrawStake(ctx context.Context) (api.StakeWithdrawal, error) {
	var out api.StakeWithdrawal
	err := c.do(ctx, "POST", "/v1/stakes/withdraw", nil, &out)
	return out, err
}

// DeviceStake returns the stake on a device.
func (c *Client) DeviceStake(ctx context.Context, device iog.DeviceID) (api.DeviceStake, error) {
	var out api.DeviceStake
	err := c.do(ctx, "GET", devicePath(device, "stake"), nil, &out)
	return out, err
}

// Stakes returns a wallet's stakes and cooldowns.
func (c *Client) Stakes(ctx context.Context, wallet iog.WalletAddress) (api.WalletStakes, error) {
	var out api.WalletStakes
	err := c.do(ctx, "GET", "/v1/accounts/"+wallet.String()+"/stakes", nil, &out)
	return out, err
}

// ProposeSlash proposes a slash of a device's stake (a governor's
// signed client only).
func (c *Client) ProposeSlash(ctx context.Context, req api.ProposeSlashRequest) (api.Slash, error) {
	var out api.Slash
	err := c.do(ctx, "POST", "/v1/slashes", req, &out)
	return out, err
}

// AppealSlash appeals a pending slash (a signed client of the device's
// owner or of a staker who lost stake to it).
func (c *Client) AppealSlash(ctx context.Context, id uint64, statement string) (api.Slash, error) {
	var out api.Slash
	err := c.do(ctx, "POST", slashPath(id, "appeal"), api.AppealRequest{Statement: statement}, &out)
	return out, err
}

// DecideSlash upholds or overturns a slash (a governor's signed client
// only).
func (c *Client) DecideSlash(ctx context.Context, id uint64, upheld bool) (api.Slash, error) {
	var out api.Slash
	err := c.do(ctx, "POST", slashPath(id, "decision"), api.SlashDecision{Upheld: upheld}, &out)
	return out, err
}

// Slash returns a slash.
func (c *Client) Slash(ctx context.Context, id uint64) (api.Slash, error) {
	var out api.Slash
	err := c.do(ctx, "GET", slashPath(id, ""), nil, &out)
	return out, err
}

// SlashQuery selects slashes to list; zero fields select all.
type SlashQuery struct {
	Device iog.DeviceID
	State  api.SlashState
	// After continues a listing from a page's Next.
	After string
}

// Slashes returns a page of slashes.
func (c *Client) Slashes(ctx context.Context, q SlashQuery) (api.SlashList, error) {
	v := url.Values{}
	for k, val := range map[string]string{"device": string(q.Device), "state": string(q.State), "after": q.After} {
		if val != "" {
			v.Set(k, val)
		}
	}
	var out api.SlashList
	err := c.do(ctx, "GET", withQuery("/v1/slashes", v), nil, &out)
	return out, err
}

// Withdraw withdraws funds of the wallet off the network to a Solana
// address (a signed client only). The withdrawal is pending until it is
// paid out; its amount leaves the available balance at once.
func (c *Client) Withdraw(ctx context.Context, amount iog.Amount, to iog.WalletAddress) (api.Withdrawal, error) {
	var out api.Withdrawal
	err := c.do(ctx, "POST", "/v1/withdrawals", api.WithdrawalRequest{Amount: amount, To: to}, &out)
	return out, err
}

// Withdrawals returns a page of the wallet's withdrawals, newest first;
// before continues from a page's Next ("" for the first page).
func (c *Client) Withdrawals(ctx context.Context, before string) (api.WithdrawalList, error) {
	v := url.Values{}
	if before != "" {
		v.Set("before", before)
	}
	var out api.WithdrawalList
	err := c.do(ctx, "GET", withQuery("/v1/withdrawals", v), nil, &out)
	return out, err
}

// Earnings returns the wallet's earnings and expenses: up to limit of its
// ledger entries after the seq after (0 and 0 for the first page of the
// default size), and its totals per currency.
func (c *Client) Earnings(ctx context.Context, after uint64, limit int) (api.Earnings, error) {
	v := url.Values{}
	if after > 0 {
		v.Set("after", strconv.FormatUint(after, 10))
	}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	var out api.Earnings
	err := c.do(ctx, "GET", withQuery("/v1/earnings", v), nil, &out)
	return out, err
}

func slashPath(id uint64, sub string) string {
	p := "/v1/slashes/" + strconv.FormatUint(id, 10)
	if sub != "" {
		p += "/" + sub
	}
	return p
}

func withQuery(path string, v url.Values) string {
	if len(v) > 0 {
		return path + "?" + v.Encode()
	}
	return path
}
