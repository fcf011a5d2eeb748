package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler"
)

// run builds a framework with prof over two 4-GPU nodes, submits jobs,
// runs one cycle and prints where each job went.
func run(prof scheduler.Profile, jobs ...scheduler.Job) *scheduler.Framework {
	f := scheduler.NewFramework(scheduler.Config{Clock: iog.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), Profile: prof})
	for _, id := range []iog.DeviceID{"alpha", "beta"} {
		if err := f.AddNode(scheduler.Node{ID: id, GPUModel: "L40S", GPUs: 4, CPUMilli: 32000, MemoryBytes: 256 << 30}); err != nil {
			fmt.Println(err)
		}
	}
	for _, j := range jobs {
		if err := f.Submit(j); err != nil {
			fmt.Println(err)
		}
	}
	rep, err := f.Schedule(context.Background())
	if err != nil {
		fmt.Println(err)
	}
	for _, p := range rep.Placed {
		fmt.Println(p.Job, "on", p.Assignments[0].Device, p.Assignments[0].GPUs)
	}
	for _, id := range rep.Preempted {
		fmt.Println(id, "preempted")
	}
	return f
}

func job(id string, gpus int, prio int32) scheduler.Job {
	return scheduler.Job{ID: iog.JobID(id), User: "ana", Requirements: iog.Requirements{GPUCount: gpus, Priority: prio}}
}

// lastNode is a policy in three lines: prefer the node added last.
type lastNode struct{}

func (lastNode) Name() string { return "last-node" }
func (lastNode) Score(_ *scheduler.CycleState, _ *scheduler.Job, o scheduler.Option) float64 {
	return float64(o.Node.Index())
}

func ExampleScorePlugin() {
	run(scheduler.ProfileOf(lastNode{}), job("a", 1, 0), job("b", 2, 0))
	// Output:
	// a on beta [0]
	// b on beta [1 2]
}

// notAlpha keeps work off one device.
type notAlpha struct{}

func (notAlpha) Name() string { return "not-alpha" }
func (notAlpha) Filter(_ *scheduler.CycleState, _ *scheduler.Job, n *scheduler.NodeInfo) bool {
	return n.ID() != "alpha"
}

func ExampleFilterPlugin() {
	run(scheduler.Profile{Filter: []scheduler.FilterPlugin{notAlpha{}}}, job("a", 4, 0), job("b", 1, 0))
	// Output:
	// a on beta [0 1 2 3]
}

// quota refuses a user's jobs before any node is looked at.
type quota struct{ blocked string }

func (quota) Name() string { return "quota" }
func (q quota) PreFilter(_ *scheduler.CycleState, j *scheduler.Job) error {
	if j.User == q.blocked {
		return errors.New("over quota")
	}
	return nil
}

func ExamplePreFilterPlugin() {
	f := run(scheduler.Profile{PreFilter: []scheduler.PreFilterPlugin{quota{blocked: "ana"}}}, job("a", 1, 0))
	fmt.Println("waiting:", f.Pending())
	// Output:
	// waiting: 1
}

func ExampleQueueSortPlugin() {
	old := job("old", 4, 0)
	old.Submitted = time.Date(2025, 12, 31, 21, 0, 0, 0, time.UTC) // three hours ago
	// With a one-hour step, three hours of waiting outrank two levels of
	// priority: old goes first.
	run(scheduler.Profile{QueueSort: scheduler.PriorityAging{Step: time.Hour}}, job("urgent", 1, 2), old)
	// Output:
	// old on alpha [0 1 2 3]
	// urgent on beta [0]
}

func ExamplePostFilterPlugin() {
	// dev (priority 1) goes first; then prod (priority 5) fits nowhere and
	// evicts the cheapest victim: batch, of the lowest priority.
	f := run(scheduler.Profile{PostFilter: scheduler.Preemption{}}, job("batch", 4, 0), job("dev", 3, 1))
	if err := f.Submit(job("prod", 2, 5)); err != nil {
		fmt.Println(err)
	}
	rep, _ := f.Schedule(context.Background())
	fmt.Println("preempted:", rep.Preempted, "placed:", rep.Placed[0].Job, "on", rep.Placed[0].Assignments[0].Device)
	// Output:
	// dev on alpha [0 1 2]
	// batch on beta [0 1 2 3]
	// preempted: [batch] placed: prod on beta
}

// ledger follows a placement through Reserve, Permit and Bind.
type ledger struct{ refuse iog.JobID }

func (ledger) Name() string { return "ledger" }
func (ledger) Reserve(_ *scheduler.CycleState, j *scheduler.Job, p scheduler.Placement) error {
	fmt.Println("reserve", j.ID)
	return nil
}
func (ledger) Unreserve(_ *scheduler.CycleState, j *scheduler.Job, p scheduler.Placement) {
	fmt.Println("unreserve", j.ID)
}
func (l ledger) Permit(_ *scheduler.CycleState, j *scheduler.Job, p scheduler.Placement) error {
	if j.ID == l.refuse {
		return errors.New("not now")
	}
	return nil
}
func (ledger) Bind(_ context.Context, j *scheduler.Job, p scheduler.Placement) error {
	fmt.Println("bind", j.ID)
	return nil
}

func ExampleReservePlugin() {
	l := ledger{}
	run(scheduler.Profile{Reserve: []scheduler.ReservePlugin{l}, Bind: []scheduler.BindPlugin{l}}, job("a", 1, 0))
	// Output:
	// reserve a
	// bind a
	// a on alpha [0]
}

func ExamplePermitPlugin() {
	l := ledger{refuse: "gang"}
	g := job("gang", 8, 0)
	g.Gang = true
	run(scheduler.Profile{Reserve: []scheduler.ReservePlugin{l}, Permit: []scheduler.PermitPlugin{l}}, g)
	// Output:
	// reserve gang
	// unreserve gang
}

func ExampleBindPlugin() {
	l := ledger{}
	run(scheduler.Profile{Bind: []scheduler.BindPlugin{l}}, job("a", 2, 0))
	// Output:
	// bind a
	// a on alpha [0 1]
}

// inverted is a score plugin that normalizes its own scores: it flips
// them, so the lowest raw score wins.
type inverted struct{ scheduler.FirstFit }

func (inverted) NormalizeScores(_ *scheduler.CycleState, _ *scheduler.Job, scores []float64) {
	for i := range scores {
		scores[i] = -scores[i]
	}
}

func ExampleScoreNormalizer() {
	run(scheduler.Profile{Score: []scheduler.WeightedScore{{Plugin: inverted{}}}}, job("a", 1, 0))
	// Output:
	// a on beta [0]
}

func ExamplePlugin() {
	var plugins []scheduler.Plugin = []scheduler.Plugin{scheduler.BestFit{}, scheduler.Preemption{}, scheduler.PriorityAging{}}
	for _, p := range plugins {
		fmt.Println(p.Name())
	}
	// Output:
	// best-fit
	// preemption
	// priority-aging
}
