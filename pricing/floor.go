package pricing

import (
	"fmt"

	"github.com/internetofgpus/iog"
)

// SupplierFloor is the opportunity-cost factor, the last of the default
// model: a supplier is never quoted below what its hardware would earn
// mining or idling on another market, so no discount, slack demand or
// night hour pushes the price under it. The floor of a GPU is the largest
// of Minimum, Share of its hardware price (Hardware.Price), and its entry
// in PerModel.
//
// The floor bounds the hourly price, before fees. What the supplier
// receives is that price less its own fees (FeeSchedule: 0.25%, and 2%
// more on a USDC payout), so set PerModel and Minimum to the earnings to
// beat grossed up by those fees when the supplier's net must clear them.
type SupplierFloor struct {
	// Hardware prices the GPU for the Share term; nil leaves that term
	// out.
	Hardware *Hardware
	// Share is the part of the hardware price below which supplying the
	// network does not pay.
	Share iog.Rate
	// PerModel holds measured opportunity costs per catalog model name,
	// in USD per hour, such as a card's mining revenue less its power;
	// the server fills it from its observations.
	PerModel map[string]iog.Amount
	// Minimum is the least any GPU-hour costs, in USD; the zero Amount
	// sets none.
	Minimum iog.Amount
}

// DefaultFloor returns the network's floor: 40% of the hardware price of
// DefaultHardware, and never under 0.01 USD an hour.
func DefaultFloor() *SupplierFloor {
	return &SupplierFloor{
		Hardware: DefaultHardware(),
		Share:    iog.BasisPoints(4000),
		Minimum:  iog.MustParseAmount("0.01 USD"),
	}
}

// Floor returns the floor of the GPU in in, in USD per hour. A Minimum or
// a PerModel entry in another currency than USD is iog.ErrInvalid: a
// floor that cannot be compared with the price is not silently dropped.
func (f *SupplierFloor) Floor(in *Input) (iog.Amount, error) {
	floor := iog.Zero(iog.USD)
	if f.Minimum != (iog.Amount{}) {
		if f.Minimum.Currency() != iog.USD {
			return iog.Amount{}, fmt.Errorf("floor factor: minimum %v: want an amount of USD: %w", f.Minimum, iog.ErrInvalid)
		}
		floor = maxAmount(floor, f.Minimum)
	}
	if f.Hardware != nil {
		base, err := f.Hardware.Price(in.Score, in.Class)
		if err == nil {
			base, err = base.MulRate(f.Share, iog.RoundUp)
		}
		if err != nil {
			return iog.Amount{}, fmt.Errorf("floor factor: %w", err)
		}
		floor = maxAmount(floor, base)
	}
	if m, ok := f.PerModel[in.Model.Name]; ok && in.Model.Name != "" {
		if m.Currency() != iog.USD {
			return iog.Amount{}, fmt.Errorf("floor factor: opportunity cost of %s %v: want an amount of USD: %w", in.Model.Name, m, iog.ErrInvalid)
		}
		floor = maxAmount(floor, m)
	}
	return floor, nil
}

// Apply raises hourly to the floor when it is below.
func (f *SupplierFloor) Apply(in *Input, hourly iog.Amount) (Adjustment, error) {
	floor, err := f.Floor(in)
	if err != nil {
		return Adjustment{}, err
	}
	return Adjustment{
		Factor: "supplier floor", Reason: "opportunity cost", Value: floor.Units() / 100, Unit: UnitUSDMicros,
		Before: hourly, After: maxAmount(hourly, floor),
	}, nil
}

// maxAmount returns the larger of two USD amounts.
func maxAmount(a, b iog.Amount) iog.Amount {
	if b.Units() > a.Units() {
		return b
	}
	return a
}
