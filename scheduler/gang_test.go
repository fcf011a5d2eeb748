package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler"
)

func at(id, country, region string, lat, lon float64, gpus int) scheduler.Node {
	n := gpuNode(id, "H100", gpus)
	n.Location = iog.Location{Country: country, Region: region, Coordinates: iog.Coordinates{Latitude: lat, Longitude: lon}}
	return n
}

func TestGangFewestNodes(t *testing.T) {
	f := newFramework(t, scheduler.Profile{},
		gpuNode("small1", "H100", 2), gpuNode("big1", "H100", 8), gpuNode("small2", "H100", 2), gpuNode("big2", "H100", 8))
	g := gpuJob("g", 12, 0)
	g.Gang = true
	require.NoError(t, f.Submit(g))
	schedule(t, f)
	p, ok := f.Placement("g")
	require.True(t, ok)
	require.Len(t, p.Assignments, 2, "8 + 4 on the two big nodes")
	require.Equal(t, uint64(12000), p.GPUMilli())
	for _, a := range p.Assignments {
		require.Contains(t, []iog.DeviceID{"big1", "big2"}, a.Device)
		require.Equal(t, uint64(len(a.GPUs))*1000, a.CPUMilli, "CPU is per GPU in a gang")
	}
}

// TestFailedGangReservesNothing: a gang too large for the pool, or one a
// Permit plugin refuses, leaves every device as free as it was.
func TestFailedGangReservesNothing(t *testing.T) {
	tests := []struct {
		name string
		prof scheduler.Profile
		gpus int
	}{
		{"too large", scheduler.Profile{}, 17},
		{"not permitted", scheduler.Profile{Permit: []scheduler.PermitPlugin{refuse{"refuse"}}}, 12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFramework(t, tc.prof, gpuNode("a", "H100", 8), gpuNode("b", "H100", 8))
			g := gpuJob("refused", tc.gpus, 0)
			g.Gang = true
			require.NoError(t, f.Submit(g))
			rep := schedule(t, f)
			require.Empty(t, rep.Placed)
			require.NoError(t, f.Submit(gpuJob("x", 8, 0)))
			require.NoError(t, f.Submit(gpuJob("y", 8, 0)))
			rep = schedule(t, f)
			require.Len(t, rep.Placed, 2)
		})
	}
}

type refuse struct{ name string }

func (r refuse) Name() string { return r.name }
func (r refuse) Permit(_ *scheduler.CycleState, job *scheduler.Job, _ scheduler.Placement) error {
	if job.ID == "refused" {
		return errors.New("no")
	}
	return nil
}

func TestGangLatencyBound(t *testing.T) {
	nodes := []scheduler.Node{
		at("sf1", "US", "CA", 37.77, -122.42, 4),
		at("ny1", "US", "NY", 40.71, -74.0, 8),
		at("sf2", "US", "CA", 37.78, -122.41, 4),
		at("ny2", "US", "NY", 40.72, -74.01, 2),
	}
	tests := []struct {
		name   string
		rtt    time.Duration
		place  iog.Placement
		gpus   int
		places []iog.DeviceID
	}{
		{"tight bound picks one coast", 20 * time.Millisecond, iog.AnyPlacement, 8, []iog.DeviceID{"ny1"}},
		{"tight bound, ten GPUs", 20 * time.Millisecond, iog.AnyPlacement, 10, []iog.DeviceID{"ny1", "ny2"}},
		{"co-located default bound", 0, iog.CoLocated, 8, []iog.DeviceID{"ny1"}},
		{"loose bound spans coasts", 200 * time.Millisecond, iog.AnyPlacement, 14, []iog.DeviceID{"ny1", "sf1", "sf2"}},
		{"too tight", time.Millisecond, iog.AnyPlacement, 10, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			requireGangOn(t, nodes, tc.gpus, tc.rtt, tc.place, tc.places)
		})
	}
}

// requireGangOn places a gang of gpus GPUs with the given bound and
// placement on a pool of nodes and checks that it lands on want (nowhere
// when want is nil).
func requireGangOn(t *testing.T, nodes []scheduler.Node, gpus int, rtt time.Duration, place iog.Placement, want []iog.DeviceID) {
	t.Helper()
	f := newFramework(t, scheduler.Profile{}, nodes...)
	g := gpuJob("g", gpus, 0)
	g.Gang, g.Requirements.MaxRTT, g.Requirements.Placement = true, rtt, place
	require.NoError(t, f.Submit(g))
	schedule(t, f)
	requirePlacedOn(t, f, "g", want)
}

