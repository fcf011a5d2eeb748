package scheduler

import (
	"fmt"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/pricing"
)

// QuoteConfig configures QuotedPrice. Currency is required; the other
// zero fields are documented defaults.
type QuoteConfig struct {
	// Currency is what prices are quoted in: IO, USDC or IOSD. Budgets
	// are compared in it, so a job whose budget is in another currency is
	// over budget on every node.
	Currency iog.Currency
	// Payout is the currency suppliers are paid out in, which sets their
	// currency fee (see pricing.Request.Payout); zero as there.
	Payout iog.Currency
	// Clock gives the moment each price is quoted at; nil means
	// iog.SystemClock.
	Clock iog.Clock
}

// QuotedPrice returns the PriceFunc that prices nodes with model: for
// gpuMilli thousandths of a GPU on a node, what the renter pays for an
// hour of one of its GPUs, fees included (pricing.Fees.RenterPays), on
// demand, for the node's GPU model, location and bandwidth tier, at the
// clock's time, times gpuMilli/1000 rounded up to a base unit. The price
// is so linear in the share, as the framework's gang budget assumes, and
// a share never costs less than its part. A CPU-only placement (gpuMilli
// 0) costs nothing, pricing having no price for CPUs; a node with no GPU,
// or one whose model the catalog does not know, cannot be priced, and its
// error keeps budgeted work off it.
//
// A nil model, a Currency renters cannot pay in or a Payout suppliers
// cannot be paid in is iog.ErrInvalid.
func QuotedPrice(model pricing.PriceModel, cfg QuoteConfig) (PriceFunc, error) {
	if model == nil {
		return nil, fmt.Errorf("scheduler: quoted price: no price model: %w", iog.ErrInvalid)
	}
	if err := pricing.CheckPayment(cfg.Currency); err != nil {
		return nil, fmt.Errorf("scheduler: quoted price: %w", err)
	}
	if cfg.Payout != 0 {
		if err := pricing.CheckPayout(cfg.Payout); err != nil {
			return nil, fmt.Errorf("scheduler: quoted price: %w", err)
		}
	}
	clock := cfg.Clock
	if clock == nil {
		clock = iog.SystemClock
	}
	return func(n *NodeInfo, gpuMilli uint64) (iog.Amount, error) {
		if gpuMilli == 0 {
			return iog.Zero(cfg.Currency), nil
		}
		spec := n.Spec()
		if spec.GPUs == 0 {
			return iog.Amount{}, fmt.Errorf("scheduler: price node %s: no GPU to price: %w", spec.ID, iog.ErrInvalid)
		}
		req := pricing.Request{
			Requirements: iog.Requirements{GPUModel: spec.GPUModel, GPUCount: 1, Bandwidth: spec.Bandwidth},
			Hours:        1, Currency: cfg.Currency, Payout: cfg.Payout,
		}
		if spec.Location != (iog.Location{}) {
			req.Locations = []iog.Location{spec.Location}
		}
		q, err := model.Quote(req, clock.Now())
		if err != nil {
			return iog.Amount{}, fmt.Errorf("scheduler: price node %s: %w", spec.ID, err)
		}
		share, _ := iog.NewRate(gpuMilli, uint64(iog.FullGPU)) // its denominator is not zero
		p, err := q.Fees.RenterPays.MulRate(share, iog.RoundUp)
		if err != nil {
			return iog.Amount{}, fmt.Errorf("scheduler: price %d thousandths of a GPU on node %s: %w", gpuMilli, spec.ID, err)
		}
		return p, nil
	}, nil
}
