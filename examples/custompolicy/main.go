// Command custompolicy writes a new scheduling policy in a few lines and
// measures it against best-fit in the FGD paper's fragmentation experiment
// on the openb trace.
//
//	go run ./examples/custompolicy
//	go run ./examples/custompolicy -seeds 10
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/internetofgpus/iog/scheduler"
	"github.com/internetofgpus/iog/scheduler/sim"
)

// noStrand is the new policy: best fit, except that it will not leave a
// node with free GPUs but too little CPU or memory left to use them (less
// than a typical task's 4 cores and 16 GiB), unless nothing else fits. A
// policy is a score plugin: a name and a score, higher is better.
type noStrand struct{}

// Name returns "no-strand".
func (noStrand) Name() string { return "no-strand" }

// Score is best fit's, less a penalty for stranding GPUs.
func (noStrand) Score(st *scheduler.CycleState, job *scheduler.Job, o scheduler.Option) float64 {
	score := scheduler.BestFit{}.Score(st, job, o) // within [-3, 0]
	r, n := job.Requirements, o.Node
	gpusLeft := n.FreeGPUMilli() - r.GPUMilli()
	cpuLeft, memLeft := n.FreeCPUMilli()-r.CPUMilli, n.FreeMemoryBytes()-r.MemoryBytes
	if gpusLeft > 0 && (cpuLeft < 4000 || memLeft < 16<<30) {
		score -= 3 // stranded GPUs: worse than any best fit
	}
	return score
}

func main() {
	nodes := flag.String("nodes", "scheduler/sim/testdata/openb/openb_node_list_gpu_node.csv", "openb node list")
	tasks := flag.String("tasks", "scheduler/sim/testdata/openb/openb_pod_list_default.csv", "openb pod list")
	seeds := flag.Int("seeds", 3, "seeds to average over")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *nodes, *tasks, *seeds); err != nil {
		fmt.Fprintln(os.Stderr, "custompolicy:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, nodesPath, tasksPath string, seeds int) error {
	nf, err := os.Open(nodesPath)
	if err != nil {
		return err
	}
	defer nf.Close()
	tf, err := os.Open(tasksPath)
	if err != nil {
		return err
	}
	defer tf.Close()
	w, err := sim.LoadOpenB(nf, tf)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "GPU allocation %% of the openb cluster, mean of %d seeds\npolicy\tat 100%% arrived\tat 130%% arrived\n", seeds)
	for _, policy := range []scheduler.ScorePlugin{scheduler.BestFit{}, noStrand{}} {
		var at100, at130 float64
		for seed := 1; seed <= seeds; seed++ {
			points, err := sim.Experiment{Workload: w, Plugin: policy, Seed: uint64(seed)}.Run(ctx)
			if err != nil {
				return err
			}
			at100 += points[100].AllocPct / float64(seeds)
			at130 += points[130].AllocPct / float64(seeds)
		}
		fmt.Fprintf(out, "%s\t%.2f\t%.2f\n", policy.Name(), at100, at130)
	}
	return nil
}
