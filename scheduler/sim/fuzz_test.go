package sim_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler/sim"
)

// The loaders read outside input: they must return a workload or an
// ErrInvalid error, never panic, for any bytes.

func FuzzLoadOpenB(f *testing.F) {
	nodes := readFile(f, "openb_node_list_gpu_node.csv")
	tasks := readFile(f, "openb_pod_list_default.csv")
	f.Add(string(nodes[:400]), string(tasks[:600]))
	f.Add("sn,cpu_milli,memory_mib,gpu,model\nn,1,1,1,G1\n", "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\np,1,1,1,5,V100M16|G1,LS,Running,1,2,\n")
	f.Add("model,gpu,sn,memory_mib,cpu_milli\nG1,1,n,1,1\n", "gpu_milli,name,num_gpu,memory_mib,cpu_milli\n5,p,1,1,1\n")
	f.Add("sn,cpu_milli,memory_mib,gpu,model\nn,1,1,1,G1\n", "name,cpu_milli,memory_mib,num_gpu,gpu_milli,qos,qos\np,1,1,1,5,LS,BE\n")
	f.Add("sn,cpu_milli,memory_mib,gpu,model,zone\nn,1,1,1,G1,z\n", "name,cpu_milli,memory_mib,num_gpu\np,1,1,1\n")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, nodes, tasks string) {
		w, err := sim.LoadOpenB(strings.NewReader(nodes), strings.NewReader(tasks))
		check(t, w, err)
		// Columns are read by name: the same files with their columns
		// in reverse load the same, or fail the same.
		rn, rt := reversedCSV(nodes), reversedCSV(tasks)
		rw, rerr := sim.LoadOpenB(strings.NewReader(rn), strings.NewReader(rt))
		if (err == nil) != (rerr == nil) {
			t.Fatalf("reversed columns: error %v; in order: %v", rerr, err)
		}
		if err == nil && !reflect.DeepEqual(w, rw) {
			t.Fatalf("reversed columns load another workload")
		}
	})
}

// reversedCSV is s with its columns in reverse, or s when it is not CSV.
func reversedCSV(s string) string {
	if b, ok := reshape([]byte(s), reversed); ok {
		return string(b)
	}
	return s
}

func FuzzReadCSV(f *testing.F) {
	w, err := sim.Synthetic{Nodes: 3, Tasks: 5, Seed: 1, GangFraction: 0.3}.Generate()
	if err != nil {
		f.Fatal(err)
	}
	var nodes, tasks bytes.Buffer
	if err := sim.WriteCSV(&nodes, &tasks, w); err != nil {
		f.Fatal(err)
	}
	f.Add(nodes.String(), tasks.String())
	f.Add("id,gpu_model,gpus,cpu_milli,memory_mib,bandwidth,location\n", "")
	f.Fuzz(func(t *testing.T, nodes, tasks string) {
		w, err := sim.ReadCSV(strings.NewReader(nodes), strings.NewReader(tasks))
		check(t, w, err)
	})
}

func FuzzReadJSON(f *testing.F) {
	w, err := sim.Synthetic{Nodes: 3, Tasks: 5, Seed: 1, GangFraction: 0.3}.Generate()
	if err != nil {
		f.Fatal(err)
	}
	var js bytes.Buffer
	if err := sim.WriteJSON(&js, w); err != nil {
		f.Fatal(err)
	}
	f.Add(js.String())
	f.Add(`{"nodes":[{"id":"n","gpus":1024,"gpu_model":"x"}],"tasks":[{"id":"t","gpus":1,"gpu_share":"0.001"}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		w, err := sim.ReadJSON(strings.NewReader(s))
		check(t, w, err)
	})
}

func check(t *testing.T, w sim.Workload, err error) {
	if err != nil {
		if !errors.Is(err, iog.ErrInvalid) {
			t.Fatalf("error %v is not ErrInvalid", err)
		}
		return
	}
	for _, n := range w.Nodes {
		if err := n.Validate(); err != nil {
			t.Fatalf("loaded an invalid node: %v", err)
		}
	}
	for _, task := range w.Tasks {
		if err := task.Job.Validate(); err != nil || task.Arrival < 0 || task.Duration < 0 {
			t.Fatalf("loaded an invalid task %+v: %v", task, err)
		}
	}
}
