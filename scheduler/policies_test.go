package scheduler_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler"
)

// placeOn builds a pool of nodes under policy p, places the pre jobs (each
// pinned to a node through its location), then places job and returns the
// device and GPUs it got.
func placeOn(t *testing.T, p scheduler.ScorePlugin, nodes []scheduler.Node, pre []scheduler.Job, job scheduler.Job) (iog.DeviceID, []int) {
	t.Helper()
	g := newFramework(t, scheduler.ProfileOf(p), nodes...)
	for _, j := range pre {
		require.NoError(t, g.Submit(j))
		require.Len(t, schedule(t, g).Placed, 1)
	}
	require.NoError(t, g.Submit(job))
	schedule(t, g)
	pl, ok := g.Placement(job.ID)
	require.True(t, ok)
	return pl.Assignments[0].Device, pl.Assignments[0].GPUs
}

// pin restricts j to the device of pl: each test node's city is its ID.
func pin(j scheduler.Job, pl scheduler.Placement) scheduler.Job {
	j.Requirements.Locations = []iog.Location{{Country: "US", City: string(pl.Assignments[0].Device)}}
	return j
}

func node(id string, gpus int, cpu uint64) scheduler.Node {
	return scheduler.Node{ID: iog.DeviceID(id), GPUModel: "T4", GPUs: gpus, CPUMilli: cpu, MemoryBytes: 64 << 30,
		Location: iog.Location{Country: "US", Region: "R" + id[:1], City: id}}
}

func TestPolicies(t *testing.T) {
	nodes := []scheduler.Node{node("a-idle8", 8, 64000), node("b-half4", 4, 32000), node("c-idle2", 2, 16000)}
	pre := []scheduler.Job{
		pin(gpuJob("p1", 1, 0), scheduler.Placement{Assignments: []scheduler.Assignment{{Device: "b-half4"}}}),
		pin(gpuJob("p2", 1, 500), scheduler.Placement{Assignments: []scheduler.Assignment{{Device: "b-half4"}}}),
	}
	// b-half4: GPU0 full, GPU1 half used, GPUs 2-3 free.
	price := func(n *scheduler.NodeInfo, milli uint64) (iog.Amount, error) {
		per := map[iog.DeviceID]int64{"a-idle8": 3, "b-half4": 2, "c-idle2": 1}[n.ID()]
		return iog.NewAmount(per*int64(milli), iog.USD), nil
	}
	tests := []struct {
		name   string
		policy scheduler.ScorePlugin
		job    scheduler.Job
		device iog.DeviceID
		gpus   []int
	}{
		{"first-fit takes the first node", scheduler.FirstFit{}, gpuJob("j", 1, 0), "a-idle8", []int{0}},
		{"best-fit takes the fullest node", scheduler.BestFit{}, gpuJob("j", 1, 0), "b-half4", []int{2}},
		{"best-fit takes the tightest GPU", scheduler.BestFit{}, gpuJob("j", 1, 400), "b-half4", []int{1}},
		{"packing prefers a used GPU", scheduler.GPUPacking{}, gpuJob("j", 1, 300), "b-half4", []int{1}},
		{"packing prefers a used node", scheduler.GPUPacking{}, gpuJob("j", 2, 0), "b-half4", []int{2, 3}},
		{"clustering joins the same share", scheduler.GPUClustering{}, gpuJob("j", 1, 500), "b-half4", []int{1}},
		{"spread takes the emptiest", scheduler.Spread{}, gpuJob("j", 1, 0), "a-idle8", []int{0}},
		{"dot-product aligns with free", scheduler.DotProduct{}, gpuJob("j", 1, 0), "c-idle2", []int{0}},
		{"cost-aware takes the cheapest", &scheduler.CostAware{Price: price}, gpuJob("j", 1, 0), "c-idle2", []int{0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dev, gpus := placeOn(t, tc.policy, nodes, pre, tc.job)
			require.Equal(t, tc.device, dev)
			require.Equal(t, tc.gpus, gpus)
		})
	}
}

