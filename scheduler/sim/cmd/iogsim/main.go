// Command iogsim runs the scheduler simulator.
//
// The default mode, frag, is the fragmentation experiment of the FGD paper
// (Weng et al., ATC '23): it loads nodes and tasks, inflates the task list
// by sampling (seeded, with replacement) until the GPU request reaches
// -inflate times the cluster's GPU capacity, shuffles it (seeded),
// schedules the tasks in that order with no departures, and prints the CSV
//
//	arrived_pct,gpu_alloc_pct,frag_pct
//
// for each whole percent of capacity that has arrived, 0 to 130 by default.
//
//	go run ./scheduler/sim/cmd/iogsim -policy fgd -seed 1
//
// -mode table runs the experiment for every policy (or those listed in
// -policy, comma-separated) with seeds 1 to -seeds and prints a Markdown
// table of the allocation at 100% and at the final percentage arrived.
//
// -mode replay replays the trace with its arrival and departure times (and
// optionally fails -fail of the devices for a day) and prints the metrics:
// allocation over time, fragmentation, queueing delay, completion time,
// utilization, cost, preemptions and failures, fairness.
//
// -protocol fgd-paper runs the frag and table modes as the FGD paper's
// artifact does (sim.FGDPaper): the trace shuffled and tuned by appending
// random draws, ties to a random node rank fixed for the run, the
// allocation bucketed by arrived percent, seeds 42 on, and the names
// random, dot-product, gpu-clustering, gpu-packing, best-fit and fgd
// meaning the artifact's policies (ours of those names are then
// iog-random, iog-fgd and so on; our others keep their names). The
// default, -protocol default, is this simulator's own.
//
//	go run ./scheduler/sim/cmd/iogsim -mode table -protocol fgd-paper -policy all -seeds 10
//
// -variant runs on a variant of the trace built like one of the FGD
// paper's workload families (sim.Variant: cpu200, gpushare60, gpuspec20,
// multigpu30 and others of those families; default, the trace itself).
//
// -format says how -nodes and -tasks are written: openb (the default
// trace, whose files are the defaults), csv (the iog CSV format), json
// (the iog JSON format, all in -tasks), or synthetic (generated:
// -synthetic-nodes and -synthetic-tasks).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/internetofgpus/iog/scheduler"
	"github.com/internetofgpus/iog/scheduler/sim"
)

const (
	defaultNodes = "scheduler/sim/testdata/openb/openb_node_list_gpu_node.csv"
	defaultTasks = "scheduler/sim/testdata/openb/openb_pod_list_default.csv"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "iogsim:", err)
		os.Exit(2)
	}
}

// options are the command's flags.
type options struct {
	mode, nodes, tasks, format, policy string
	variant                            string
	protocol                           sim.Protocol
	seed                               uint64
	seeds                              int
	inflate, fail                      float64
	synNodes, synTasks                 int
	policySet                          bool // -policy was given
}

func run(ctx context.Context, args []string, out io.Writer) error {
	var o options
	fs := flag.NewFlagSet("iogsim", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.mode, "mode", "frag", "frag (the FGD fragmentation experiment), table (every policy × seeds) or replay (trace times)")
	fs.StringVar(&o.nodes, "nodes", defaultNodes, "node list file")
	fs.StringVar(&o.tasks, "tasks", defaultTasks, "task list file")
	fs.StringVar(&o.variant, "variant", "default", "the trace itself (default) or a variant like a workload family of the FGD paper: cpuX, gpushareX, gpuspecX, multigpuX")
	fs.StringVar(&o.format, "format", "openb", "input format: openb, csv, json or synthetic")
	fs.StringVar(&o.policy, "policy", "fgd", "policy: "+strings.Join(scheduler.PolicyNames(), ", ")+
		"; under -protocol fgd-paper also iog-<name> for ours of the artifact's names (table: a comma-separated list, or all; not given, all)")
	protocol := fs.String("protocol", "default", "frag, table: default (this simulator's) or fgd-paper (the FGD paper's artifact's)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of sampling, shuffling and the random policy")
	fs.IntVar(&o.seeds, "seeds", 10, "table: seeds 1 to this")
	fs.Float64Var(&o.inflate, "inflate", 1.3, "frag, table: GPU request as a multiple of capacity")
	fs.Float64Var(&o.fail, "fail", 0, "replay: share of devices that fail for a day, a third of the way through")
	fs.IntVar(&o.synNodes, "synthetic-nodes", 1000, "synthetic: number of nodes")
	fs.IntVar(&o.synTasks, "synthetic-tasks", 10000, "synthetic: number of tasks")
	err := fs.Parse(args)
	if err != nil {
		return err
	}
	fs.Visit(func(f *flag.Flag) { o.policySet = o.policySet || f.Name == "policy" })
	if o.protocol, err = sim.ProtocolNamed(*protocol); err != nil {
		return err
	}
	w, err := load(o)
	if err != nil {
		return err
	}
	if w, err = sim.Variant(w, o.variant); err != nil {
		return err
	}
	switch o.mode {
	case "frag":
		return fragMode(ctx, out, w, o)
	case "table":
		return tableMode(ctx, out, w, o)
	case "replay":
		return replayMode(ctx, out, w, o)
	}
	return fmt.Errorf("unknown -mode %q: want frag, table or replay", o.mode)
}

