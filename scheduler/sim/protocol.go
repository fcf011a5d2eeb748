package sim

import (
	"cmp"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"strconv"
	"strings"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler"
)

// Protocol is how an Experiment is run: how the task list is ordered and
// brought to the requested multiple of capacity, how ties between nodes
// are broken, what the policy names mean, how allocation is measured and
// which seeds a summary runs. The zero Protocol is DefaultProtocol; the
// FGD paper's artifact is FGDPaper. Either runs on the same simulator:
// a protocol only sets it up.
type Protocol struct {
	// Name names the protocol (iogsim -protocol).
	Name string
	// ArtifactTuning orders and tunes the tasks as the FGD paper's
	// artifact does, with Go's math/rand (v1) seeded with the seed and
	// drawn in its order: one Int; the tasks sorted by ID and shuffled;
	// then, below the target, tasks drawn from the original ones with
	// replacement and appended until one's per-GPU share would pass it
	// (above it, random tasks removed until it is no longer passed);
	// then the node ranks (RankTies). Otherwise tasks are sampled with
	// replacement until the target is reached and then shuffled (Inflate).
	ArtifactTuning bool
	// RankTies breaks ties between equally scored nodes by a random rank
	// fixed for the run (a permutation of the nodes sorted by ID), the
	// lowest winning, as the artifact's renamed nodes do; otherwise ties
	// go to the first node the index offers.
	RankTies bool
	// Bucketed measures the allocation at X% arrived as the artifact
	// does: the mean, over every task attempted whose cumulative GPU
	// request rounds (half to even) to X% of capacity, of the allocation
	// after it, itself rounded to hundredths of a percent; with none, over
	// those within X±1%. Otherwise it is the allocation when X% first
	// arrived. Fragmentation is sampled when X% first arrived either way.
	Bucketed bool
	// ArtifactPolicies makes the names of scheduler.ArtifactPolicyNames
	// mean the artifact's policies (its FGD planning for the typical pods
	// of the workload's tasks at TypicalCoverage); our policies of those
	// names are then "iog-" and the name, and our others keep their
	// names.
	ArtifactPolicies bool
	// TypicalCoverage is the share of tasks the artifact's typical pods
	// cover; zero is 0.95.
	TypicalCoverage float64
	// FirstSeed is the first seed of a summary; zero is 1.
	FirstSeed uint64
}

// DefaultProtocol is this simulator's own protocol: sampling with
// replacement then shuffling, ties to the index's order, allocation when
// each percent first arrives, our policies, seeds from 1.
var DefaultProtocol = Protocol{Name: "default", FirstSeed: 1}

// FGDPaper is the protocol of the FGD paper's artifact
// (../shared/fgd-protocol.md): its ordering and tuning, its random node
// rank for ties, its bucketed metric, its six policies and its seeds 42
// to 51. The artifact's limit of 1001 pods a node is not kept: it never
// binds on its traces.
var FGDPaper = Protocol{Name: "fgd-paper", ArtifactTuning: true, RankTies: true, Bucketed: true,
	ArtifactPolicies: true, TypicalCoverage: 0.95, FirstSeed: 42}

// ProtocolNamed returns the protocol of that name: "default" (or "") or
// "fgd-paper". Others are iog.ErrInvalid.
func ProtocolNamed(name string) (Protocol, error) {
	switch name {
	case "", DefaultProtocol.Name:
		return DefaultProtocol, nil
	case FGDPaper.Name:
		return FGDPaper, nil
	}
	return Protocol{}, fmt.Errorf("no protocol %q; want default or fgd-paper: %w", name, iog.ErrInvalid)
}

// iogPrefix names our policies that an artifact policy shadows.
const iogPrefix = "iog-"

// PolicyNames lists the policies the protocol knows, in table order: with
// ArtifactPolicies, the artifact's six, then ours (the shadowed ones
// "iog-" and their names).
func (p Protocol) PolicyNames() []string {
	ours := scheduler.PolicyNames()
	if !p.ArtifactPolicies {
		return ours
	}
	names := scheduler.ArtifactPolicyNames()
	for _, n := range ours {
		if slices.Contains(scheduler.ArtifactPolicyNames(), n) {
			n = iogPrefix + n
		}
		names = append(names, n)
	}
	return names
}

// policy returns the named policy under the protocol.
func (p Protocol) policy(name string, seed uint64, w Workload, dist *scheduler.TaskDistribution, price scheduler.PriceFunc) (scheduler.ScorePlugin, error) {
	if p.ArtifactPolicies {
		if slices.Contains(scheduler.ArtifactPolicyNames(), name) {
			reqs := make([]iog.Requirements, len(w.Tasks))
			for i, t := range w.Tasks {
				reqs[i] = t.Job.Requirements
			}
			return scheduler.NewArtifactPolicy(name, scheduler.ArtifactOptions{Seed: seed,
				Typical: scheduler.NewTypicalPods(reqs, cmp.Or(p.TypicalCoverage, 0.95))})
		}
		if ours, ok := strings.CutPrefix(name, iogPrefix); ok && slices.Contains(scheduler.ArtifactPolicyNames(), ours) {
			name = ours
		}
	}
	return scheduler.NewPolicy(name, scheduler.PolicyOptions{Seed: seed, Distribution: dist, Price: price})
}

