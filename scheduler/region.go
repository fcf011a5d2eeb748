package scheduler

import "github.com/internetofgpus/iog"

// regionKey names a node's region: the Framework keeps one regionLoad per
// key.
func regionKey(l iog.Location) string { return l.Country + "/" + l.Region }

// regionLoad is the capacity and use of the nodes of one region that are
// in service, kept up to date as work is placed and released and nodes go
// down and up, for spreading.
type regionLoad struct {
	gpuCap, gpuUsed uint64 // thousandths of a GPU
	cpuCap, cpuUsed uint64
}

// serve adds n's capacity to the region (sign +1, n comes into service)
// or takes it away (-1).
func (r *regionLoad) serve(n *NodeInfo, sign int) {
	gpu, cpu := uint64(n.spec.GPUs)*uint64(iog.FullGPU), n.spec.CPUMilli
	if sign > 0 {
		r.gpuCap, r.cpuCap = r.gpuCap+gpu, r.cpuCap+cpu
	} else {
		r.gpuCap, r.cpuCap = r.gpuCap-gpu, r.cpuCap-cpu
	}
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
// the CPU) of the nodes in service in n's region (country and region of its
// location), from 0 to 1.
func (n *NodeInfo) RegionUtilization() float64 { return n.region.utilization() }
