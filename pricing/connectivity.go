package pricing

import (
	"fmt"

	"github.com/internetofgpus/iog"
)

// Connectivity is the network factor: a better-connected GPU is worth more
// to a cluster that moves data. It scales the price by the request's
// bandwidth tier, which a supplier's device gets from its measured
// bandwidth (iog.Bandwidth.Tier, io.net's tiers from io.net's
// documentation: low from 100/10 MB/s down/up, medium from 400/300, high
// from 800/600, ultra from 1600/1200).
type Connectivity struct {
	// ByTier is the multiplier of each iog.BandwidthTier, indexed by it.
	ByTier [iog.UltraBandwidth + 1]iog.Rate
}

// DefaultConnectivity returns the tier multipliers: unrated 90%, low
// 100%, medium 105%, high 110%, ultra 115%. io.net publishes the tiers
// but no price factor for them; every multiplier here, and the ultra one
// added with the ultra tier, is an assumption of this project.
func DefaultConnectivity() *Connectivity {
	return &Connectivity{ByTier: [iog.UltraBandwidth + 1]iog.Rate{
		iog.UnratedBandwidth: iog.BasisPoints(9000),
		iog.LowBandwidth:     iog.BasisPoints(10000),
		iog.MediumBandwidth:  iog.BasisPoints(10500),
		iog.HighBandwidth:    iog.BasisPoints(11000),
		iog.UltraBandwidth:   iog.BasisPoints(11500),
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
