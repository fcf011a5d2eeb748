package scheduler_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler"
)

var benchRegions = []iog.Location{
	{Country: "US", Region: "California", Coordinates: iog.Coordinates{Latitude: 37.34, Longitude: -121.89}},
	{Country: "US", Region: "Virginia", Coordinates: iog.Coordinates{Latitude: 39.04, Longitude: -77.49}},
	{Country: "DE", Region: "Hesse", Coordinates: iog.Coordinates{Latitude: 50.11, Longitude: 8.68}},
	{Country: "SG", Coordinates: iog.Coordinates{Latitude: 1.29, Longitude: 103.85}},
}

// benchPool returns a framework with n 8-GPU devices over four regions.
func benchPool(b *testing.B, n, candidates int, p scheduler.ScorePlugin) *scheduler.Framework {
	b.Helper()
	f := scheduler.NewFramework(scheduler.Config{Clock: iog.NewManualClock(t0), Profile: scheduler.ProfileOf(p), MaxCandidates: candidates})
	for i := range n {
		err := f.AddNode(scheduler.Node{ID: iog.DeviceID(fmt.Sprintf("dev-%06d", i)), GPUModel: "A100-80GB", GPUs: 8,
			CPUMilli: 128000, MemoryBytes: 1 << 40, Location: benchRegions[i%len(benchRegions)]})
		if err != nil {
			b.Fatal(err)
		}
	}
	return f
}

// BenchmarkPlaceSingleGPU places single-GPU tasks, one scheduling cycle
// each, on 100,000 devices kept about half full (the oldest task is
// cancelled once 400,000 run): best-fit with 32 candidates, and best-fit
// and first-fit with every candidate, which search the index by their
// score bounds.
func BenchmarkPlaceSingleGPU(b *testing.B) {
	for _, bc := range []struct {
		name       string
		candidates int
		policy     scheduler.ScorePlugin
	}{{"candidates=32", 32, scheduler.BestFit{}}, {"candidates=all", 0, scheduler.BestFit{}}, {"first-fit/candidates=all", 0, scheduler.FirstFit{}}} {
		b.Run(bc.name, func(b *testing.B) { benchPlace(b, bc.candidates, bc.policy) })
	}
}

