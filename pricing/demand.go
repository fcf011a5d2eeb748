package pricing

import (
	"fmt"

	"github.com/internetofgpus/iog"
)

// Demand is the supply-and-demand factor: the utilization of the priced
// GPU's class in its country (from the market state, which the server
// updates) moves the price along a straight line through Target, bounded
// by Min and Max:
//
//	multiplier = clamp(1 + Slope × (utilization − Target), Min, Max)
//
// all in parts per million, the product truncated toward zero. The
// multiplier never falls as utilization rises. A market with no
// utilization figure, in its country or network-wide, is taken as
// balanced (multiplier 1).
type Demand struct {
	// Target is the utilization at which the price is unmoved, in ppm.
	Target uint32
	// Slope is the change of the multiplier, in ppm, for a utilization
	// 100 points above Target.
	Slope uint32
	// Min and Max bound the multiplier, in ppm (Min ≤ 1,000,000 ≤ Max).
	Min, Max uint32
}

// DefaultDemand returns the network's demand curve: balanced at 70%
// utilization, 10% dearer for every 10 points above it and 10% cheaper for
// every 10 below, within 80% and 130% of the price.
func DefaultDemand() *Demand {
	return &Demand{Target: 700_000, Slope: 1_000_000, Min: 800_000, Max: 1_300_000}
}

// Multiplier returns the multiplier at utilization u (ppm), in ppm.
func (d *Demand) Multiplier(u uint32) uint32 {
	delta := int64(u) - int64(d.Target)
	m := int64(ppmScale) + delta*int64(d.Slope)/ppmScale
	return uint32(min(max(m, int64(d.Min)), int64(d.Max)))
}

// Apply scales hourly by the multiplier at the utilization of in's class
// in in's country.
func (d *Demand) Apply(in *Input, hourly iog.Amount) (Adjustment, error) {
	if d.Min > ppmScale || d.Max < ppmScale {
		return Adjustment{}, fmt.Errorf("demand factor: bounds %v..%v must straddle 100%%: %w", PPM(d.Min), PPM(d.Max), iog.ErrInvalid)
	}
	u, ok := in.Market.UtilizationOf(in.Class, in.Location.Country)
	if !ok {
		return Adjustment{Factor: "demand", Reason: "no utilization figure", Before: hourly, After: hourly}, nil
	}
	return scaleBy("demand", "utilization", int64(u), UnitPPM, hourly, uint64(d.Multiplier(u)), ppmScale)
}