func load(o options) (sim.Workload, error) {
	switch o.format {
	case "synthetic":
		return sim.Synthetic{Nodes: o.synNodes, Tasks: o.synTasks, Seed: o.seed, GangFraction: 0.01}.Generate()
	case "json":
		f, err := os.Open(o.tasks)
		if err != nil {
			return sim.Workload{}, err
		}
		defer f.Close()
		return sim.ReadJSON(f)
	case "openb", "csv":
		nf, err := os.Open(o.nodes)
		if err != nil {
			return sim.Workload{}, err
		}
		defer nf.Close()
		tf, err := os.Open(o.tasks)
		if err != nil {
			return sim.Workload{}, err
		}
		defer tf.Close()
		if o.format == "csv" {
			return sim.ReadCSV(nf, tf)
		}
		return sim.LoadOpenB(nf, tf)
	}
	return sim.Workload{}, fmt.Errorf("unknown -format %q: want openb, csv, json or synthetic", o.format)
}

func fragMode(ctx context.Context, out io.Writer, w sim.Workload, o options) error {
	points, err := sim.Experiment{Workload: w, Policy: o.policy, Seed: o.seed, Inflate: o.inflate, Protocol: o.protocol}.Run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "arrived_pct,gpu_alloc_pct,frag_pct")
	for _, p := range points {
		fmt.Fprintf(out, "%d,%.2f,%.2f\n", p.ArrivedPct, p.AllocPct, p.FragPct)
	}
	return nil
}

func tableMode(ctx context.Context, out io.Writer, w sim.Workload, o options) error {
	policies := o.protocol.PolicyNames()
	if o.policySet && o.policy != "all" {
		policies = strings.Split(o.policy, ",")
	}
	last := int(o.inflate*100 + 1e-9)
	at := []int{min(100, last), last}
	fmt.Fprintf(out, "| policy | alloc %% at %d%% arrived (mean, min–max) | alloc %% at %d%% arrived (mean, min–max) |\n|---|---|---|\n", at[0], at[1])
	for _, p := range policies {
		s, err := sim.Experiment{Workload: w, Policy: p, Inflate: o.inflate, Protocol: o.protocol}.Summarize(ctx, o.seeds, at)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "| %s | %.2f (%.2f–%.2f) | %.2f (%.2f–%.2f) |\n", p, s.Mean[0], s.Min[0], s.Max[0], s.Mean[1], s.Min[1], s.Max[1])
	}
	return nil
}

func replayMode(ctx context.Context, out io.Writer, w sim.Workload, o options) error {
	var last time.Duration
	for _, t := range w.Tasks {
		last = max(last, t.Arrival)
	}
	r := sim.Replay{Workload: w, Policy: o.policy, Seed: o.seed, FailFraction: o.fail, FailAt: last / 3, FailFor: 24 * time.Hour}
	m, err := r.Run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "policy\t%s\ntasks\t%d\ncompleted\t%d\nnever placed\t%d\npreempted\t%d\ndisplaced by failures\t%d\n",
		m.Policy, m.Tasks, m.Completed, m.Unplaced, m.Preempted, m.Displaced)
	fmt.Fprintf(out, "span\t%v\nmean GPU allocation (utilization)\t%.2f%%\npeak GPU allocation\t%.2f%%\nmean fragmentation\t%.2f%%\n",
		m.Span, m.MeanAllocPct, m.PeakAllocPct, m.MeanFragPct)
	fmt.Fprintf(out, "queueing delay mean/p50/p99\t%v / %v / %v\njob completion time mean/p99\t%v / %v\n",
		m.QueueDelayMean, m.QueueDelayP50, m.QueueDelayP99, m.JCTMean, m.JCTP99)
	fmt.Fprintf(out, "GPU hours\t%.1f\ncost\t%s\nfairness (Jain)\t%.4f\nevents\t%d\n", m.GPUHours, m.Cost, m.Fairness, m.Events)
	fmt.Fprintln(out, "\nat_h,gpu_alloc_pct,frag_pct,pending")
	for _, s := range m.Samples {
		fmt.Fprintf(out, "%.1f,%.2f,%.2f,%d\n", s.At.Hours(), s.AllocPct, s.FragPct, s.Pending)
	}
	if m.Tasks == 0 {
		return errors.New("the workload has no tasks")
	}
	return nil
}