func TestGangMemberReplacedOnFailure(t *testing.T) {
	f := newFramework(t, scheduler.Profile{},
		at("a", "US", "CA", 37.77, -122.42, 8), at("b", "US", "CA", 37.78, -122.41, 8),
		at("spare", "US", "CA", 37.79, -122.40, 8), at("far", "DE", "BE", 52.52, 13.40, 8))
	g := gpuJob("g", 16, 0)
	g.Gang, g.Requirements.Placement = true, iog.CoLocated
	require.NoError(t, f.Submit(g))
	schedule(t, f)
	before, _ := f.Placement("g")
	lost := before.Assignments[0].Device
	moved, err := f.SetNodeUp(context.Background(), lost, false)
	require.NoError(t, err)
	require.Equal(t, []iog.JobID{"g"}, moved)
	require.NoError(t, f.CheckInvariants())
	after, ok := f.Placement("g")
	require.True(t, ok, "the gang keeps running")
	var devices []iog.DeviceID
	for _, a := range after.Assignments {
		devices = append(devices, a.Device)
	}
	require.NotContains(t, devices, lost)
	require.NotContains(t, devices, iog.DeviceID("far"), "the replacement respects the latency bound")
	require.Contains(t, devices, before.Assignments[1].Device, "the other member stays")

	// With no healthy spare left in reach, the gang leaves whole and waits.
	_, err = f.SetNodeUp(context.Background(), after.Assignments[0].Device, false)
	require.NoError(t, err)
	require.NoError(t, f.CheckInvariants())
	_, ok = f.Placement("g")
	require.False(t, ok)
	require.Equal(t, 1, f.Pending())
}

