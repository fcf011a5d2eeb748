package pricing

import (
	"fmt"

	"github.com/internetofgpus/iog"
)

// Connectivity is the network factor: a better-connected GPU is worth more
// to a cluster that moves data. It scales the price by the request's
// bandwidth tier, which a supplier's device gets from its measured
// bandwidth (iog.Bandwidth.Tier: low from 100/75 MB/s down/up, medium
// from 400/300, high from 800 down).
type Connectivity struct {
	// ByTier is the multiplier of each iog.BandwidthTier, indexed by it.
	ByTier [4]iog.Rate
}

// DefaultConnectivity returns the network's tier multipliers: unrated
// 90%, low 100%, medium 105%, high 110%.
func DefaultConnectivity() *Connectivity {
	return &Connectivity{ByTier: [4]iog.Rate{
		iog.UnratedBandwidth: iog.BasisPoints(9000),
		iog.LowBandwidth:     iog.BasisPoints(10000),
		iog.MediumBandwidth:  iog.BasisPoints(10500),
		iog.HighBandwidth:    iog.BasisPoints(11000),
	}}
}

// Apply scales hourly by the multiplier of the request's tier.
func (c *Connectivity) Apply(in *Input, hourly iog.Amount) (Adjustment, error) {
	tier := in.Request.Bandwidth
	if int(tier) >= len(c.ByTier) {
		return Adjustment{}, fmt.Errorf("connectivity factor: %v is not a bandwidth tier: %w", tier, iog.ErrInvalid)
	}
	return scaleByRate("connectivity", "bandwidth tier", int64(tier), UnitTier, hourly, c.ByTier[tier])
}
