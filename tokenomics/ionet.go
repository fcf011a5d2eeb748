package tokenomics

import (
	"sync"
	"time"

	"github.com/internetofgpus/iog"
)

// The io.net supply figures the IONet preset reproduces.
var (
	// IONetInitialSupply is the $IO supply at genesis, 500,000,000 IO
	// (io.net's documentation).
	IONetInitialSupply = iog.MustParseAmount("500000000 IO")
	// IONetMaxSupply is the hard cap, 800,000,000 IO: the initial supply
	// plus everything the schedule will ever emit (io.net's
	// documentation).
	IONetMaxSupply = iog.MustParseAmount("800000000 IO")
	// IONetEmissionTotal is what the twenty years of hourly block rewards
	// emit together, 300,000,000 IO (io.net's documentation).
	IONetEmissionTotal = iog.MustParseAmount("300000000 IO")
	// IONetFirstEmission is epoch 1's emission: the documentation's 8% of
	// the initial supply over the 8,760 hours of a RateYear,
	// 40,000,000/8,760 IO, rounded down to a base unit; the 2024 launch
	// articles publish it as 4,566.21 IO.
	IONetFirstEmission = iog.MustParseAmount("4566.21004566 IO")
	// IONetHourlyDecay is the ratio from one hour's emission to the next,
	// 0.9999861130234295452 (so emission falls by 0.0013887% an hour,
	// 1.0086% over a 730-hour month, 11.4542% over a 8,760-hour year). It
	// is derived, not published: the largest ratio with denominator 10^19
	// whose rounded series stays within IONetEmissionTotal (see
	// SolveGeometricRatio); the test suite re-derives it. CompareEmission
	// with IONetPublished says how far that puts the falls and the end rate
	// from the published ones.
	IONetHourlyDecay, _ = iog.NewRate(9_999_861_130_234_295_452, 10_000_000_000_000_000_000)
)

// IONetEpochs is the number of hourly emitting epochs of the io.net
// preset: twenty years (io.net's documentation) of 8,766 hours (365.25
// days, an assumption of this project), 175,320 epochs, one more than the
// 175,319 of the 2024 launch articles.
const IONetEpochs = 20 * IONetEpochsPerYear

// IONetEpochsPerYear is the number of hourly epochs in a preset year,
// 8,766 (365.25 days, an assumption of this project): the years of the
// inflation table.
const IONetEpochsPerYear = 8766

// IONetPublished returns the figures published for io.net's emission,
// each with its source, for CompareEmission: io.net's documentation
// (500,000,000 IO at genesis, 300,000,000 IO emitted, the 800,000,000 IO
// cap, inflation starting at 8% and falling about 1.015% a month) and the
// 2024 launch articles (a fall of 12.165% a year, to about 0.68%, over
// 175,319 hourly epochs). Where the two differ the documentation wins;
// the IONet preset reproduces its figures and departs from the others.
func IONetPublished() EmissionFigures {
	const docs, articles = "io.net's documentation", "the 2024 launch articles"
	rate := func(s string) iog.Rate {
		r, err := iog.ParseRate(s)
		if err != nil {
			panic("tokenomics: published rate " + s + ": " + err.Error())
		}
		return r
	}
	return EmissionFigures{
		Genesis:     Published[iog.Amount]{IONetInitialSupply, docs},
		Total:       Published[iog.Amount]{IONetEmissionTotal, docs},
		Cap:         Published[iog.Amount]{IONetMaxSupply, docs},
		StartRate:   Published[iog.Rate]{rate("8%"), docs},
		MonthlyFall: Published[iog.Rate]{rate("1.015%"), docs},
		// A month of 730 hours, a twelfth of a RateYear, is an
		// assumption of this project: the documentation does not say.
		Month:      RateYear / 12,
		YearlyFall: Published[iog.Rate]{rate("12.165%"), articles},
		EndRate:    Published[iog.Rate]{rate("0.68%"), articles},
		Epochs:     Published[uint64]{175_319, articles},
	}
}

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
// genesis, then hourly block rewards that start at 4,566.21 IO (8% a year
// of the genesis supply) and decay geometrically for 175,320 hours,
// emitting exactly 300,000,000 IO, so the supply ends at the 800,000,000
// IO cap and never exceeds it. The package documentation derives the
// decay and names the published figures it departs from. The schedule is
// shared and immutable.
func IONet() EmissionSchedule { return ionet() }
