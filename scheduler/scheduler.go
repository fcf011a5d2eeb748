package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
)

// Scheduler matches jobs to devices. The server calls it; Framework is the
// implementation, whose policy is a set of plugins.
//
// Errors: bad input is iog.ErrInvalid, an unknown job or device
// iog.ErrNotFound, a job submitted twice or a device added twice
// iog.ErrConflict. A job that cannot be placed now is not an error: it
// waits in the queue until capacity frees up.
type Scheduler interface {
	// AddNode puts a device in the pool, up.
	AddNode(n Node) error
	// SetNodeUp takes a device out of service (up false), re-placing or
	// re-queueing every job on it, or puts it back (up true). It returns
	// the jobs that had to leave the device.
	SetNodeUp(ctx context.Context, id iog.DeviceID, up bool) ([]iog.JobID, error)
	// RemoveNode takes a device out of the pool for good, its work
	// leaving as when it goes down, and returns the jobs that left it.
	RemoveNode(ctx context.Context, id iog.DeviceID) ([]iog.JobID, error)
	// Submit queues a job.
	Submit(job Job) error
	// Cancel removes a job, queued or placed, releasing what it held; a
	// finished job is cancelled too.
	Cancel(id iog.JobID) error
	// Schedule runs one scheduling cycle over the queue.
	Schedule(ctx context.Context) (Report, error)
	// Placement reports where a job runs; false if it is not placed.
	Placement(id iog.JobID) (Placement, bool)
}

// Job is a unit of work to place.
type Job struct {
	// ID names the job.
	ID iog.JobID `json:"id"`
	// Requirements is what the job needs. For a job that is not a gang,
	// all of it goes on one device. For a gang, GPUCount whole GPUs are
	// spread over devices and CPUMilli and MemoryBytes are per GPU.
	Requirements iog.Requirements `json:"requirements"`
	// Gang asks for GPUCount GPUs across as few devices as possible, all
	// or none (a cluster).
	Gang bool `json:"gang,omitempty"`
	// User is who submitted the job, for fairness metrics.
	User string `json:"user,omitempty"`
	// Submitted is when the job was submitted; zero takes the clock's
	// time at Submit. Older jobs age ahead of newer ones.
	Submitted time.Time `json:"submitted"`
}

// maxGangGPUs bounds a gang, so that outside input cannot make the
// scheduler allocate without limit.
const maxGangGPUs = 1 << 20

// Validate checks a Job before it is queued: a well-formed ID, valid
// requirements, and for a gang whole GPUs. Problems are iog.ErrInvalid.
func (j Job) Validate() error {
	if _, err := iog.ParseJobID(string(j.ID)); err != nil {
		return fmt.Errorf("scheduler: job: %w", err)
	}
	if err := j.Requirements.Validate(); err != nil {
		return fmt.Errorf("scheduler: job %s: %w", j.ID, err)
	}
	if j.Gang && (j.Requirements.GPUCount == 0 || j.Requirements.Share() != iog.FullGPU || j.Requirements.GPUCount > maxGangGPUs) {
		return fmt.Errorf("scheduler: job %s: a gang needs 1 to %d whole GPUs: %w", j.ID, maxGangGPUs, iog.ErrInvalid)
	}
	if !j.Gang && j.Requirements.GPUCount > maxGPUsPerNode {
		return fmt.Errorf("scheduler: job %s: %d GPUs cannot be on one device; submit a gang: %w", j.ID, j.Requirements.GPUCount, iog.ErrInvalid)
	}
	return nil
}

// Placement is where a job runs: one assignment per device.
type Placement struct {
	// Job is the placed job.
	Job iog.JobID `json:"job"`
	// Assignments are its shares of devices, one per device.
	Assignments []Assignment `json:"assignments"`
}

// GPUMilli returns the GPU capacity the placement holds, in thousandths.
func (p Placement) GPUMilli() uint64 {
	var s uint64
	for _, a := range p.Assignments {
		s += uint64(len(a.GPUs)) * uint64(a.Share)
	}
	return s
}

// Assignment is a job's share of one device.
type Assignment struct {
	// Device is the device.
	Device iog.DeviceID `json:"device"`
	// GPUs are the indices of the device's GPUs the job uses.
	GPUs []int `json:"gpus,omitempty"`
	// Share is the part of each of those GPUs.
	Share iog.GPUShare `json:"share,omitempty"`
	// CPUMilli is the CPU the job holds there, in thousandths of a core.
	CPUMilli uint64 `json:"cpuMilli"`
	// MemoryBytes is the host memory the job holds there.
	MemoryBytes uint64 `json:"memoryBytes"`
}

// Report says what a scheduling cycle did.
type Report struct {
	// Placed are the placements made, in order, that still hold at the
	// end of the cycle (a job placed and then preempted in the same cycle
	// is not among them unless placed again; a caller that cancels a job
	// or takes a device down while the cycle runs may move them).
	Placed []Placement
	// Preempted are the jobs evicted for higher-priority work; they are
	// back in the queue.
	Preempted []iog.JobID
	// Pending is the number of jobs left waiting.
	Pending int
}