// TestRandomOperationsKeepInvariants runs seeded random sequences of
// submissions (fractional, single-node and gang jobs, some co-located or
// latency-bound, some with a budget), cancellations, scheduling cycles,
// failed checks, node failures and recoveries, checking every invariant
// after each step, that no job is ever lost (each is placed or waiting
// until cancelled, and a preempted job is not placed unless the cycle
// placed it again), and that no placement costs more than its budget.
// A sequence depends on its seed alone.
func TestRandomOperationsKeepInvariants(t *testing.T) {
	policies := scheduler.PolicyNames()
	var preempted, displaced, boundGangs int
	defer func() {
		require.Positive(t, preempted, "the sequences exercise preemption")
		require.Positive(t, displaced, "and failures")
		require.Positive(t, boundGangs, "and latency-bound gangs over several nodes")
	}()
	for seed := range uint64(24) {
		name := policies[seed%uint64(len(policies))]
		t.Run(fmt.Sprint(name, "/", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			pol, err := scheduler.NewPolicy(name, scheduler.PolicyOptions{Seed: seed, Price: flatPrice})
			require.NoError(t, err)
			clock := iog.NewManualClock(t0)
			f := scheduler.NewFramework(scheduler.Config{Clock: clock, Profile: scheduler.ProfileOf(pol), Price: flatPrice,
				StarvationLimit: time.Duration(seed%2) * 10 * time.Minute}) // odd seeds hold for starved jobs
			var nodes []iog.DeviceID
			for i := range 12 {
				n := at(fmt.Sprint("n", i), "US", []string{"CA", "NY"}[i%2], 37+float64(i%2)*3, -122+float64(i%2)*48, []int{1, 2, 4, 8}[i%4])
				n.GPUModel = []string{"T4", "G2"}[i%2]
				require.NoError(t, f.AddNode(n))
				nodes = append(nodes, n.ID)
			}
			var live []iog.JobID
			budgets := map[iog.JobID]iog.Amount{}
			bound := map[iog.JobID]bool{}
			for step := range 400 {
				clock.Advance(time.Minute)
				switch op := rng.IntN(11); {
				case op < 5:
					id := iog.JobID(fmt.Sprint("j", step))
					j := gpuJob(string(id), 1+rng.IntN(3), 0)
					switch rng.IntN(4) {
					case 0:
						j.Requirements.GPUCount, j.Requirements.GPUShare = 1, iog.GPUShare(1+rng.IntN(999))
					case 1:
						j.Gang, j.Requirements.GPUCount = true, 1+rng.IntN(12)
						switch rng.IntN(3) {
						case 0:
							j.Requirements.Placement = iog.CoLocated
							bound[id] = true
						case 1:
							j.Requirements.MaxRTT = 20 * time.Millisecond
							bound[id] = true
						}
					}
					if rng.IntN(4) == 0 {
						j.Requirements.BudgetPerHour = iog.NewAmount(int64(50+rng.IntN(1200))*1_000_000, iog.USD)
						budgets[id] = j.Requirements.BudgetPerHour
					}
					j.Requirements.Priority = int32(rng.IntN(3))
					require.NoError(t, f.Submit(j))
					live = append(live, id)
				case op < 6 && len(live) > 0:
					k := rng.IntN(len(live))
					require.NoError(t, f.Cancel(live[k]))
					live = slices.Delete(live, k, k+1)
				case op < 7:
					moved, err := f.SetNodeUp(context.Background(), nodes[rng.IntN(len(nodes))], rng.IntN(2) == 0)
					require.NoError(t, err)
					displaced += len(moved)
				case op < 8:
					require.NoError(t, f.RecordCheck(nodes[rng.IntN(len(nodes))], rng.IntN(3) == 0))
				default:
					rep, err := f.Schedule(context.Background())
					require.NoError(t, err)
					preempted += len(rep.Preempted)
					for _, id := range rep.Preempted {
						_, placed := f.Placement(id)
						again := slices.ContainsFunc(rep.Placed, func(p scheduler.Placement) bool { return p.Job == id })
						require.Equal(t, again, placed, "preempted %s is placed only if placed again", id)
					}
				}
				require.NoError(t, f.CheckInvariants(), "step %d", step)
				placed := 0
				for _, id := range live {
					p, ok := f.Placement(id)
					if !ok {
						continue
					}
					placed++
					if bound[id] && len(p.Assignments) > 1 {
						boundGangs++
					}
					if b, ok := budgets[id]; ok {
						var units int64
						for _, a := range p.Assignments {
							var i int
							_, err := fmt.Sscanf(string(a.Device), "n%d", &i)
							require.NoError(t, err)
							units += (100_000_000 + int64(i)*1_000_000) * int64(len(a.GPUs)) * int64(a.Share) / 1000
						}
						require.LessOrEqual(t, units, b.Units(), "%s costs more than its budget", id)
					}
				}
				require.Equal(t, len(live), placed+f.Pending(), "every job is placed or waiting")
			}
		})
	}
}

func flatPrice(n *scheduler.NodeInfo, gpuMilli uint64) (iog.Amount, error) {
	per := int64(100_000_000 + n.Index()*1_000_000) // 1 USD an hour, a little more for later nodes
	return iog.NewAmount(per*int64(gpuMilli)/1000, iog.USD), nil
}

// TestKillThirtyPercent fills a pool, takes 30% of its devices down and
// checks that every job is re-placed or back in the queue, then that
// bringing them back lets the queue drain.
func TestKillThirtyPercent(t *testing.T) {
	f := newFramework(t, scheduler.ProfileOf(scheduler.BestFit{}))
	const devices = 100
	for i := range devices {
		require.NoError(t, f.AddNode(at(fmt.Sprint("d", i), "US", "CA", 37.7, -122.4, 4)))
	}
	rng := rand.New(rand.NewPCG(30, 30))
	var ids []iog.JobID
	for i := range 150 {
		j := gpuJob(fmt.Sprint("j", i), 1+rng.IntN(2), 0)
		if i%10 == 0 {
			j.Gang, j.Requirements.GPUCount = true, 6
		}
		require.NoError(t, f.Submit(j))
		ids = append(ids, j.ID)
	}
	schedule(t, f)
	ctx := context.Background()
	for _, i := range rng.Perm(devices)[:devices*30/100] {
		_, err := f.SetNodeUp(ctx, iog.DeviceID(fmt.Sprint("d", i)), false)
		require.NoError(t, err)
		require.NoError(t, f.CheckInvariants())
	}
	schedule(t, f)
	placed := 0
	for _, id := range ids {
		if p, ok := f.Placement(id); ok {
			placed++
			for _, a := range p.Assignments {
				require.NotContains(t, downSet(f), a.Device)
			}
		}
	}
	require.Equal(t, len(ids), placed+f.Pending())
	for i := range devices {
		_, err := f.SetNodeUp(ctx, iog.DeviceID(fmt.Sprint("d", i)), true)
		require.NoError(t, err)
	}
	rep := schedule(t, f)
	require.Zero(t, rep.Pending, "with every device back, everything fits again")
}

