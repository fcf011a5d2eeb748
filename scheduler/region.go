package scheduler

// regionLoad is the capacity and use of the nodes of one region, kept up
// to date as work is placed and released, for spreading.
type regionLoad struct {
	gpuCap, gpuUsed uint64 // thousandths of a GPU
	cpuCap, cpuUsed uint64
}

// utilization returns the used share of the region's GPUs, or of its CPU
// when it has no GPUs.
func (r *regionLoad) utilization() float64 {
	if r.gpuCap > 0 {
		return float64(r.gpuUsed) / float64(r.gpuCap)
	}
	if r.cpuCap > 0 {
		return float64(r.cpuUsed) / float64(r.cpuCap)
	}
	return 0
}

// RegionUtilization returns the used share of the GPUs (or, without GPUs,
// the CPU) of every node in n's region (country and region of its
// location), from 0 to 1.
func (n *NodeInfo) RegionUtilization() float64 { return n.region.utilization() }