// benchPlace places single-GPU tasks, one scheduling cycle each, on
// 100,000 devices kept about half full (the oldest task is cancelled once
// 400,000 run).
func benchPlace(b *testing.B, candidates int, p scheduler.ScorePlugin) {
	f := benchPool(b, 100_000, candidates, p)
	ctx := context.Background()
	const live = 400_000
	ids := make([]iog.JobID, 0, live)
	b.ResetTimer()
	for i := range b.N {
		id := iog.JobID(fmt.Sprint("j", i))
		if err := f.Submit(gpuJob(string(id), 1, 0)); err != nil {
			b.Fatal(err)
		}
		rep, err := f.Schedule(ctx)
		if err != nil || len(rep.Placed) != 1 {
			b.Fatal("not placed", err)
		}
		ids = append(ids, id)
		if len(ids) == live {
			if err := f.Cancel(ids[0]); err != nil {
				b.Fatal(err)
			}
			ids = ids[1:]
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "placements/s")
}

// BenchmarkPlaceFGD places single-GPU tasks with FGD as
// BenchmarkPlaceSingleGPU does, planning for a mix of whole GPUs and
// shares, every feasible node scored.
func BenchmarkPlaceFGD(b *testing.B) {
	d := scheduler.NewTaskDistribution(0)
	for _, share := range []iog.GPUShare{0, 0, 250, 500} {
		d.Observe(gpuJob("mix", 1, share).Requirements)
	}
	benchPlace(b, 0, scheduler.NewFGD(d))
}

// BenchmarkQueue100k submits 100,000 mixed tasks and places them in one
// cycle on 100,000 devices, with best-fit on 32 candidates.
func BenchmarkQueue100k(b *testing.B) {
	benchQueue(b, 32, scheduler.BestFit{}, true)
}

// BenchmarkQueueSingleGPU100k places 100,000 single-GPU tasks in one cycle
// on 100,000 devices, every feasible node considered: best-fit and
// first-fit search the index by their score bounds.
func BenchmarkQueueSingleGPU100k(b *testing.B) {
	for _, p := range []scheduler.ScorePlugin{scheduler.BestFit{}, scheduler.FirstFit{}} {
		b.Run(p.Name(), func(b *testing.B) { benchQueue(b, 0, p, false) })
	}
}

// benchQueue places 100,000 tasks, a third of them GPU shares when mixed,
// in one cycle on 100,000 devices.
func benchQueue(b *testing.B, candidates int, p scheduler.ScorePlugin, mixed bool) {
	for range b.N {
		b.StopTimer()
		f := benchPool(b, 100_000, candidates, p)
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range 100_000 {
			j := gpuJob(fmt.Sprint("j", i), 1, 0)
			if mixed && rng.IntN(3) == 0 {
				j.Requirements.GPUShare = iog.GPUShare(100 + rng.IntN(900))
			}
			if err := f.Submit(j); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		rep, err := f.Schedule(context.Background())
		if err != nil || len(rep.Placed) != 100_000 {
			b.Fatal("not all placed", err)
		}
	}
	b.ReportMetric(100_000*float64(b.N)/b.Elapsed().Seconds(), "placements/s")
}

// BenchmarkGang64 places a 64-GPU gang on 10,000 devices half filled with
// single GPUs, and releases it; it reports the 99th percentile of the
// placement time. co-located gangs must keep within 10 ms of each other
// (one region).
func BenchmarkGang64(b *testing.B) {
	for _, place := range []iog.Placement{iog.AnyPlacement, iog.CoLocated} {
		b.Run(place.String(), func(b *testing.B) {
			f := benchPool(b, 10_000, 32, scheduler.BestFit{})
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(3, 4))
			for i := range 40_000 {
				j := gpuJob(fmt.Sprint("fill", i), 1+rng.IntN(2), 0)
				if err := f.Submit(j); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := f.Schedule(ctx); err != nil {
				b.Fatal(err)
			}
			placeGangs(b, f, place, 0)
		})
	}
}

// BenchmarkGang10k places a 10,000-GPU gang on 100,000 devices a quarter
// filled with single GPUs, and releases it; it reports the 99th
// percentile of the placement time.
func BenchmarkGang10k(b *testing.B) {
	f := benchPool(b, 100_000, 0, scheduler.BestFit{})
	ctx := context.Background()
	for i := range 200_000 {
		if err := f.Submit(gpuJob(fmt.Sprint("fill", i), 1, 0)); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := f.Schedule(ctx); err != nil {
		b.Fatal(err)
	}
	placeGangsOf(b, f, 10_000, iog.AnyPlacement, 0)
}

// BenchmarkMemoryPerDevice measures the heap the scheduler holds per
// device, with 100,000 devices.
func BenchmarkMemoryPerDevice(b *testing.B) {
	const n = 100_000
	var perDevice float64
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		f := benchPool(b, n, 0, scheduler.BestFit{})
		runtime.GC()
		runtime.ReadMemStats(&after)
		perDevice = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(f)
	}
	b.ReportMetric(perDevice, "B/device")
}

// BenchmarkGang64Worst measures co-located 64-GPU gangs where the first
// place to cover one does so with many small members (16-GPU devices with
// CPU for one GPU each) and 10,000 7-GPU devices lie below them in the
// index: the planner goes on scanning for a plan with fewer nodes. With
// 200 small devices it reaches the 7-GPU ones and takes 10 nodes; with
// 1,000 it gives up at its bound (maxGangExtra candidates past the cover)
// and takes 64: the cost of the bound itself.
func BenchmarkGang64Worst(b *testing.B) {
	for _, tc := range []struct{ thin, nodes int }{{200, 10}, {1000, 64}} {
		b.Run(fmt.Sprint("small=", tc.thin), func(b *testing.B) { benchGangWorst(b, tc.thin, tc.nodes) })
	}
}

func benchGangWorst(b *testing.B, thin, want int) {
	f := scheduler.NewFramework(scheduler.Config{Clock: iog.NewManualClock(t0), Profile: scheduler.ProfileOf(scheduler.BestFit{})})
	add := func(id string, gpus int, cpu uint64) {
		err := f.AddNode(scheduler.Node{ID: iog.DeviceID(id), GPUModel: "A100-80GB", GPUs: gpus,
			CPUMilli: cpu, MemoryBytes: 1 << 40, Location: benchRegions[0]})
		if err != nil {
			b.Fatal(err)
		}
	}
	for i := range thin {
		add(fmt.Sprintf("thin-%04d", i), 16, 1000)
	}
	for i := range 10_000 {
		add(fmt.Sprintf("dev-%05d", i), 7, 128000)
	}
	placeGangs(b, f, iog.CoLocated, want)
}

// placeGangs places b.N 64-GPU gangs: see placeGangsOf.
func placeGangs(b *testing.B, f *scheduler.Framework, place iog.Placement, want int) {
	b.Helper()
	placeGangsOf(b, f, 64, place, want)
}

// placeGangsOf places b.N gangs of gpus GPUs one at a time, each in a
// cycle of its own and cancelled after, and reports the p99 latency. want,
// when not zero, is the number of nodes each must take.
func placeGangsOf(b *testing.B, f *scheduler.Framework, gpus int, place iog.Placement, want int) {
	b.Helper()
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		g := gpuJob(fmt.Sprint("g", i), gpus, 0)
		g.Gang, g.Requirements.Placement = true, place
		start := time.Now()
		if err := f.Submit(g); err != nil {
			b.Fatal(err)
		}
		rep, err := f.Schedule(ctx)
		lat = append(lat, time.Since(start))
		if err != nil || len(rep.Placed) != 1 {
			b.Fatal("gang not placed", err)
		}
		if want > 0 && len(rep.Placed[0].Assignments) != want {
			b.Fatalf("gang on %d nodes; want %d", len(rep.Placed[0].Assignments), want)
		}
		if err := f.Cancel(g.ID); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[(len(lat)*99+99)/100-1].Microseconds()), "p99-µs")
}
