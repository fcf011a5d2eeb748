package sim_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler"
	"github.com/internetofgpus/iog/scheduler/sim"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	return readPath(t, filepath.Join("testdata", "openb", name))
}

func openb(t testing.TB) sim.Workload {
	t.Helper()
	w, err := sim.LoadOpenB(bytes.NewReader(readFile(t, "openb_node_list_gpu_node.csv")), bytes.NewReader(readFile(t, "openb_pod_list_default.csv")))
	require.NoError(t, err)
	return w
}

func TestLoadOpenB(t *testing.T) {
	w := openb(t)
	require.Len(t, w.Nodes, 1213)
	require.Equal(t, uint64(6212_000), w.GPUMilli())
	require.Len(t, w.Tasks, 8152)
	var cpuOnly, fractional int
	for _, task := range w.Tasks {
		r := task.Job.Requirements
		if r.GPUCount == 0 {
			cpuOnly++
		}
		if r.Share() < iog.FullGPU {
			fractional++
		}
	}
	require.Equal(t, 1088, cpuOnly)
	require.Equal(t, 3078, fractional, "1 GPU with gpu_milli below 1000")
	first := w.Tasks[1]
	require.Equal(t, iog.GPUShare(460), first.Job.Requirements.GPUShare)
	require.Equal(t, "LS", first.Job.User)
	require.Equal(t, 427061*time.Second, first.Arrival)
	require.Equal(t, (12902960-427061)*time.Second, first.Duration)
	require.Equal(t, "P100", w.Nodes[0].GPUModel)
}