func downSet(f *scheduler.Framework) []iog.DeviceID {
	var out []iog.DeviceID
	f.VisitNodes(func(n *scheduler.NodeInfo) {
		if !n.Up() {
			out = append(out, n.ID())
		}
	})
	return out
}

// TestGangPreemption: a high-priority gang evicts the cheapest work it
// needs (all the priority-0 jobs, then only two of the priority-1 jobs)
// and every victim waits in the queue.
func TestGangPreemption(t *testing.T) {
	f := newFramework(t, scheduler.ProfileOf(scheduler.FirstFit{}), gpuNode("a", "H100", 8), gpuNode("b", "H100", 8))
	for i := range 14 {
		j := gpuJob(fmt.Sprint("s", i), 1, 0)
		if i >= 8 {
			j.Requirements.Priority = 1 // on b
		}
		require.NoError(t, f.Submit(j))
		schedule(t, f)
	}
	g := gpuJob("gang", 12, 0)
	g.Gang, g.Requirements.Priority = true, 5
	require.NoError(t, f.Submit(g))
	rep := schedule(t, f)
	require.Len(t, rep.Preempted, 10)
	_, ok := f.Placement("gang")
	require.True(t, ok)
	for i := range 8 {
		require.Contains(t, rep.Preempted, iog.JobID(fmt.Sprint("s", i)))
	}
	require.Equal(t, 10, f.Pending(), "the victims wait")

	// A co-located gang does not preempt where it could not be placed
	// even on empty nodes: these have no known place, so not even two of
	// them are within 10 ms of each other.
	c := gpuJob("colo", 4, 0)
	c.Gang, c.Requirements.Priority, c.Requirements.Placement = true, 9, iog.CoLocated
	require.NoError(t, f.Submit(c))
	rep = schedule(t, f)
	require.Empty(t, rep.Preempted)
}

// TestGangLatencyBoundFewestNodes: under a latency bound a gang takes the
// plan with the fewest nodes, then the lowest round trip, even when
// another place could cover it first.
func TestGangLatencyBoundFewestNodes(t *testing.T) {
	cpuBound := func(n scheduler.Node) scheduler.Node { n.CPUMilli = 4000; return n } // 4 GPUs of 1 core each
	tests := []struct {
		name  string
		rtt   time.Duration
		nodes []scheduler.Node
		gpus  int
		want  []iog.DeviceID
	}{
		{"two big nodes beat four CPU-bound ones", 0, []scheduler.Node{
			cpuBound(at("sf1", "US", "CA", 37.77, -122.42, 16)), cpuBound(at("sf2", "US", "CA", 37.77, -122.42, 16)),
			cpuBound(at("sf3", "US", "CA", 37.77, -122.42, 16)), cpuBound(at("sf4", "US", "CA", 37.77, -122.42, 16)),
			at("ny1", "US", "NY", 40.71, -74.0, 8), at("ny2", "US", "NY", 40.71, -74.0, 8),
		}, 16, []iog.DeviceID{"ny1", "ny2"}},
		{"one place beats two places as near", 20 * time.Millisecond, []scheduler.Node{
			at("la1", "US", "CA", 34.05, -118.24, 8),
			at("sf1", "US", "CA", 37.77, -122.42, 8), at("sf2", "US", "CA", 37.77, -122.42, 8),
		}, 16, []iog.DeviceID{"sf1", "sf2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			requireGangOn(t, tc.nodes, tc.gpus, tc.rtt, iog.CoLocated, tc.want)
		})
	}
}

