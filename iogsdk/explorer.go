package iogsdk

import (
	"context"
	"net/url"
	"strconv"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// Page selects a page of an explorer listing: Limit items at most (0 for
// the server's page size) from the cursor of the previous page's Next.
type Page struct {
	Cursor string
	Limit  int
}

// query returns the page as the query of path, the cursor under name.
func (p Page) query(path, name string) string { return withQuery(path, p.values(name)) }

// values returns the page as query values, the cursor under name.
func (p Page) values(name string) url.Values {
	v := url.Values{}
	if p.Cursor != "" {
		v.Set(name, p.Cursor)
	}
	if p.Limit > 0 {
		v.Set("limit", strconv.Itoa(p.Limit))
	}
	return v
}

// Supply returns the $IO supply, emission and burns, and the emission
// curve.
func (c *Client) Supply(ctx context.Context) (api.Supply, error) {
	var out api.Supply
	err := c.do(ctx, "GET", "/v1/explorer/supply", nil, &out)
	return out, err
}

// Blocks returns a page of the latest hourly blocks; the cursor is a
// page's Next.
func (c *Client) Blocks(ctx context.Context, p Page) (api.BlockList, error) {
	var out api.BlockList
	err := c.do(ctx, "GET", p.query("/v1/explorer/blocks", "before"), nil, &out)
	return out, err
}

// Transactions returns a page of the latest entries of the network's
// ledger, each with its settlement on Solana when the server settles;
// the cursor is a page's Next.
func (c *Client) Transactions(ctx context.Context, p Page) (api.TransactionList, error) {
	var out api.TransactionList
	err := c.do(ctx, "GET", p.query("/v1/explorer/transactions", "before"), nil, &out)
	return out, err
}

// WalletTransactions returns a page of the entries of the network's
// ledger that moved a wallet's balances, the latest first, each with its
// settlement on Solana when the server settles; the cursor is a page's
// Next.
func (c *Client) WalletTransactions(ctx context.Context, wallet iog.WalletAddress, p Page) (api.TransactionList, error) {
	var out api.TransactionList
	v := p.values("before")
	v.Set("wallet", wallet.String())
	err := c.do(ctx, "GET", withQuery("/v1/explorer/transactions", v), nil, &out)
	return out, err
}

// Block returns one hourly block and a page of its devices; the cursor is
// a page's Next.
func (c *Client) Block(ctx context.Context, number uint64, p Page) (api.BlockDetail, error) {
	var out api.BlockDetail
	err := c.do(ctx, "GET", p.query("/v1/explorer/blocks/"+strconv.FormatUint(number, 10), "after"), nil, &out)
	return out, err
}

// DeviceStats returns the network's devices counted by model, region and
// state.
func (c *Client) DeviceStats(ctx context.Context) (api.DeviceStats, error) {
	var out api.DeviceStats
	err := c.do(ctx, "GET", "/v1/explorer/devices", nil, &out)
	return out, err
}

// Suppliers returns a page of the wallets with active devices; the cursor
// is a page's Next.
func (c *Client) Suppliers(ctx context.Context, p Page) (api.SupplierList, error) {
	var out api.SupplierList
	err := c.do(ctx, "GET", p.query("/v1/explorer/suppliers", "after"), nil, &out)
	return out, err
}

// PriceBoard returns the price of a GPU-hour of every catalog model.
func (c *Client) PriceBoard(ctx context.Context) (api.PriceBoard, error) {
	var out api.PriceBoard
	err := c.do(ctx, "GET", "/v1/explorer/prices", nil, &out)
	return out, err
}