func TestCostAwareBudget(t *testing.T) {
	price := func(n *scheduler.NodeInfo, milli uint64) (iog.Amount, error) {
		return iog.NewAmount(int64(milli)*int64(1+n.Index())*100_000, iog.USD), nil // 1, 2 USD per GPU-hour
	}
	f := newFramework(t, scheduler.ProfileOf(&scheduler.CostAware{Price: price}), gpuNode("cheap", "T4", 1), gpuNode("dear", "T4", 4))
	for i, budget := range []string{"3 USD", "3 USD", "1 USD"} {
		j := gpuJob(fmt.Sprint("j", i), 1, 0)
		j.Requirements.BudgetPerHour = iog.MustParseAmount(budget)
		require.NoError(t, f.Submit(j))
	}
	rep := schedule(t, f)
	require.Len(t, rep.Placed, 2)
	require.Equal(t, iog.DeviceID("cheap"), rep.Placed[0].Assignments[0].Device)
	require.Equal(t, iog.DeviceID("dear"), rep.Placed[1].Assignments[0].Device)
	require.Equal(t, 1, rep.Pending, "a 1 USD budget fits nowhere once the cheap GPU is taken")
}

func TestRandomIsSeeded(t *testing.T) {
	run := func(seed uint64) []iog.DeviceID {
		f := newFramework(t, scheduler.ProfileOf(scheduler.NewRandom(seed)))
		for i := range 20 {
			require.NoError(t, f.AddNode(gpuNode(fmt.Sprint("n", i), "T4", 8)))
		}
		var got []iog.DeviceID
		for i := range 10 {
			require.NoError(t, f.Submit(gpuJob(fmt.Sprint("j", i), 1, 0)))
			rep := schedule(t, f)
			got = append(got, rep.Placed[0].Assignments[0].Device)
		}
		return got
	}
	require.Equal(t, run(1), run(1))
	require.NotEqual(t, run(1), run(2))
}

func TestReliabilityLowersScore(t *testing.T) {
	prof := scheduler.Profile{Score: []scheduler.WeightedScore{{Plugin: scheduler.Reliable{}}}}
	f := newFramework(t, prof, gpuNode("flaky", "T4", 8), gpuNode("solid", "T4", 8))
	require.NoError(t, f.RecordCheck("flaky", false))
	require.NoError(t, f.RecordFeedback("solid", 5))
	require.NoError(t, f.Submit(gpuJob("j", 1, 0)))
	rep := schedule(t, f)
	require.Equal(t, iog.DeviceID("solid"), rep.Placed[0].Assignments[0].Device)
	var flaky, solid float64
	f.VisitNodes(func(n *scheduler.NodeInfo) {
		if n.ID() == "flaky" {
			flaky = n.Reliability()
		} else {
			solid = n.Reliability()
		}
	})
	require.Less(t, flaky, solid)
	require.InDelta(t, 0.8*0.8, flaky, 1e-9, "a failed check costs 20%; the prior rating is 4 of 5")
	require.NoError(t, f.RecordCheck("flaky", true))
	require.ErrorIs(t, f.RecordCheck("nope", true), iog.ErrNotFound)
}