// TestLatencyBoundGangPreemption: a co-located gang evicts the cheapest
// work among nodes that are near enough to each other. Sixteen GPUs need
// both San Francisco nodes, and evict their sixteen single-GPU jobs,
// though New York's one 8-GPU job is cheaper (one victim); eight GPUs
// evict that one job. Every victim waits in the queue.
func TestLatencyBoundGangPreemption(t *testing.T) {
	tests := []struct {
		gpus    int
		victims []iog.JobID
		on      []iog.DeviceID
	}{
		{16, []iog.JobID{"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15"}, []iog.DeviceID{"sf1", "sf2"}},
		{8, []iog.JobID{"big"}, []iog.DeviceID{"ny1"}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.gpus, " GPUs"), func(t *testing.T) {
			f := newFramework(t, scheduler.ProfileOf(scheduler.FirstFit{}),
				at("sf1", "US", "CA", 37.77, -122.42, 8), at("sf2", "US", "CA", 37.77, -122.42, 8), at("ny1", "US", "NY", 40.71, -74.0, 8))
			for i := range 16 {
				require.NoError(t, f.Submit(gpuJob(fmt.Sprint("s", i), 1, 0)))
				schedule(t, f)
			}
			require.NoError(t, f.Submit(gpuJob("big", 8, 0)))
			schedule(t, f)
			g := gpuJob("gang", tc.gpus, 0)
			g.Gang, g.Requirements.Priority, g.Requirements.Placement = true, 5, iog.CoLocated
			require.NoError(t, f.Submit(g))
			rep := schedule(t, f)
			require.ElementsMatch(t, tc.victims, rep.Preempted)
			requirePlacedOn(t, f, "gang", tc.on)
			require.Equal(t, len(tc.victims), f.Pending(), "the victims wait")
			for _, id := range tc.victims {
				_, placed := f.Placement(id)
				require.False(t, placed)
			}
		})
	}
}

// TestGangPrefersReliableNodes: among nodes offering a gang as many GPUs,
// its members are the most reliable, with or without a latency bound.
func TestGangPrefersReliableNodes(t *testing.T) {
	for _, place := range []iog.Placement{iog.AnyPlacement, iog.CoLocated, iog.GeoDistributed} {
		t.Run(place.String(), func(t *testing.T) {
			f := newFramework(t, scheduler.Profile{},
				at("flaky1", "US", "CA", 37.77, -122.42, 8), at("flaky2", "US", "CA", 37.77, -122.42, 8),
				at("good1", "US", "CA", 37.77, -122.42, 8), at("good2", "US", "CA", 37.77, -122.42, 8))
			for _, id := range []iog.DeviceID{"flaky1", "flaky2"} {
				require.NoError(t, f.RecordCheck(id, false))
			}
			require.NoError(t, f.RecordFeedback("good2", 5))
			require.NoError(t, f.RecordCheck("flaky2", false))
			g := gpuJob("g", 16, 0)
			g.Gang, g.Requirements.Placement = true, place
			require.NoError(t, f.Submit(g))
			schedule(t, f)
			requirePlacedOn(t, f, "g", []iog.DeviceID{"good1", "good2"})

			h := gpuJob("h", 8, 0) // the rest: the less flaky first
			h.Gang, h.Requirements.Placement = true, place
			require.NoError(t, f.Submit(h))
			schedule(t, f)
			requirePlacedOn(t, f, "h", []iog.DeviceID{"flaky1"})
		})
	}
}

// TestGeoDistributedGangSpansRegions: a geo-distributed gang takes its
// members from the regions in turn, where any placement takes the nodes
// in the order they came.
func TestGeoDistributedGangSpansRegions(t *testing.T) {
	for place, want := range map[iog.Placement][]iog.DeviceID{
		iog.AnyPlacement:   {"ca1", "ca2", "ca3"},
		iog.GeoDistributed: {"ca1", "de1", "ca2"},
	} {
		t.Run(place.String(), func(t *testing.T) {
			f := newFramework(t, scheduler.Profile{},
				at("ca1", "US", "CA", 37.77, -122.42, 8), at("ca2", "US", "CA", 37.77, -122.42, 8), at("ca3", "US", "CA", 37.77, -122.42, 8),
				at("de1", "DE", "HE", 50.11, 8.68, 8))
			g := gpuJob("g", 24, 0)
			g.Gang, g.Requirements.Placement = true, place
			require.NoError(t, f.Submit(g))
			schedule(t, f)
			requirePlacedOn(t, f, "g", want)
		})
	}
}
