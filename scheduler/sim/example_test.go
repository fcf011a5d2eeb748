package sim_test

import (
	"context"
	"fmt"
	"time"

	"github.com/internetofgpus/iog/scheduler/sim"
)

// A small synthetic pool replayed under best-fit: every task completes.
func Example() {
	w, err := sim.Synthetic{Nodes: 20, Tasks: 200, Seed: 1, MeanInterarrival: time.Minute}.Generate()
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := sim.Replay{Workload: w, Policy: "best-fit"}.Run(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d tasks, %d completed, %d never placed\n", m.Tasks, m.Completed, m.Unplaced)
	// Output:
	// 200 tasks, 200 completed, 0 never placed
}
