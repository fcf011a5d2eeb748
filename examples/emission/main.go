// Command emission prints the $IO emission schedule: the first hourly
// epochs, to the cent and as a share of the initial supply, and the
// inflation of every year until the 800,000,000 IO cap.
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
	fmt.Fprintf(w, "\n%4s  %18s  %18s  %s\n", "year", "emitted IO", "supply at end", "inflation")
	total := iog.Zero(initial.Currency())
	for _, y := range table {
		fmt.Fprintf(w, "%4d  %18s  %18s  %9s\n", y.Year, y.Emitted.RoundedDecimal(2, iog.RoundHalfUp), y.End.RoundedDecimal(2, iog.RoundHalfUp), y.SupplyPercent(4))
		if total, err = total.Add(y.Emitted); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "%4s  %18s\n", "all", total.Decimal())
	return nil
}
