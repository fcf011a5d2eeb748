package sim

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler"
)

// Workload is a device pool and the tasks that arrive at it.
type Workload struct {
	// Nodes are the devices of the pool.
	Nodes []scheduler.Node
	// Tasks are the tasks, in no particular order.
	Tasks []Task
}

// Task is one job of a workload, with when it arrives and how long it runs
// once placed.
type Task struct {
	// Job is what the task asks for.
	Job scheduler.Job
	// Arrival is when the task is submitted, from the start of the trace.
	Arrival time.Duration
	// Duration is how long the task runs once placed; zero runs until the
	// end of the replay.
	Duration time.Duration
}

// GPUMilli returns the GPU capacity a workload's nodes have, in
// thousandths of a GPU.
func (w Workload) GPUMilli() uint64 {
	var s uint64
	for _, n := range w.Nodes {
		s += uint64(n.GPUs) * uint64(iog.FullGPU)
	}
	return s
}

// Distribution returns the mix of the workload's task shapes, every task
// counted once (a gang as one GPU's worth), for FGD and the fragmentation
// metric.
func (w Workload) Distribution() *scheduler.TaskDistribution {
	d := scheduler.NewTaskDistribution(0)
	for _, t := range w.Tasks {
		r := t.Job.Requirements
		if t.Job.Gang {
			r.GPUCount = 1
		}
		d.Observe(r)
	}
	return d
}

// maxTasks and maxNodes bound what a loader accepts, so that a hostile file
// cannot exhaust memory.
const (
	maxNodes = 1 << 20
	maxTasks = 1 << 22
)

// validate checks a loaded workload: nodes and tasks valid, IDs unique.
func (w Workload) validate() error {
	nodes := make(map[iog.DeviceID]bool, len(w.Nodes))
	for i, n := range w.Nodes {
		if err := n.Validate(); err != nil {
			return fmt.Errorf("node %d: %w", i+1, err)
		}
		if nodes[n.ID] {
			return fmt.Errorf("node %d: %s appears twice: %w", i+1, n.ID, iog.ErrInvalid)
		}
		nodes[n.ID] = true
	}
	jobs := make(map[iog.JobID]bool, len(w.Tasks))
	for i, t := range w.Tasks {
		if t.Arrival < 0 || t.Duration < 0 {
			return fmt.Errorf("task %d: negative arrival or duration: %w", i+1, iog.ErrInvalid)
		}
		if jobs[t.Job.ID] {
			return fmt.Errorf("task %d: %s appears twice: %w", i+1, t.Job.ID, iog.ErrInvalid)
		}
		jobs[t.Job.ID] = true
		if err := t.Job.Validate(); err != nil {
			return fmt.Errorf("task %d: %w", i+1, err)
		}
	}
	return nil
}

// epoch is when a simulation's virtual clock starts.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// quiet is the logger of the frameworks the simulator builds: a
// simulation reports through its metrics, not the scheduler's log.
var quiet = slog.New(slog.DiscardHandler)
