package tokenomics

import (
	"sync"
	"time"

	"github.com/internetofgpus/iog"
)

// The io.net supply figures the IONet preset reproduces.
var (
	// IONetInitialSupply is the $IO supply at launch.
	IONetInitialSupply = iog.MustParseAmount("500000000 IO")
	// IONetMaxSupply is the hard cap: the initial supply plus everything
	// the schedule will ever emit.
	IONetMaxSupply = iog.MustParseAmount("800000000 IO")
	// IONetEmissionTotal is what the twenty years of hourly block rewards
	// emit together.
	IONetEmissionTotal = iog.MustParseAmount("300000000 IO")
	// IONetFirstEmission is epoch 1's emission: 8% of the initial supply
	// over the 8,760 hours of a 365-day year, 40,000,000/8,760 IO, rounded
	// down to a base unit.
	IONetFirstEmission = iog.MustParseAmount("4566.21004566 IO")
	// IONetHourlyDecay is the ratio from one hour's emission to the next,
	// 0.9999861130234295452 (so emission falls by 0.0013887% an hour,
	// 1.01% over a 730-hour month, 11.46% over a year). It is the largest
	// ratio with denominator 10^19 whose rounded series stays within
	// IONetEmissionTotal (see SolveGeometricRatio); the test suite
	// re-derives it.
	IONetHourlyDecay, _ = iog.NewRate(9_999_861_130_234_295_452, 10_000_000_000_000_000_000)
)

// IONetEpochs is the number of hourly emitting epochs of the io.net
// preset: twenty years of 8,766 hours (365.25 days), 175,320 epochs.
const IONetEpochs = 20 * IONetEpochsPerYear

// IONetEpochsPerYear is the number of hourly epochs in a preset year,
// 8,766 (365.25 days): the years of the inflation table.
const IONetEpochsPerYear = 8766

// IONetConfig returns the configuration of the io.net preset, for callers
// who want to start from it and change a figure.
func IONetConfig() GeometricConfig {
	return GeometricConfig{
		Initial:     IONetInitialSupply,
		First:       IONetFirstEmission,
		Ratio:       IONetHourlyDecay,
		Epochs:      IONetEpochs,
		EpochLength: time.Hour,
		Total:       IONetEmissionTotal,
	}
}

// ionet is built once: the schedule is immutable and its table is 1.4 MB.
var ionet = sync.OnceValue(func() EmissionSchedule {
	s, err := NewGeometric(IONetConfig())
	if err != nil {
		panic("tokenomics: the io.net preset is inconsistent: " + err.Error())
	}
	return s
})

// IONet returns the $IO emission schedule of io.net: 500,000,000 IO at
// launch, then hourly block rewards that start at 4,566.21 IO and decay
// geometrically for 175,320 hours, emitting exactly 300,000,000 IO, so the
// supply ends at the 800,000,000 IO cap and never exceeds it. The package
// documentation derives the decay. The schedule is shared and immutable.
func IONet() EmissionSchedule { return ionet() }
