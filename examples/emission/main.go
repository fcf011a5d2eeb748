// Command emission prints the $IO emission schedule: the first hourly
// epochs, to the cent and as a share of the initial supply; the inflation
// of every year until the 800,000,000 IO cap, on the basis of io.net's
// documentation (the year's first and last hour annualised over the
// genesis supply, from 8%) and on the supply basis (the year's emission
// over the supply it starts from); and the published figures the schedule
// reproduces and departs from.
//
//	go run ./examples/emission
//	go run ./examples/emission -epochs 10 -schedule halving
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics"
)

func main() {
	epochs := flag.Int("epochs", 3, "how many of the first epochs to print")
	schedule := flag.String("schedule", "ionet", "the schedule: ionet (hourly geometric decay) or halving")
	flag.Parse()
	if err := run(os.Stdout, *schedule, *epochs); err != nil {
		fmt.Fprintln(os.Stderr, "emission:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, schedule string, epochs int) error {
	var s tokenomics.EmissionSchedule
	switch schedule {
	case "ionet":
		s = tokenomics.IONet()
	case "halving":
		s = tokenomics.IONetHalving()
	default:
		return fmt.Errorf("unknown schedule %q: want ionet or halving: %w", schedule, iog.ErrInvalid)
	}
	if epochs < 0 {
		return fmt.Errorf("%d epochs: must not be negative: %w", epochs, iog.ErrInvalid)
	}
	initial := s.Supply(0)
	fmt.Fprintf(w, "initial supply %s, %d epochs of %v, final supply %s\n\n", initial, s.Epochs(), s.EpochLength(), s.Supply(s.Epochs()))
	fmt.Fprintf(w, "%6s  %14s  %22s  %s\n", "epoch", "emission", "exact", "of initial supply")
	for e := uint64(1); e <= uint64(epochs) && e <= s.Epochs(); e++ {
		em := s.Emission(e)
		share, err := iog.NewRate(uint64(em.Units()), uint64(initial.Units()))
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%6d  %14s  %22s  %s\n", e, em.RoundedDecimal(2, iog.RoundHalfUp), em, tokenomics.Percent(share, 8))
	}

	table, err := tokenomics.InflationTable(s, tokenomics.IONetEpochsPerYear)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%4s  %18s  %18s  %9s  %9s  %s\n", "year", "emitted IO", "supply at end", "starts", "ends", "of the supply")
	total := iog.Zero(initial.Currency())
	for _, y := range table {
		fmt.Fprintf(w, "%4d  %18s  %18s  %9s  %9s  %13s\n", y.Year, y.Emitted.RoundedDecimal(2, iog.RoundHalfUp), y.End.RoundedDecimal(2, iog.RoundHalfUp),
			tokenomics.Percent(y.StartRate, 4), tokenomics.Percent(y.EndRate, 4), y.SupplyPercent(4))
		if total, err = total.Add(y.Emitted); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "%4s  %18s\n", "all", total.Decimal())

	checks, err := tokenomics.CompareEmission(s, tokenomics.IONetPublished())
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\nthe published figures:")
	for _, c := range checks {
		if c.Holds {
			fmt.Fprintf(w, "  reproduced  %s: %s (%s)\n", c.Figure, c.Published, c.Source)
		} else {
			fmt.Fprintf(w, "  departs     %s: %s, not %s (%s): %s\n", c.Figure, c.Schedule, c.Published, c.Source, c.Departure)
		}
	}
	return nil
}
