package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/internetofgpus/iog/scheduler"
	"github.com/internetofgpus/iog/scheduler/sim"
)

// simResult is one policy's replay, without its samples.
type simResult struct {
	Policy         string        `json:"policy"`
	Tasks          int           `json:"tasks"`
	Completed      int           `json:"completed"`
	Unplaced       int           `json:"unplaced"`
	Preempted      int           `json:"preempted"`
	Displaced      int           `json:"displaced"`
	MeanAllocPct   float64       `json:"mean_alloc_pct"`
	MeanFragPct    float64       `json:"mean_frag_pct"`
	QueueDelayP50  time.Duration `json:"queue_delay_p50_ns"`
	QueueDelayP99  time.Duration `json:"queue_delay_p99_ns"`
	JCTMean        time.Duration `json:"jct_mean_ns"`
	GPUHours       float64       `json:"gpu_hours"`
	Cost           string        `json:"cost"`
	FairnessJainIx float64       `json:"fairness"`
}

func (a *app) simCmd() *cobra.Command {
	var policies, tasksFile string
	var nodes, tasks int
	var seed uint64
	var fail float64
	c := &cobra.Command{
		Use:   "sim",
		Short: "Replay a workload through the scheduler simulator and compare policies",
		Long: `sim replays a workload (a synthetic one, or a JSON workload file as
scheduler/sim reads it) with its arrival and departure times, once per
policy, and compares them: allocation, fragmentation, queueing delay,
completion time, cost and fairness. It needs no server. The fragmentation
experiment of the FGD paper on the openb trace is go run
./scheduler/sim/cmd/iogsim.

Policies: ` + strings.Join(scheduler.PolicyNames(), ", ") + ".",
		Example: `  iog sim
  iog sim --policy fgd,best-fit,spread --nodes 200 --tasks 5000 --fail 0.1
  iog sim --workload trace.json --json`,
		Args: args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var w sim.Workload
			var err error
			if tasksFile != "" {
				f, err := os.Open(tasksFile)
				if err != nil {
					return fmt.Errorf("sim: %w", err)
				}
				w, err = sim.ReadJSON(f)
				f.Close()
				if err != nil {
					return usageError{fmt.Errorf("sim --workload %s: %w", tasksFile, err)}
				}
			} else if w, err = (sim.Synthetic{Nodes: nodes, Tasks: tasks, Seed: seed, GangFraction: 0.01}).Generate(); err != nil {
				return usageError{fmt.Errorf("sim: %w", err)}
			}
			names := strings.Split(policies, ",")
			var last time.Duration
			for _, t := range w.Tasks {
				last = max(last, t.Arrival)
			}
			ctx := cmd.Context()
			pr := a.progress(ctx, "replaying", int64(len(names)))
			var out []simResult
			for i, p := range names {
				pr.update(int64(i), p)
				m, err := sim.Replay{Workload: w, Policy: p, Seed: seed, FailFraction: fail, FailAt: last / 3, FailFor: 24 * time.Hour}.Run(ctx)
				if err != nil {
					pr.finish(false, p)
					return usageError{fmt.Errorf("sim: policy %s: %w", p, err)}
				}
				out = append(out, simResult{Policy: m.Policy, Tasks: m.Tasks, Completed: m.Completed, Unplaced: m.Unplaced, Preempted: m.Preempted,
					Displaced: m.Displaced, MeanAllocPct: m.MeanAllocPct, MeanFragPct: m.MeanFragPct, QueueDelayP50: m.QueueDelayP50,
					QueueDelayP99: m.QueueDelayP99, JCTMean: m.JCTMean, GPUHours: m.GPUHours, Cost: m.Cost.String(), FairnessJainIx: m.Fairness})
			}
			pr.finish(true, "done")
			return a.show(out, func(w io.Writer, color bool) error { return simTable(out).write(w, color) })
		},
	}
	f := c.Flags()
	f.StringVar(&policies, "policy", "best-fit,fgd", "comma-separated policies to compare")
	f.StringVar(&tasksFile, "workload", "", "a JSON workload file (scheduler/sim's format) instead of a synthetic one")
	f.IntVar(&nodes, "nodes", 20, "synthetic: devices in the pool (few enough to be loaded, where policies differ)")
	f.IntVar(&tasks, "tasks", 3000, "synthetic: tasks to replay")
	f.Uint64Var(&seed, "seed", 1, "seed of the synthetic workload, the random policy and the failures")
	f.Float64Var(&fail, "fail", 0, "share of devices that fail for a day, a third of the way through")
	return c
}

func simTable(rs []simResult) *table {
	t := newTable("POLICY", "COMPLETED", "UNPLACED", "PREEMPTED", "ALLOC %", "FRAG %", "QUEUE P50", "QUEUE P99", "JCT MEAN", "COST", "FAIRNESS")
	for _, r := range rs {
		t.row(r.Policy, fmt.Sprintf("%d/%d", r.Completed, r.Tasks), strconv.Itoa(r.Unplaced), strconv.Itoa(r.Preempted),
			fmt.Sprintf("%.2f", r.MeanAllocPct), fmt.Sprintf("%.2f", r.MeanFragPct), r.QueueDelayP50.Round(time.Second).String(),
			r.QueueDelayP99.Round(time.Second).String(), r.JCTMean.Round(time.Second).String(), r.Cost, fmt.Sprintf("%.4f", r.FairnessJainIx))
	}
	return t
}
