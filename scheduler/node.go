package scheduler

import (
	"fmt"
	"strings"

	"github.com/internetofgpus/iog"
)

// Node is a device as the scheduler sees it: its capacity and where it is.
// NodeOf derives one from an iog.Device; simulators build them directly
// from traces.
type Node struct {
	// ID names the device.
	ID iog.DeviceID `json:"id"`
	// GPUModel is the model of the device's GPUs (all alike), such as
	// "A100-80GB" or a trace's code such as "G2". Catalog models are
	// matched as iog.GPUModel.MatchesGPUModel does; other names exactly,
	// without regard to case and punctuation.
	GPUModel string `json:"gpuModel,omitempty"`
	// GPUs is the number of GPUs; zero for a CPU-only device.
	GPUs int `json:"gpus,omitempty"`
	// GPUMemoryBytes is the memory of each GPU; zero takes the catalog's.
	GPUMemoryBytes uint64 `json:"gpuMemoryBytes,omitempty"`
	// CPUMilli is the CPU in thousandths of a core.
	CPUMilli uint64 `json:"cpuMilli"`
	// MemoryBytes is the host memory.
	MemoryBytes uint64 `json:"memoryBytes"`
	// Bandwidth is the device's connectivity tier.
	Bandwidth iog.BandwidthTier `json:"bandwidth"`
	// Location is where the device is.
	Location iog.Location `json:"location"`
}

// NodeOf returns the Node of a registered device: its first GPU's model
// names the model (as the catalog identifies it when it can), each thread
// counts as a core.
func NodeOf(d iog.Device) Node {
	n := Node{
		ID:          d.ID,
		GPUs:        len(d.GPUs),
		CPUMilli:    uint64(max(d.CPU.Threads, d.CPU.Cores)) * 1000,
		MemoryBytes: d.MemoryBytes,
		Bandwidth:   d.Bandwidth.Tier(),
		Location:    d.Location,
	}
	if len(d.GPUs) > 0 {
		g := d.GPUs[0]
		n.GPUModel, n.GPUMemoryBytes = g.Model, g.MemoryBytes
		if m, ok := iog.IdentifyGPU(g); ok {
			n.GPUModel = m.Name
		}
	}
	return n
}

// maxGPUsPerNode bounds a node's GPUs, so that outside input cannot make
// the scheduler allocate without limit.
const maxGPUsPerNode = 1024

// Validate checks a Node before it joins the pool: a well-formed ID, a
// GPU count within bounds, a model named when there are GPUs, a valid
// location. Problems are iog.ErrInvalid.
func (n Node) Validate() error {
	if _, err := iog.ParseDeviceID(string(n.ID)); err != nil {
		return fmt.Errorf("scheduler: node: %w", err)
	}
	switch {
	case n.GPUs < 0 || n.GPUs > maxGPUsPerNode:
		return fmt.Errorf("scheduler: node %s: %d GPUs; want 0 to %d: %w", n.ID, n.GPUs, maxGPUsPerNode, iog.ErrInvalid)
	case n.GPUs > 0 && normalizeModel(n.GPUModel) == "":
		return fmt.Errorf("scheduler: node %s: GPUs without a model name: %w", n.ID, iog.ErrInvalid)
	}
	if err := n.Location.Validate(); err != nil {
		return fmt.Errorf("scheduler: node %s: %w", n.ID, err)
	}
	return nil
}

