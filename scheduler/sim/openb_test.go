package sim_test

import (
	"bytes"
	"encoding/csv"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler"
	"github.com/internetofgpus/iog/scheduler/sim"
)

// schemaPods are the pods of testdata/schemas/pods_full.csv.
func schemaPods() []sim.Task {
	task := func(id, user string, count int, share iog.GPUShare, model string, cpu, memMiB uint64, arrival, duration time.Duration) sim.Task {
		return sim.Task{Job: scheduler.Job{ID: iog.JobID(id), User: user, Requirements: iog.Requirements{
			GPUCount: count, GPUShare: share, GPUModel: model, CPUMilli: cpu, MemoryBytes: memMiB << 20}},
			Arrival: arrival, Duration: duration}
	}
	return []sim.Task{
		task("pod-0", "LS", 1, 0, "", 12000, 16384, 0, 3600*time.Second),
		task("pod-1", "BE", 1, 460, "T4", 6000, 12288, 100*time.Second, 740*time.Second),
		task("pod-2", "LS", 0, 0, "", 4000, 8192, 200*time.Second, 1000*time.Second),
		task("pod-3", "Burstable", 4, 0, "G2|V100M32", 32000, 65536, 300*time.Second, 10*time.Second),
	}
}

// shortOf is what the short schema keeps of tasks: no model, no user, no
// times, so every task arrives at the start and runs to the end.
func shortOf(tasks []sim.Task) []sim.Task {
	out := slices.Clone(tasks)
	for i := range out {
		out[i].Job.User, out[i].Job.Requirements.GPUModel = "", ""
		out[i].Arrival, out[i].Duration = 0, 0
	}
	return out
}

func TestLoadOpenBSchemas(t *testing.T) {
	nodes := []scheduler.Node{
		{ID: "node-a", CPUMilli: 96000, MemoryBytes: 393216 << 20, GPUs: 8, GPUModel: "G2"},
		{ID: "node-b", CPUMilli: 64000, MemoryBytes: 262144 << 20, GPUs: 2, GPUModel: "T4"},
		{ID: "node-c", CPUMilli: 32000, MemoryBytes: 131072 << 20},
	}
	tests := []struct {
		name, nodes, pods string
		want              []sim.Task
	}{
		{"full", "nodes.csv", "pods_full.csv", schemaPods()},
		{"shuffled", "nodes_shuffled.csv", "pods_shuffled.csv", schemaPods()},
		{"short", "nodes.csv", "pods_short.csv", shortOf(schemaPods())},
	}
	dir := filepath.Join("testdata", "schemas")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := sim.LoadOpenB(bytes.NewReader(readPath(t, filepath.Join(dir, tc.nodes))), bytes.NewReader(readPath(t, filepath.Join(dir, tc.pods))))
			require.NoError(t, err)
			require.Equal(t, sim.Workload{Nodes: nodes, Tasks: tc.want}, w)
		})
	}
}

// reshape rewrites a CSV file with the columns keep picks from its
// header, in that order; false if data is not a CSV file with a header.
func reshape(data []byte, keep func(header []string) []int) ([]byte, bool) {
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(recs) == 0 {
		return nil, false
	}
	order := keep(recs[0])
	var out bytes.Buffer
	cw := csv.NewWriter(&out)
	for _, rec := range recs {
		picked := make([]string, len(order))
		for i, p := range order {
			picked[i] = rec[p]
		}
		_ = cw.Write(picked)
	}
	cw.Flush()
	return out.Bytes(), cw.Error() == nil
}

// reversed keeps every column, last first.
func reversed(header []string) []int {
	order := make([]int, len(header))
	for i := range order {
		order[i] = len(header) - 1 - i
	}
	return order
}

// firstFive keeps the columns of the short pod schema.
func firstFive([]string) []int { return []int{0, 1, 2, 3, 4} }

