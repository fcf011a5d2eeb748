package iogsdk

import (
	"context"

	"github.com/internetofgpus/iog/iogsdk/api"
)

// Relay returns where the network's tunnel relay listens and the pin of
// its key.
func (c *Client) Relay(ctx context.Context) (api.Relay, error) {
	var out api.Relay
	err := c.do(ctx, "GET", "/v1/relay", nil, &out)
	return out, err
}
