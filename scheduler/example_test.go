package scheduler_test

import (
	"context"
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler"
)

// A best-fit scheduler places a fractional task on the GPU that is already
// partly used, and a two-GPU task on the node with the fewest free GPUs.
func Example() {
	var s scheduler.Scheduler = scheduler.New(scheduler.Config{
		Clock:   iog.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
		Profile: scheduler.ProfileOf(scheduler.BestFit{}),
	})
	for _, n := range []scheduler.Node{
		{ID: "big", GPUModel: "A100-80GB", GPUs: 8, CPUMilli: 64000, MemoryBytes: 512 << 30},
		{ID: "small", GPUModel: "A100-80GB", GPUs: 2, CPUMilli: 16000, MemoryBytes: 128 << 30},
	} {
		if err := s.AddNode(n); err != nil {
			fmt.Println(err)
		}
	}
	jobs := []scheduler.Job{
		{ID: "notebook", Requirements: iog.Requirements{GPUModel: "A100", GPUCount: 1, GPUShare: 460}},
		{ID: "inference", Requirements: iog.Requirements{GPUModel: "A100", GPUCount: 1, GPUShare: 500}},
		{ID: "training", Requirements: iog.Requirements{GPUModel: "A100", GPUCount: 2}},
	}
	for _, j := range jobs {
		if err := s.Submit(j); err != nil {
			fmt.Println(err)
		}
	}
	rep, err := s.Schedule(context.Background())
	if err != nil {
		fmt.Println(err)
	}
	for _, p := range rep.Placed {
		a := p.Assignments[0]
		fmt.Printf("%s: %s GPUs %v, %v each\n", p.Job, a.Device, a.GPUs, a.Share)
	}
	// Output:
	// notebook: small GPUs [0], 0.46 each
	// inference: small GPUs [0], 0.5 each
	// training: big GPUs [0 1], 1 each
}