// TestFGDFragmentation checks the fragmentation measure on a hand-worked
// case. The mix is half 0.5-GPU tasks and half whole-GPU tasks; the node
// has 4 GPUs with 1.0, 1.0, 0.3 and 0.6 free.
//
//	0.5-GPU task: fits; GPUs with less than 0.5 free: 0.3 → 300
//	whole task:   fits; GPUs with less than 1.0 free: 0.3 + 0.6 → 900
//	expected: (300 + 900) / 2 = 600
//
// Placing a 0.5 task on the 0.6 GPU leaves 1, 1, 0.3, 0.1: 0.5-task 400,
// whole 400, expected 400 (a fall of 200); on a free GPU it leaves 0.5,
// 1, 0.3, 0.6: 0.5-task 300, whole 1400, expected 850 (a rise of 250).
// FGD picks the 0.6 GPU.
func TestFGDFragmentation(t *testing.T) {
	d := scheduler.NewTaskDistribution(0)
	d.Observe(iog.Requirements{GPUCount: 1, GPUShare: 500})
	d.Observe(iog.Requirements{GPUCount: 1})
	fgd := scheduler.NewFGD(d)
	f := newFramework(t, scheduler.ProfileOf(fgd), gpuNode("n", "T4", 4))
	for _, j := range []scheduler.Job{gpuJob("a", 1, 700), gpuJob("b", 1, 400)} {
		require.NoError(t, f.Submit(j))
		schedule(t, f)
	}
	frag := func() float64 {
		var x float64
		f.VisitNodes(func(n *scheduler.NodeInfo) { x = d.Fragmentation(n) })
		return x
	}
	var free []iog.GPUShare
	f.VisitNodes(func(n *scheduler.NodeInfo) {
		for g := range n.GPUs() {
			free = append(free, n.FreeShare(g))
		}
	})
	require.ElementsMatch(t, []iog.GPUShare{1000, 1000, 300, 600}, free)
	require.InDelta(t, 600, frag(), 1e-9)
	require.NoError(t, f.Submit(gpuJob("c", 1, 500)))
	rep := schedule(t, f)
	g := rep.Placed[0].Assignments[0].GPUs[0]
	f.VisitNodes(func(n *scheduler.NodeInfo) { require.Equal(t, iog.GPUShare(100), n.FreeShare(g)) })
	require.InDelta(t, 400, frag(), 1e-9)

	// A task that cannot fit (too much CPU) sees all free capacity as
	// fragment.
	d2 := scheduler.NewTaskDistribution(0)
	d2.Observe(iog.Requirements{GPUCount: 1, CPUMilli: 1 << 40})
	f.VisitNodes(func(n *scheduler.NodeInfo) { require.InDelta(t, float64(n.FreeGPUMilli()), d2.Fragmentation(n), 1e-9) })
}

func TestTaskDistributionWindow(t *testing.T) {
	d := scheduler.NewTaskDistribution(2)
	d.Observe(iog.Requirements{GPUCount: 1})
	d.Observe(iog.Requirements{GPUCount: 1, GPUShare: 500})
	d.Observe(iog.Requirements{GPUCount: 1, GPUShare: 500})
	shapes, probs := d.Shapes()
	require.Equal(t, 2, d.Len())
	require.Equal(t, []scheduler.TaskShape{{GPUs: 1, Share: 500}}, shapes)
	require.Equal(t, []float64{1}, probs)
}

func TestNewPolicy(t *testing.T) {
	for _, name := range scheduler.PolicyNames() {
		p, err := scheduler.NewPolicy(name, scheduler.PolicyOptions{Price: flatPrice})
		require.NoError(t, err)
		require.Equal(t, name, p.Name())
	}
	_, err := scheduler.NewPolicy("cost-aware", scheduler.PolicyOptions{})
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = scheduler.NewPolicy("nope", scheduler.PolicyOptions{})
	require.ErrorIs(t, err, iog.ErrInvalid)
}

func TestSpreadAcrossRegions(t *testing.T) {
	f := newFramework(t, scheduler.ProfileOf(scheduler.Spread{}),
		at("east1", "US", "NY", 40.7, -74, 4), at("east2", "US", "NY", 40.7, -74, 4), at("west", "US", "CA", 37.7, -122.4, 8))
	count := map[iog.DeviceID]int{}
	for i := range 8 {
		require.NoError(t, f.Submit(gpuJob(fmt.Sprint("j", i), 1, 0)))
		rep := schedule(t, f)
		count[rep.Placed[0].Assignments[0].Device]++
	}
	require.Equal(t, 4, count["west"], "half the load on the region with half the GPUs")
	require.Equal(t, 2, count["east1"])
	require.Equal(t, 2, count["east2"])
}