// Arrivals returns the tasks of a run of the workload with seed in
// arrival order, brought to factor times its GPU capacity, and the node
// ranks for ties (nil without RankTies). Problems are iog.ErrInvalid.
func (p Protocol) Arrivals(w Workload, factor float64, seed uint64) ([]Task, map[iog.DeviceID]int, error) {
	capacity := w.GPUMilli()
	if !p.ArtifactTuning {
		tasks, err := Inflate(w.Tasks, capacity, factor, seed)
		if err != nil || !p.RankTies {
			return tasks, nil, err
		}
		return tasks, nodeRanks(w.Nodes, rand.New(rand.NewSource(int64(seed)))), nil
	}
	if !(factor > 0 && factor <= 100) || capacity == 0 || len(w.Tasks) == 0 {
		return nil, nil, fmt.Errorf("tune: factor %v, capacity %d, %d tasks: want a factor above 0 and at most 100, capacity and tasks: %w",
			factor, capacity, len(w.Tasks), iog.ErrInvalid)
	}
	rng := rand.New(rand.NewSource(int64(seed)))
	rng.Int() // the artifact draws one at once
	original := slices.SortedFunc(slices.Values(w.Tasks), func(a, b Task) int { return cmp.Compare(a.Job.ID, b.Job.ID) })
	tasks := slices.Clone(original)
	rng.Shuffle(len(tasks), func(i, j int) { tasks[i], tasks[j] = tasks[j], tasks[i] })
	tasks = tune(tasks, original, uint64(factor*float64(capacity)), rng)
	var ranks map[iog.DeviceID]int
	if p.RankTies {
		ranks = nodeRanks(w.Nodes, rng)
	}
	return tasks, ranks, nil
}

// tune brings the shuffled tasks' GPU request to target as the artifact
// does (see Protocol.ArtifactTuning).
func tune(tasks, original []Task, target uint64, rng *rand.Rand) []Task {
	var total uint64
	for _, t := range tasks {
		total += t.Job.Requirements.GPUMilli()
	}
	for i := 0; total < target; i++ {
		t := original[rng.Intn(len(original))]
		if total+perGPUMilli(t.Job.Requirements) > target {
			break
		}
		t.Job.ID = iog.JobID(fmt.Sprintf("%s-tuned-%d", t.Job.ID, i))
		tasks = append(tasks, t)
		total += t.Job.Requirements.GPUMilli()
	}
	for total > target && len(tasks) > 0 {
		i := rng.Intn(len(tasks))
		total -= tasks[i].Job.Requirements.GPUMilli()
		tasks = slices.Delete(tasks, i, i+1)
	}
	return tasks
}

// perGPUMilli is a task's share of each GPU, 0 without GPUs: what the
// artifact's tuning compares with what is left to the target.
func perGPUMilli(r iog.Requirements) uint64 {
	if r.GPUCount == 0 {
		return 0
	}
	return uint64(r.Share())
}

// nodeRanks draws the artifact's node ranks: with the nodes sorted by ID,
// the i-th gets the i-th element of a random permutation.
func nodeRanks(nodes []scheduler.Node, rng *rand.Rand) map[iog.DeviceID]int {
	ids := make([]iog.DeviceID, len(nodes))
	for i, n := range nodes {
		ids[i] = n.ID
	}
	slices.Sort(ids)
	perm := rng.Perm(len(ids))
	ranks := make(map[iog.DeviceID]int, len(ids))
	for i, id := range ids {
		ranks[id] = perm[i]
	}
	return ranks
}

// buckets is the artifact's allocation metric being accumulated: the sum
// and count of the rounded allocation by rounded arrived percent.
type buckets struct {
	gpus float64 // capacity in GPUs
	sum  []float64
	n    []int
}

func newBuckets(capacity uint64, last int) *buckets {
	return &buckets{gpus: float64(capacity) / float64(iog.FullGPU), sum: make([]float64, last+2), n: make([]int, last+2)}
}

// add records one task attempted: arrived and used in thousandths of a GPU.
func (b *buckets) add(arrived, used uint64) {
	x := int(math.RoundToEven(float64(arrived) / b.gpus / 10))
	if x < 0 || x >= len(b.sum) {
		return
	}
	b.sum[x] += round2(float64(used) / b.gpus / 10)
	b.n[x]++
}

// at returns the allocation at x% arrived, and false when no task arrived
// within x±1%.
func (b *buckets) at(x int) (float64, bool) {
	if x >= 0 && x < len(b.n) && b.n[x] > 0 {
		return round2(b.sum[x] / float64(b.n[x])), true
	}
	var sum float64
	n := 0
	for y := max(x-1, 0); y <= x+1 && y < len(b.n); y++ {
		sum, n = sum+b.sum[y], n+b.n[y]
	}
	if n == 0 {
		return 0, false
	}
	return round2(sum / float64(n)), true
}

// round2 rounds to two decimals as Python's round does: the exact binary
// value to the nearest, half to even.
func round2(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 2, 64), 64)
	return r
}
