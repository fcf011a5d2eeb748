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
	var s scheduler.Scheduler = scheduler.NewFramework(scheduler.Config{
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

// A device going down takes its job with it; the job waits in the queue
// and the next cycle places it on a healthy device.
func ExampleScheduler() {
	var s scheduler.Scheduler = scheduler.NewFramework(scheduler.Config{
		Clock: iog.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
	})
	for _, id := range []iog.DeviceID{"a", "b"} {
		if err := s.AddNode(scheduler.Node{ID: id, GPUModel: "RTX 4090", GPUs: 1, CPUMilli: 8000, MemoryBytes: 64 << 30}); err != nil {
			fmt.Println(err)
		}
	}
	if err := s.Submit(scheduler.Job{ID: "render", Requirements: iog.Requirements{GPUCount: 1}}); err != nil {
		fmt.Println(err)
	}
	where := func() {
		p, ok := s.Placement("render")
		if !ok {
			fmt.Println("render waits")
			return
		}
		fmt.Println("render runs on", p.Assignments[0].Device)
	}
	ctx := context.Background()
	if _, err := s.Schedule(ctx); err != nil {
		fmt.Println(err)
	}
	where()
	p, _ := s.Placement("render")
	moved, err := s.SetNodeUp(ctx, p.Assignments[0].Device, false)
	fmt.Println("moved:", moved, err)
	where()
	if _, err := s.Schedule(ctx); err != nil {
		fmt.Println(err)
	}
	where()
	fmt.Println(s.Cancel("render"), s.Cancel("render") != nil)
	// Output:
	// render runs on a
	// moved: [render] <nil>
	// render waits
	// render runs on b
	// <nil> true
}

// A waiting job says why it waits, as Kubernetes' Unschedulable
// condition does: here the cost-aware filter names the devices over the
// job's budget.
func ExampleFramework_Status() {
	price := func(n *scheduler.NodeInfo, _ uint64) (iog.Amount, error) { // an hour of one whole GPU
		if n.Spec().Location.Country == "US" {
			return iog.ParseAmount("4 USD")
		}
		return iog.ParseAmount("2 USD")
	}
	f := scheduler.NewFramework(scheduler.Config{
		Clock:   iog.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
		Profile: scheduler.ProfileOf(&scheduler.CostAware{Price: price}),
	})
	for i, country := range []string{"US", "US", "US", "DE"} {
		n := scheduler.Node{ID: iog.DeviceID(fmt.Sprint("h100-", i)), GPUModel: "H100", GPUs: 1, CPUMilli: 8000,
			MemoryBytes: 64 << 30, Location: iog.Location{Country: country}}
		if err := f.AddNode(n); err != nil {
			fmt.Println(err)
		}
	}
	jobs := []scheduler.Job{
		{ID: "first", Requirements: iog.Requirements{GPUModel: "H100", GPUCount: 1}},
		{ID: "cheap", Requirements: iog.Requirements{GPUModel: "H100", GPUCount: 1, BudgetPerHour: iog.MustParseAmount("3 USD")}},
	}
	for _, j := range jobs {
		if err := f.Submit(j); err != nil {
			fmt.Println(err)
		}
		if _, err := f.Schedule(context.Background()); err != nil {
			fmt.Println(err)
		}
	}
	for _, id := range []iog.JobID{"first", "cheap"} {
		if st, ok := f.Status(id); ok && st.Reason != "" {
			fmt.Println(id, st.Phase, st.Reason)
		} else {
			fmt.Println(id, st.Phase)
		}
	}
	// Output:
	// first placed
	// cheap waiting 0/4 nodes are available: 3 are over its budget, 1 has too few free H100
}