// TestLoadOpenBReshaped: the published trace reads the same with its
// columns in another order, and cut to the short schema loses only what
// the cut columns held.
func TestLoadOpenBReshaped(t *testing.T) {
	want := openb(t)
	nodes := readFile(t, "openb_node_list_gpu_node.csv")
	pods := readFile(t, "openb_pod_list_default.csv")
	tests := []struct {
		name        string
		nodes, pods func([]string) []int
		want        []sim.Task
	}{
		{"reversed", reversed, reversed, want.Tasks},
		{"short", reversed, firstFive, shortOf(want.Tasks)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, ok := reshape(nodes, tc.nodes)
			require.True(t, ok)
			p, ok := reshape(pods, tc.pods)
			require.True(t, ok)
			w, err := sim.LoadOpenB(bytes.NewReader(n), bytes.NewReader(p))
			require.NoError(t, err)
			require.Equal(t, want.Nodes, w.Nodes)
			require.Equal(t, tc.want, w.Tasks)
		})
	}
}

func TestLoadOpenBHeaderErrors(t *testing.T) {
	nodes := "sn,cpu_milli,memory_mib,gpu,model\nn1,64000,1024,2,T4\n"
	pods := "name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,1,1,1,500\n"
	tests := []struct {
		name, nodes, pods string
		want              []string
	}{
		{"unknown pod column", nodes, "name,cpu_milli,memory_mib,num_gpu,gpu_milli,priority\np,1,1,1,500,0\n", []string{"openb tasks", `"priority"`, "unknown"}},
		{"unknown node column", "sn,cpu_milli,memory_mib,gpu,model,zone\nn1,1,1,1,T4,z\n", pods, []string{"openb nodes", `"zone"`, "unknown"}},
		{"duplicated pod column", nodes, "name,cpu_milli,memory_mib,num_gpu,gpu_milli,qos,qos\np,1,1,1,500,LS,BE\n", []string{"openb tasks", `"qos"`, "twice"}},
		{"duplicated node column", "sn,sn,cpu_milli,memory_mib,gpu,model\nn1,n1,1,1,1,T4\n", pods, []string{"openb nodes", `"sn"`, "twice"}},
		{"missing pod column", nodes, "name,cpu_milli,memory_mib,num_gpu\np,1,1,1\n", []string{"openb tasks", `"gpu_milli"`, "missing"}},
		{"missing node column", "sn,cpu_milli,memory_mib,gpu\nn1,1,1,1\n", pods, []string{"openb nodes", `"model"`, "missing"}},
		{"empty pod file", nodes, "", []string{"openb tasks", "header"}},
		{"short row", nodes, pods + "q,1,1\n", []string{"openb tasks", "fields"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sim.LoadOpenB(strings.NewReader(tc.nodes), strings.NewReader(tc.pods))
			require.ErrorIs(t, err, iog.ErrInvalid)
			for _, want := range tc.want {
				require.ErrorContains(t, err, want)
			}
		})
	}
}

// sharedTraces is the trace directory shared beside the repository's
// checkout, absent in CI.
var sharedTraces = filepath.Join("..", "..", "..", "shared", "traces")

// TestLoadSharedTraces loads every pod list under sharedTraces with every
// node list of its directory, and checks that no row is lost.
func TestLoadSharedTraces(t *testing.T) {
	if _, err := os.Stat(sharedTraces); err != nil {
		t.Skipf("no shared traces: %v", err)
	}
	lists := map[string]map[string][]string{} // directory, kind, files
	err := filepath.WalkDir(sharedTraces, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".csv" {
			return err
		}
		for _, kind := range []string{"node_list", "pod_list"} {
			if strings.Contains(d.Name(), kind) {
				dir := filepath.Dir(path)
				if lists[dir] == nil {
					lists[dir] = map[string][]string{}
				}
				lists[dir][kind] = append(lists[dir][kind], path)
			}
		}
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, lists, "no trace files in %s", sharedTraces)
	for _, kinds := range lists {
		require.NotEmpty(t, kinds["pod_list"])
		require.NotEmpty(t, kinds["node_list"])
		for _, pods := range kinds["pod_list"] {
			for _, nodes := range kinds["node_list"] {
				t.Run(filepath.Base(pods)+"+"+filepath.Base(nodes), func(t *testing.T) {
					n, p := readPath(t, nodes), readPath(t, pods)
					w, err := sim.LoadOpenB(bytes.NewReader(n), bytes.NewReader(p))
					require.NoError(t, err)
					require.Len(t, w.Nodes, rows(t, n))
					require.Len(t, w.Tasks, rows(t, p))
				})
			}
		}
	}
}

func readPath(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// rows counts a CSV file's records below its header.
func rows(t *testing.T, data []byte) int {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	require.NoError(t, err)
	return len(recs) - 1
}
