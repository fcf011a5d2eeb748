package sim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler"
)

// Synthetic describes a generated workload: a pool of devices of a few
// common kinds in a few regions, and tasks whose mix resembles the openb
// trace's (mostly single GPUs, a quarter fractional, some multi-GPU and
// CPU-only tasks, a few gangs), arriving as a Poisson process with
// exponentially distributed run times.
type Synthetic struct {
	// Nodes and Tasks are how many of each to generate.
	Nodes, Tasks int
	// Seed seeds everything drawn.
	Seed uint64
	// MeanInterarrival is the mean time between arrivals; zero is 30 s.
	MeanInterarrival time.Duration
	// MeanDuration is the mean run time; zero is one hour.
	MeanDuration time.Duration
	// GangFraction is the share of tasks that are gangs of 8 to 64 GPUs.
	GangFraction float64
	// Users is the number of users tasks are spread over; zero is 8.
	Users int
}

// syntheticNodeKinds are the device kinds of a synthetic pool, with their
// weights.
var syntheticNodeKinds = []struct {
	model  string
	gpus   int
	cpu    uint64
	memGiB uint64
	tier   iog.BandwidthTier
	weight int
}{
	{"A100-80GB", 8, 96000, 768, iog.HighBandwidth, 3},
	{"H100-SXM", 8, 128000, 1024, iog.HighBandwidth, 1},
	{"RTX-4090", 2, 32000, 128, iog.MediumBandwidth, 4},
	{"T4", 4, 48000, 192, iog.LowBandwidth, 2},
	{"L40S", 4, 64000, 384, iog.MediumBandwidth, 2},
}

// syntheticRegions are where synthetic devices are.
var syntheticRegions = []iog.Location{
	{Country: "US", Region: "California", City: "San Jose", Coordinates: iog.Coordinates{Latitude: 37.34, Longitude: -121.89}},
	{Country: "US", Region: "Virginia", City: "Ashburn", Coordinates: iog.Coordinates{Latitude: 39.04, Longitude: -77.49}},
	{Country: "DE", Region: "Hesse", City: "Frankfurt", Coordinates: iog.Coordinates{Latitude: 50.11, Longitude: 8.68}},
	{Country: "SG", City: "Singapore", Coordinates: iog.Coordinates{Latitude: 1.29, Longitude: 103.85}},
}

// syntheticShares are the fractional shares drawn, as in openb's mix.
var syntheticShares = []iog.GPUShare{110, 160, 230, 320, 460, 500, 650, 810}

// Generate returns the workload. Problems are iog.ErrInvalid.
func (s Synthetic) Generate() (Workload, error) {
	if s.Nodes <= 0 || s.Tasks < 0 || s.Nodes > maxNodes || s.Tasks > maxTasks || s.GangFraction < 0 || s.GangFraction > 1 {
		return Workload{}, fmt.Errorf("synthetic: %d nodes, %d tasks, gang fraction %v: want 1 to %d nodes, 0 to %d tasks, a fraction from 0 to 1: %w",
			s.Nodes, s.Tasks, s.GangFraction, maxNodes, maxTasks, iog.ErrInvalid)
	}
	inter, dur, users := s.MeanInterarrival, s.MeanDuration, s.Users
	if inter <= 0 {
		inter = 30 * time.Second
	}
	if dur <= 0 {
		dur = time.Hour
	}
	if users <= 0 {
		users = 8
	}
	rng := rand.New(rand.NewPCG(s.Seed, 0x5e7))
	totalWeight := 0
	for _, k := range syntheticNodeKinds {
		totalWeight += k.weight
	}
	w := Workload{Nodes: make([]scheduler.Node, 0, s.Nodes), Tasks: make([]Task, 0, s.Tasks)}
	for i := range s.Nodes {
		pick := rng.IntN(totalWeight)
		k := syntheticNodeKinds[0]
		for _, c := range syntheticNodeKinds {
			if pick < c.weight {
				k = c
				break
			}
			pick -= c.weight
		}
		w.Nodes = append(w.Nodes, scheduler.Node{ID: iog.DeviceID(fmt.Sprintf("syn-node-%06d", i)), GPUModel: k.model, GPUs: k.gpus,
			CPUMilli: k.cpu, MemoryBytes: k.memGiB << 30, Bandwidth: k.tier, Location: syntheticRegions[rng.IntN(len(syntheticRegions))]})
	}
	var at time.Duration
	for i := range s.Tasks {
		at += time.Duration(rng.ExpFloat64() * float64(inter)).Round(time.Second)
		t := Task{Arrival: at, Duration: max(time.Duration(rng.ExpFloat64()*float64(dur)).Round(time.Second), time.Second)}
		t.Job.ID = iog.JobID(fmt.Sprintf("syn-task-%07d", i))
		t.Job.User = fmt.Sprintf("user-%d", rng.IntN(users))
		r := &t.Job.Requirements
		r.Priority = int32(rng.IntN(3))
		switch x := rng.Float64(); {
		case x < s.GangFraction:
			t.Job.Gang = true
			r.GPUCount = 8 << rng.IntN(4)
			r.Placement = iog.CoLocated
			r.CPUMilli, r.MemoryBytes = 8000, 64<<30
		case x < s.GangFraction+0.1:
			r.CPUMilli, r.MemoryBytes = uint64(1+rng.IntN(16))*1000, uint64(1+rng.IntN(32))<<30
		case x < s.GangFraction+0.35:
			r.GPUCount, r.GPUShare = 1, syntheticShares[rng.IntN(len(syntheticShares))]
			r.CPUMilli, r.MemoryBytes = uint64(2+rng.IntN(6))*1000, uint64(4+rng.IntN(12))<<30
		case x < s.GangFraction+0.45:
			r.GPUCount = 2 << rng.IntN(2)
			r.CPUMilli, r.MemoryBytes = uint64(r.GPUCount)*8000, uint64(r.GPUCount)*32<<30
		default:
			r.GPUCount = 1
			r.CPUMilli, r.MemoryBytes = uint64(4+rng.IntN(12))*1000, uint64(16+rng.IntN(48))<<30
		}
		w.Tasks = append(w.Tasks, t)
	}
	return w, nil
}