// TestSpreadIgnoresDownCapacity: a region's load is over the devices in
// service; a big device that is down does not make its region look
// empty.
func TestSpreadIgnoresDownCapacity(t *testing.T) {
	f := newFramework(t, scheduler.ProfileOf(scheduler.Spread{}),
		at("east1", "US", "NY", 40.7, -74, 8), at("east2", "US", "NY", 40.7, -74, 56), at("west", "US", "CA", 37.7, -122.4, 8))
	_, err := f.SetNodeUp(context.Background(), "east2", false)
	require.NoError(t, err)
	for _, j := range []struct {
		id     string
		gpus   int
		region string
	}{{"e", 4, "NY"}, {"w", 3, "CA"}} {
		job := gpuJob(j.id, j.gpus, 0)
		job.Requirements.Locations = []iog.Location{{Country: "US", Region: j.region}}
		require.NoError(t, f.Submit(job))
	}
	schedule(t, f)
	require.NoError(t, f.Submit(gpuJob("next", 1, 0)))
	schedule(t, f)
	requirePlacedOn(t, f, "next", []iog.DeviceID{"west"}) // NY is half used, CA three eighths

	_, err = f.SetNodeUp(context.Background(), "east2", true)
	require.NoError(t, err)
	require.NoError(t, f.Submit(gpuJob("after", 1, 0)))
	schedule(t, f)
	requirePlacedOn(t, f, "after", []iog.DeviceID{"east2"})
}

// TestBudgetIsHard: with a price function configured, a job's budget per
// hour binds whatever the score policy (here first-fit and the default),
// for single-node jobs, gangs and a gang member's re-placement.
func TestBudgetIsHard(t *testing.T) {
	perGPU := map[iog.DeviceID]int64{"dear": 3, "cheap1": 1, "cheap2": 1, "mid": 2}
	price := func(n *scheduler.NodeInfo, milli uint64) (iog.Amount, error) {
		return iog.NewAmount(int64(milli)*perGPU[n.ID()]*100_000, iog.USD), nil // USD per GPU-hour
	}
	budgeted := func(j scheduler.Job, budget string) scheduler.Job {
		j.Requirements.BudgetPerHour = iog.MustParseAmount(budget)
		return j
	}
	gang := func(j scheduler.Job) scheduler.Job { j.Gang = true; return j }
	tests := []struct {
		name   string
		prof   scheduler.Profile
		price  scheduler.PriceFunc
		job    scheduler.Job
		placed []iog.DeviceID // nil: not placed
	}{
		{"first-fit skips the dear node", scheduler.ProfileOf(scheduler.FirstFit{}), price,
			budgeted(gpuJob("j", 2, 0), "2 USD"), []iog.DeviceID{"cheap1"}},
		{"default profile too", scheduler.Profile{}, price,
			budgeted(gpuJob("j", 1, 0), "1 USD"), []iog.DeviceID{"cheap1"}},
		{"over every node's price waits", scheduler.ProfileOf(scheduler.BestFit{}), price,
			budgeted(gpuJob("j", 1, 0), "0.5 USD"), nil},
		{"another currency waits", scheduler.Profile{}, price,
			budgeted(gpuJob("j", 1, 0), "100 IO"), nil},
		{"no budget, any price", scheduler.Profile{}, price,
			gpuJob("j", 4, 0), []iog.DeviceID{"dear"}},
		{"without prices budgets are not checked", scheduler.Profile{}, nil,
			budgeted(gpuJob("j", 4, 0), "0.5 USD"), []iog.DeviceID{"dear"}},
		{"a gang leaves the fewer but dearer nodes", scheduler.Profile{}, price,
			budgeted(gang(gpuJob("g", 4, 0)), "4 USD"), []iog.DeviceID{"cheap1", "cheap2"}},
		{"a gang over budget waits", scheduler.Profile{}, price,
			budgeted(gang(gpuJob("g", 4, 0)), "3.99 USD"), nil},
		{"a gang without budget takes the fewest nodes", scheduler.Profile{}, price,
			gang(gpuJob("g", 4, 0)), []iog.DeviceID{"dear"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := scheduler.NewFramework(scheduler.Config{Clock: iog.NewManualClock(t0), Profile: tc.prof, Price: tc.price})
			for _, n := range []scheduler.Node{gpuNode("dear", "T4", 8), gpuNode("cheap1", "T4", 2), gpuNode("cheap2", "T4", 2)} {
				require.NoError(t, f.AddNode(n))
			}
			require.NoError(t, f.Submit(tc.job))
			schedule(t, f)
			requirePlacedOn(t, f, tc.job.ID, tc.placed)
		})
	}

	// A gang member lost to a failure is not re-placed over budget: the
	// gang goes back to the queue instead.
	f := scheduler.NewFramework(scheduler.Config{Clock: iog.NewManualClock(t0), Price: price})
	for _, n := range []scheduler.Node{gpuNode("cheap1", "T4", 2), gpuNode("cheap2", "T4", 2), gpuNode("mid", "T4", 2)} {
		require.NoError(t, f.AddNode(n))
	}
	g := budgeted(gang(gpuJob("g", 4, 0)), "4 USD")
	require.NoError(t, f.Submit(g))
	schedule(t, f)
	p, ok := f.Placement("g")
	require.True(t, ok)
	require.Len(t, p.Assignments, 2)
	_, err := f.SetNodeUp(context.Background(), p.Assignments[0].Device, false)
	require.NoError(t, err)
	require.NoError(t, f.CheckInvariants())
	_, ok = f.Placement("g")
	require.False(t, ok, "the mid node would make the gang cost 6 USD an hour")
	require.Equal(t, 1, f.Pending())
}