func TestLoaderErrors(t *testing.T) {
	nodes := "sn,cpu_milli,memory_mib,gpu,model\nn1,64000,1024,2,T4\n"
	tasks := "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n"
	tests := []struct {
		name, nodes, tasks, want string
	}{
		{"bad header", "id,cpu\n", tasks, "header"},
		{"bad number", nodes + "n2,x,1,1,T4\n", tasks, "line 3"},
		{"duplicate node", nodes + "n1,64000,1024,2,T4\n", tasks, "twice"},
		{"bad node id", nodes + "bad id,1,1,1,T4\n", tasks, "device ID"},
		{"too few fields", nodes + "n2,1\n", tasks, "fields"},
		{"empty task", nodes, tasks + "p,0,0,0,0,,LS,Running,0,1,0\n", "nothing requested"},
		{"fraction of many", nodes, tasks + "p,1,1,2,500,,LS,Running,0,1,0\n", "GPU count of 1"},
		{"huge time", nodes, tasks + "p,1,1,1,500,,LS,Running,99999999999999999,1,0\n", "too long"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sim.LoadOpenB(strings.NewReader(tc.nodes), strings.NewReader(tc.tasks))
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestFormatsRoundTrip(t *testing.T) {
	w, err := sim.Synthetic{Nodes: 30, Tasks: 300, Seed: 3, GangFraction: 0.05}.Generate()
	require.NoError(t, err)
	var nodes, tasks, js bytes.Buffer
	require.NoError(t, sim.WriteCSV(&nodes, &tasks, w))
	fromCSV, err := sim.ReadCSV(&nodes, &tasks)
	require.NoError(t, err)
	require.Equal(t, w, fromCSV)
	require.NoError(t, sim.WriteJSON(&js, w))
	fromJSON, err := sim.ReadJSON(&js)
	require.NoError(t, err)
	require.Equal(t, w, fromJSON)
}

func TestReadFormatErrors(t *testing.T) {
	nodes := "id,gpu_model,gpus,cpu_milli,memory_mib,bandwidth,location\nn1,T4,1,1000,1024,low,US/CA\n"
	tasks := "id,user,arrival_s,duration_s,gpus,gpu_share,gpu_model,cpu_milli,memory_mib,priority,gang,placement,max_rtt_ms\n"
	tests := []struct{ name, nodes, tasks, json string }{
		{"bad tier", strings.Replace(nodes, "low", "fast", 1), tasks, `{"nodes":[{"id":"n","gpus":1,"gpu_model":"T4","bandwidth":"fast"}]}`},
		{"bad location", strings.Replace(nodes, "US/CA", "XX", 1), tasks, `{"nodes":[{"id":"n","location":"XX"}]}`},
		{"bad share", nodes, tasks + "j,u,0,1,1,1.5,,1,1,0,false,any,0\n", `{"tasks":[{"id":"j","gpus":1,"gpu_share":"1.5"}]}`},
		{"bad placement", nodes, tasks + "j,u,0,1,1,,,1,1,0,false,near,0\n", `{"tasks":[{"id":"j","gpus":1,"placement":"near"}]}`},
		{"fractional gang", nodes, tasks + "j,u,0,1,1,0.5,,1,1,0,true,any,0\n", `{"tasks":[{"id":"j","gpus":1,"gpu_share":"0.5","gang":true}]}`},
		{"bad bool", nodes, tasks + "j,u,0,1,1,,,1,1,0,maybe,any,0\n", `{"tasks":[{"id":"j","gang":"maybe"}]}`},
		{"duplicate task", nodes, tasks + "j,u,0,1,1,,,1,1,0,false,any,0\nj,u,0,1,1,,,1,1,0,false,any,0\n", `{"tasks":[{"id":"j","gpus":1},{"id":"j","gpus":1}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sim.ReadCSV(strings.NewReader(tc.nodes), strings.NewReader(tc.tasks))
			require.ErrorIs(t, err, iog.ErrInvalid)
			_, err = sim.ReadJSON(strings.NewReader(tc.json))
			require.ErrorIs(t, err, iog.ErrInvalid)
		})
	}
}

// TestReadJSONOneDocument: a workload file holds one JSON object and
// nothing after it but space.
func TestReadJSONOneDocument(t *testing.T) {
	w := `{"nodes":[{"id":"n","gpus":1,"gpu_model":"T4"}]}`
	_, err := sim.ReadJSON(strings.NewReader(w + "\n\t "))
	require.NoError(t, err)
	for _, tail := range []string{` {"nodes":[]}`, "]", "x"} {
		_, err := sim.ReadJSON(strings.NewReader(w + tail))
		require.ErrorIs(t, err, iog.ErrInvalid, "%q after the workload", tail)
	}
}

func TestInflate(t *testing.T) {
	w := openb(t)
	a, err := sim.Inflate(w.Tasks, w.GPUMilli(), 1.3, 7)
	require.NoError(t, err)
	b, err := sim.Inflate(w.Tasks, w.GPUMilli(), 1.3, 7)
	require.NoError(t, err)
	require.Equal(t, a, b, "seeded")
	var total, last uint64
	for _, task := range a {
		total += task.Job.Requirements.GPUMilli()
		last = task.Job.Requirements.GPUMilli()
	}
	require.GreaterOrEqual(t, total, w.GPUMilli()*13/10)
	require.Less(t, total-last, w.GPUMilli()*13/10+8000, "stops once the target is reached")
	for _, bad := range []float64{0, -1, 101} {
		_, err := sim.Inflate(w.Tasks, w.GPUMilli(), bad, 1)
		require.ErrorIs(t, err, iog.ErrInvalid)
	}
	_, err = sim.Inflate(nil, w.GPUMilli(), 1, 1)
	require.ErrorIs(t, err, iog.ErrInvalid)
}

// TestExperimentShape runs a short experiment (40% of capacity, a quarter
// of the openb nodes) for each policy: one point per percent, allocation never above what arrived nor
// falling (no departures), fragmentation within the free capacity, and the
// same result for the same seed.
func TestExperimentShape(t *testing.T) {
	w := openb(t)
	var some []scheduler.Node // every fourth node keeps the mix of kinds
	for i := 0; i < len(w.Nodes); i += 4 {
		some = append(some, w.Nodes[i])
	}
	w.Nodes = some
	for _, policy := range scheduler.PolicyNames() {
		t.Run(policy, func(t *testing.T) {
			e := sim.Experiment{Workload: w, Policy: policy, Seed: 2, Inflate: 0.4}
			points, err := e.Run(context.Background())
			require.NoError(t, err)
			require.Len(t, points, 41)
			oneTask := 100 * 8000 / float64(w.GPUMilli()) // the largest task: 8 GPUs
			for i, p := range points {
				require.Equal(t, i, p.ArrivedPct)
				require.LessOrEqual(t, p.AllocPct, float64(p.ArrivedPct)+oneTask, "at most one task past the mark")
				require.LessOrEqual(t, p.FragPct, 100-p.AllocPct+1e-9)
				require.GreaterOrEqual(t, p.FragPct, 0.0)
				if i > 0 {
					require.GreaterOrEqual(t, p.AllocPct, points[i-1].AllocPct)
				}
			}
			again, err := e.Run(context.Background())
			require.NoError(t, err)
			require.Equal(t, points, again)
		})
	}
}

func TestExperimentErrors(t *testing.T) {
	w := openb(t)
	_, err := sim.Experiment{Workload: w, Policy: "nope"}.Run(context.Background())
	require.ErrorIs(t, err, iog.ErrInvalid)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = sim.Experiment{Workload: w, Policy: "best-fit"}.Run(ctx)
	require.ErrorIs(t, err, context.Canceled)
	s, err := sim.Experiment{Workload: w, Plugin: scheduler.BestFit{}}.Summarize(context.Background(), 2, []int{100})
	require.ErrorIs(t, err, iog.ErrInvalid, "a plugin of one's own runs one seed")
	require.Empty(t, s.Runs, "refused before any run")
}

// TestReplayWithFailures replays a loaded synthetic workload through a
// Framework of our own, fails 30% of the devices for a day, and checks
// that nothing is lost: every task completes, displaced and preempted
// work included, and the bookkeeping holds at the end.
func TestReplayWithFailures(t *testing.T) {
	w, err := sim.Synthetic{Nodes: 20, Tasks: 500, Seed: 5, MeanInterarrival: 10 * time.Second, GangFraction: 0.02}.Generate()
	require.NoError(t, err)
	clock := iog.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	f := scheduler.NewFramework(scheduler.Config{Clock: clock, Profile: scheduler.ProfileOf(scheduler.BestFit{})})
	m, err := sim.Replay{Workload: w, Scheduler: f, Clock: clock, Policy: "best-fit", Seed: 5,
		FailFraction: 0.3, FailAt: time.Hour, FailFor: 12 * time.Hour}.Run(context.Background())
	require.NoError(t, err)
	require.NoError(t, f.CheckInvariants())
	require.Equal(t, 500, m.Tasks)
	require.Equal(t, m.Tasks, m.Completed+m.Unplaced)
	require.Positive(t, m.Displaced)
	require.Positive(t, m.Preempted, "priorities 0-2 under load preempt")
	require.Equal(t, m.Unplaced, f.Pending(), "once devices return, only what never fits waits")
	require.Less(t, m.Unplaced, 10)
	require.Positive(t, m.QueueDelayP99)
	require.InDelta(t, m.GPUHours, float64(m.Cost.Units())/1e8, 1, "a dollar per GPU-hour")
	require.Greater(t, m.Fairness, 0.5)
	require.LessOrEqual(t, m.Fairness, 1.0)
	require.NotEmpty(t, m.Samples)
	again, err := sim.Replay{Workload: w, Policy: "best-fit", Seed: 5, FailFraction: 0.3, FailAt: time.Hour, FailFor: 12 * time.Hour}.Run(context.Background())
	require.NoError(t, err)
	require.Equal(t, m, again, "deterministic")
}

func TestSyntheticErrors(t *testing.T) {
	for _, s := range []sim.Synthetic{{Nodes: 0, Tasks: 1}, {Nodes: 1, Tasks: -1}, {Nodes: 1, GangFraction: 2}} {
		_, err := s.Generate()
		require.ErrorIs(t, err, iog.ErrInvalid)
	}
}

// TestReplayCostAtPrice: the cost metric is at the replay's Price, node
// by node, not a flat rate.
func TestReplayCostAtPrice(t *testing.T) {
	w := sim.Workload{
		Nodes: []scheduler.Node{{ID: "a", GPUModel: "T4", GPUs: 2, CPUMilli: 8000, MemoryBytes: 32 << 30}},
		Tasks: []sim.Task{{Job: scheduler.Job{ID: "t", Requirements: iog.Requirements{GPUCount: 2, CPUMilli: 1000}}, Duration: 90 * time.Minute}},
	}
	dear := func(_ *scheduler.NodeInfo, milli uint64) (iog.Amount, error) {
		return iog.NewAmount(int64(milli)*300_000, iog.USD), nil // 3 USD per GPU-hour
	}
	m, err := sim.Replay{Workload: w, Policy: "best-fit", Price: dear}.Run(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, m.Completed)
	require.Equal(t, iog.MustParseAmount("9 USD"), m.Cost, "2 GPUs × 1.5 h × 3 USD")
}

// TestExperimentHasNoDepartures: the fragmentation experiment places
// tasks in arrival order and nothing leaves, whatever the tasks'
// priorities: a later, higher-priority task is dropped rather than
// evicting an earlier one, so allocation never falls.
func TestExperimentHasNoDepartures(t *testing.T) {
	job := func(id string, share iog.GPUShare, prio int32) sim.Task {
		return sim.Task{Job: scheduler.Job{ID: iog.JobID(id), Requirements: iog.Requirements{GPUCount: 1, GPUShare: share, CPUMilli: 1000, Priority: prio}}}
	}
	w := sim.Workload{
		Nodes: []scheduler.Node{{ID: "n", GPUModel: "T4", GPUs: 1, CPUMilli: 8000, MemoryBytes: 32 << 30}},
		Tasks: []sim.Task{job("low", 0, 0), job("high", 500, 5)},
	}
	for seed := range uint64(20) {
		points, err := sim.Experiment{Workload: w, Policy: "best-fit", Seed: seed, Inflate: 2}.Run(context.Background())
		require.NoError(t, err)
		for i := 1; i < len(points); i++ {
			require.GreaterOrEqual(t, points[i].AllocPct, points[i-1].AllocPct, "seed %d: allocation fell at %d%% arrived", seed, points[i].ArrivedPct)
		}
	}
}

// TestReplaySamplesWholeSeconds: SampleEvery is rounded down to whole
// seconds and is at least one, so a sub-second interval cannot keep the
// replay at one instant forever.
func TestReplaySamplesWholeSeconds(t *testing.T) {
	w := sim.Workload{
		Nodes: []scheduler.Node{{ID: "a", GPUModel: "T4", GPUs: 1, CPUMilli: 8000, MemoryBytes: 32 << 30}},
		Tasks: []sim.Task{
			{Job: scheduler.Job{ID: "t", Requirements: iog.Requirements{GPUCount: 1, CPUMilli: 1000}}, Duration: 3 * time.Second},
			{Job: scheduler.Job{ID: "u", Requirements: iog.Requirements{GPUCount: 1, CPUMilli: 1000}}, Arrival: 3 * time.Second, Duration: 3 * time.Second},
		},
	}
	for _, every := range []time.Duration{time.Millisecond, 1500 * time.Millisecond} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		m, err := sim.Replay{Workload: w, Policy: "best-fit", SampleEvery: every}.Run(ctx)
		cancel()
		require.NoError(t, err)
		var at []time.Duration
		for _, s := range m.Samples {
			at = append(at, s.At)
		}
		require.Equal(t, []time.Duration{0, time.Second, 2 * time.Second, 3 * time.Second}, at, "every %v", every)
	}
}
