package tokenomics_test

import (
	"fmt"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics"
)

// The io.net emission: the first hourly epochs to the cent, the supply
// after them, and the cap reached after the last.
func ExampleEmissionSchedule() {
	s := tokenomics.IONet()
	for e := uint64(1); e <= 3; e++ {
		fmt.Printf("epoch %d: %s IO\n", e, s.Emission(e).RoundedDecimal(2, iog.RoundHalfUp))
	}
	fmt.Println("supply after epoch 3:", s.Supply(3))
	fmt.Println("epochs:", s.Epochs(), "of", s.EpochLength())
	fmt.Println("final supply:", s.Supply(s.Epochs()))
	// Output:
	// epoch 1: 4566.21 IO
	// epoch 2: 4566.15 IO
	// epoch 3: 4566.08 IO
	// supply after epoch 3: 500013698.4399053 IO
	// epochs: 175320 of 1h0m0s
	// final supply: 800000000 IO
}

// The yearly inflation of the io.net emission.
func ExampleInflationTable() {
	table, err := tokenomics.InflationTable(tokenomics.IONet(), tokenomics.IONetEpochsPerYear)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, y := range table[:3] {
		fmt.Printf("year %d: %s IO emitted, %s\n", y.Year, y.Emitted.RoundedDecimal(0, iog.RoundHalfUp), y.Percent(2))
	}
	// Output:
	// year 1: 37687235 IO emitted, 7.54%
	// year 2: 33367666 IO emitted, 6.21%
	// year 3: 29543191 IO emitted, 5.17%
}