// TestUnaffordableJobDoesNotHoldTheQueue: a job no node's price fits is
// not starved by others (no capacity could ever free up for it), so the
// starvation limit does not hold the queue behind it.
func TestUnaffordableJobDoesNotHoldTheQueue(t *testing.T) {
	price := func(_ *scheduler.NodeInfo, milli uint64) (iog.Amount, error) {
		return iog.NewAmount(int64(milli)*100_000, iog.USD), nil
	}
	clock := iog.NewManualClock(t0)
	f := scheduler.NewFramework(scheduler.Config{Clock: clock, Price: price, StarvationLimit: time.Hour})
	require.NoError(t, f.AddNode(gpuNode("a", "T4", 2)))
	poor := gpuJob("poor", 1, 0)
	poor.Requirements.BudgetPerHour = iog.MustParseAmount("0.5 USD")
	poor.Requirements.Priority = 9
	require.NoError(t, f.Submit(poor))
	schedule(t, f)
	clock.Advance(2 * time.Hour)
	require.NoError(t, f.AddNode(gpuNode("b", "T4", 2))) // poor tries again
	require.NoError(t, f.Submit(gpuJob("other", 1, 0)))
	rep := schedule(t, f)
	require.Len(t, rep.Placed, 1)
	require.Equal(t, iog.JobID("other"), rep.Placed[0].Job)

	// The same through the cost-aware policy's filter, without
	// Config.Price: a node a Filter plugin refuses cannot take the job
	// even empty.
	clock = iog.NewManualClock(t0)
	f = scheduler.NewFramework(scheduler.Config{Clock: clock, Profile: scheduler.ProfileOf(&scheduler.CostAware{Price: price}), StarvationLimit: time.Hour})
	require.NoError(t, f.AddNode(gpuNode("a", "T4", 2)))
	require.NoError(t, f.Submit(poor))
	schedule(t, f)
	clock.Advance(2 * time.Hour)
	require.NoError(t, f.AddNode(gpuNode("b", "T4", 2)))
	require.NoError(t, f.Submit(gpuJob("other", 1, 0)))
	rep = schedule(t, f)
	require.Len(t, rep.Placed, 1)
}