// normalizeModel reduces a model name to upper-case letters and digits, so
// that "v100m16" and "V100-M16" name the same trace model.
func normalizeModel(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// modelGroup is the nodes of one GPU model, indexed by free capacity.
type modelGroup struct {
	id      int
	key     string // normalized model name, "" for CPU-only nodes
	model   iog.GPUModel
	known   bool // model is from the catalog
	buckets [numBuckets][]*NodeInfo
	trees   [numBuckets]boundTree // with index.bounded, over buckets
	matches map[string]bool       // GPUModel requests already judged
}

// matchesModel reports whether the group's model satisfies want, which may
// list alternatives separated by '|' ("V100M16|V100M32", as the openb trace
// writes them).
func (g *modelGroup) matchesModel(want string) bool {
	if want == "" {
		return true
	}
	if ok, seen := g.matches[want]; seen {
		return ok
	}
	ok := false
	for alt := range strings.SplitSeq(want, "|") {
		alt = strings.TrimSpace(alt)
		if g.known && g.model.MatchesGPUModel(alt) || !g.known && g.key != "" && normalizeModel(alt) == g.key {
			ok = true
			break
		}
	}
	if len(g.matches) < 1024 {
		g.matches[want] = ok
	}
	return ok
}

// matchesGPU reports whether the group's GPUs meet every GPU constraint of
// r except count and share. An unknown model meets a class or compute
// capability constraint only when none is asked.
func (g *modelGroup) matchesGPU(r *iog.Requirements) bool {
	if r.GPUCount == 0 {
		return true
	}
	if g.key == "" || !g.matchesModel(r.GPUModel) {
		return false
	}
	if r.GPUClass != iog.AnyGPUClass && (!g.known || g.model.Class != r.GPUClass) {
		return false
	}
	if r.MinComputeCapability != (iog.ComputeCapability{}) && (!g.known || !g.model.ComputeCapability.AtLeast(r.MinComputeCapability)) {
		return false
	}
	return true
}

// NodeInfo is the scheduler's live view of a node: its capacity, what is
// free, the work on it and how reliable it has been. Plugins read it
// through its methods; only the framework changes it.
type NodeInfo struct {
	spec    Node
	idx     int // order of addition, stable: first-fit prefers the lowest
	rank    int // Config.NodeRank's, for ties
	slot    int // position in Framework.nodes, for caches by node (versions tell nodes apart)
	group   *modelGroup
	gpuMem  uint64
	free    []uint16 // free share of each GPU, in thousandths
	freeCPU uint64
	freeMem uint64
	up      bool
	bucket  int16 // index bucket, -1 when not indexed
	pos     int32 // position in the bucket
	version uint64
	jobs    []*jobEntry // resident work
	region  *regionLoad
	loc     int32 // index of the node's location in Framework.locs
	rel     reliability
}

// ID returns the node's device ID.
func (n *NodeInfo) ID() iog.DeviceID { return n.spec.ID }

// Spec returns the node's capacity as it was added.
func (n *NodeInfo) Spec() Node { return n.spec }

// Index returns the node's rank in the order nodes were added, which
// never changes (a removal leaves a gap): first-fit prefers the lowest.
func (n *NodeInfo) Index() int { return n.idx }

// Up reports whether the node is in service.
func (n *NodeInfo) Up() bool { return n.up }

// GPUs returns the number of GPUs.
func (n *NodeInfo) GPUs() int { return len(n.free) }

// FreeShare returns the free share of GPU i.
func (n *NodeInfo) FreeShare(i int) iog.GPUShare { return iog.GPUShare(n.free[i]) }

// FreeGPUMilli returns the free GPU capacity in thousandths of a GPU.
func (n *NodeInfo) FreeGPUMilli() uint64 {
	var s uint64
	for _, f := range n.free {
		s += uint64(f)
	}
	return s
}

// WholeFreeGPUs returns the number of GPUs that are entirely free.
func (n *NodeInfo) WholeFreeGPUs() int { return wholeFree(n.free) }

// FreeCPUMilli returns the free CPU in thousandths of a core.
func (n *NodeInfo) FreeCPUMilli() uint64 { return n.freeCPU }

// FreeMemoryBytes returns the free host memory.
func (n *NodeInfo) FreeMemoryBytes() uint64 { return n.freeMem }

// Reliability returns the node's reliability score, from 0 (never trust)
// to 1 (always up, every check passed, no complaints).
func (n *NodeInfo) Reliability() float64 { return n.rel.score() }

// Residents returns the work placed on the node.
func (n *NodeInfo) Residents() []Resident {
	out := make([]Resident, 0, len(n.jobs))
	for _, e := range n.jobs {
		a := e.assignmentOn(n)
		out = append(out, Resident{Job: e.job.ID, Priority: e.job.Requirements.Priority, Gang: e.job.Gang, Assignment: a})
	}
	return out
}

// Resident is a job's share of one node.
type Resident struct {
	// Job is the resident job.
	Job iog.JobID
	// Priority is the job's priority.
	Priority int32
	// Gang reports that the job spans nodes and leaves all of them if
	// evicted.
	Gang bool
	Assignment
}

// fitsCore reports whether n can hold one assignment of r (the whole of a
// non-gang request) given its free resources, ignoring filters.
func (n *NodeInfo) fitsCore(r *iog.Requirements) bool {
	if !n.up || n.freeCPU < r.CPUMilli || n.freeMem < r.MemoryBytes || !n.fitsStatic(r) {
		return false
	}
	return gpuFits(n.free, r.GPUCount, uint16(r.Share()))
}

// fitsStatic checks the constraints that do not depend on what is free.
func (n *NodeInfo) fitsStatic(r *iog.Requirements) bool {
	if r.GPUCount > 0 && (!n.group.matchesGPU(r) || n.gpuMem < r.GPUMemoryBytes) {
		return false
	}
	return n.spec.Bandwidth >= r.Bandwidth && r.Allows(n.spec.Location)
}

// gpuFits reports whether free GPU shares can hold count GPUs of share.
func gpuFits(free []uint16, count int, share uint16) bool {
	if count == 0 {
		return true
	}
	if share < uint16(iog.FullGPU) {
		for _, f := range free {
			if f >= share {
				return true
			}
		}
		return false
	}
	return wholeFree(free) >= count
}

// wholeFree returns the number of wholly free GPUs among free.
func wholeFree(free []uint16) int {
	c := 0
	for _, f := range free {
		if f == uint16(iog.FullGPU) {
			c++
		}
	}
	return c
}

// memberGPUs returns how many GPUs of a gang a node can take, each with
// the per-GPU CPU and memory of r, given its wholly free GPUs (whole) and
// its free CPU and memory.
func memberGPUs(r *iog.Requirements, whole int, cpu, mem uint64) int {
	if r.CPUMilli > 0 {
		whole = min(whole, int(cpu/r.CPUMilli))
	}
	if r.MemoryBytes > 0 {
		whole = min(whole, int(mem/r.MemoryBytes))
	}
	return whole
}

// firstWholeGPUs returns the indices of the first k wholly free GPUs of
// free, the ones a placement of whole GPUs takes.
func firstWholeGPUs(free []uint16, k int) []int {
	gpus := make([]int, 0, k)
	for g, f := range free {
		if len(gpus) == k {
			break
		}
		if f == uint16(iog.FullGPU) {
			gpus = append(gpus, g)
		}
	}
	return gpus
}
