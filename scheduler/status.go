package scheduler

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
)

// Phase is where a job is in its life in the scheduler.
type Phase uint8

const (
	// Waiting jobs are in the queue: not yet tried, or tried and waiting
	// for capacity (JobStatus.Reason says why).
	Waiting Phase = iota + 1
	// Binding jobs hold their devices while their Permit and Bind
	// plugins run.
	Binding
	// Placed jobs run where their Placement says.
	Placed
)

// String returns "waiting", "binding" or "placed".
func (p Phase) String() string {
	switch p {
	case Waiting:
		return "waiting"
	case Binding:
		return "binding"
	case Placed:
		return "placed"
	}
	return fmt.Sprintf("Phase(%d)", uint8(p))
}

// JobStatus is what the scheduler can say of one job, as a Kubernetes
// pod's status says whether it is scheduled and why not.
type JobStatus struct {
	// Job is the job.
	Job iog.JobID
	// Phase is where it is.
	Phase Phase
	// Submitted is when it was submitted.
	Submitted time.Time
	// Placement is where it is placed or binding; empty while waiting.
	Placement Placement
	// Reason says why a waiting job waits, as Kubernetes' Unschedulable
	// condition does ("0/12 nodes are available: 8 have too few free
	// GPUs, 4 are in another place"): a refusal by a plugin, the queue
	// held for a starved job, what made it leave its placement, or the
	// nodes' reasons, as they are now, when its last attempt found no
	// room. Empty when it has not been tried yet.
	Reason string
	// Nodes is the number of nodes in the pool and Available those that
	// could take the job (a gang: a member) now, when Reason is about
	// the nodes.
	Nodes, Available int
	// Rejections count the other nodes by reason, most first.
	Rejections []Rejection
}

// Rejection is a reason nodes cannot take a job and how many give it.
type Rejection struct {
	// Reason completes "N nodes …", such as "have too few free GPUs".
	Reason string
	// Nodes is how many nodes it applies to.
	Nodes int
}

// Status reports where a job is and, when it waits, why; false for a job
// the scheduler does not hold (never submitted, cancelled). Explaining a
// job that found no room visits every node, and asks the Filter plugins.
func (f *Framework) Status(id iog.JobID) (JobStatus, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.jobs[id]
	if !ok {
		return JobStatus{}, false
	}
	s := JobStatus{Job: id, Phase: Waiting, Submitted: e.job.Submitted, Reason: e.cause}
	switch e.state {
	case placed:
		s.Phase, s.Placement, s.Reason = Placed, clonePlacement(e.placement), ""
		return s, true
	case binding:
		s.Phase, s.Placement, s.Reason = Binding, clonePlacement(e.placement), ""
		return s, true
	}
	if e.tried && e.cause == "" {
		f.explain(&s, &e.job)
	}
	return s, true
}

// explain fills s with the nodes' reasons for not taking job now.
func (f *Framework) explain(s *JobStatus, job *Job) {
	r := &job.Requirements
	f.st.reset(f.clock.Now())
	if job.Gang {
		f.st.GangRTT = f.latencyBound(r)
	}
	count := map[string]int{}
	usable := 0
	for _, n := range f.nodes {
		why, u := f.rejection(job, n)
		if why == "" {
			s.Available++
			usable += u
			continue
		}
		count[why]++
	}
	s.Nodes = len(f.nodes)
	for why, k := range count {
		s.Rejections = append(s.Rejections, Rejection{Reason: why, Nodes: k})
	}
	slices.SortFunc(s.Rejections, func(a, b Rejection) int {
		if c := cmp.Compare(b.Nodes, a.Nodes); c != 0 {
			return c
		}
		return strings.Compare(a.Reason, b.Reason)
	})
	var b strings.Builder
	fmt.Fprintf(&b, "%d/%d nodes are available", s.Available, s.Nodes)
	if job.Gang {
		fmt.Fprintf(&b, " with %d of the %d GPUs the gang needs", min(usable, r.GPUCount), r.GPUCount)
	}
	for i, rj := range s.Rejections {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(&b, "%s%d %s", sep, rj.Nodes, agree(rj.Reason, rj.Nodes))
	}
	switch {
	case job.Gang && usable >= r.GPUCount && f.latencyBound(r) > 0:
		fmt.Fprintf(&b, "; no set of them within %v of each other covers the gang", f.latencyBound(r))
	case job.Gang && usable >= r.GPUCount:
		b.WriteString("; no set of them covering the gang is within its budget")
	case !job.Gang && s.Available > 0:
		b.WriteString("; capacity was released since its last attempt")
	}
	s.Reason = b.String()
}

// agree puts a reason, a plural phrase, in the singular for one node.
func agree(reason string, nodes int) string {
	if nodes != 1 {
		return reason
	}
	for plural, singular := range map[string]string{"have ": "has ", "are ": "is "} {
		if rest, ok := strings.CutPrefix(reason, plural); ok {
			return singular + rest
		}
	}
	return reason
}

// rejection returns why n cannot take job now ("" if it can) and, for a
// gang, how many of its GPUs n could take.
func (f *Framework) rejection(job *Job, n *NodeInfo) (string, int) {
	r := &job.Requirements
	gpus := "GPUs"
	if r.GPUModel != "" {
		gpus = r.GPUModel
	}
	switch {
	case !n.up:
		return "are down", 0
	case r.GPUCount > 0 && len(n.free) == 0:
		return "have no GPUs", 0
	case r.GPUCount > 0 && !n.group.matchesGPU(r):
		return "have other GPUs than " + gpus, 0
	case r.GPUCount > 0 && n.gpuMem < r.GPUMemoryBytes:
		return "have too little GPU memory", 0
	case n.spec.Bandwidth < r.Bandwidth:
		return "have too little bandwidth", 0
	case !r.Allows(n.spec.Location):
		return "are in another place", 0
	case !f.withinBudget(job, n):
		return "are over its budget", 0
	}
	for _, p := range f.cfg.Profile.Filter {
		if p.Filter(&f.st, job, n) {
			continue
		}
		if fr, ok := p.(FilterReasoner); ok {
			return fr.FilterReason(&f.st, job, n), 0
		}
		return "are rejected by " + p.Name(), 0
	}
	if job.Gang {
		whole := n.WholeFreeGPUs()
		u := memberGPUs(r, whole, n.freeCPU, n.freeMem)
		switch {
		case u > 0:
			return "", u
		case whole == 0:
			return "have no free " + gpus, 0
		case n.freeCPU < r.CPUMilli:
			return "have too little free CPU", 0
		}
		return "have too little free memory", 0
	}
	switch {
	case !gpuFits(n.free, r.GPUCount, uint16(r.Share())) && r.Share() < iog.FullGPU:
		return fmt.Sprintf("have no GPU with %v free", r.Share()), 0
	case !gpuFits(n.free, r.GPUCount, uint16(r.Share())):
		return "have too few free " + gpus, 0
	case n.freeCPU < r.CPUMilli:
		return "have too little free CPU", 0
	case n.freeMem < r.MemoryBytes:
		return "have too little free memory", 0
	}
	return "", 0
}
