package sim_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/internetofgpus/iog/scheduler/sim"
)

// BenchmarkReplay replays a synthetic workload of 2,000 devices and
// 50,000 tasks (with 1% gangs and a 30% failure for a day) under best-fit
// and reports simulated events per second, scoring every node that fits
// or only 32 of them.
func BenchmarkReplay(b *testing.B) {
	w, err := sim.Synthetic{Nodes: 2000, Tasks: 50_000, Seed: 1, MeanInterarrival: 2 * time.Second, GangFraction: 0.01}.Generate()
	if err != nil {
		b.Fatal(err)
	}
	for _, candidates := range []int{0, 32} {
		b.Run(fmt.Sprint("candidates=", candidates), func(b *testing.B) {
			events := 0
			for range b.N {
				m, err := sim.Replay{Workload: w, Policy: "best-fit", Seed: 1, MaxCandidates: candidates,
					FailFraction: 0.3, FailAt: 10 * time.Hour, FailFor: 24 * time.Hour}.Run(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				events += m.Events
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkExperiment runs the FGD paper's experiment on openb (inflated
// to 130%) for each of two policies: one run per iteration.
func BenchmarkExperiment(b *testing.B) {
	w := openb(b)
	for _, p := range []string{"best-fit", "fgd"} {
		b.Run(p, func(b *testing.B) {
			for i := range b.N {
				if _, err := (sim.Experiment{Workload: w, Policy: p, Seed: uint64(i + 1)}).Run(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
