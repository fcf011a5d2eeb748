package pricing

import (
	"fmt"

	"github.com/internetofgpus/iog"
)

// Hardware is the performance factor, the first of the default model: it
// sets the hourly price of a GPU from what the GPU can do, as a sum of
// per-unit prices over its figures (from the catalog, iog.GPUModels, or
// from a benchmark Score for a GPU the catalog does not know), scaled by
// its class. Two GPUs with the same figures and class cost the same,
// whether the catalog knows them or not.
//
//	price = (PerFP16GFLOPS × FP16 GFLOPS + PerFP32GFLOPS × FP32 GFLOPS
//	         + PerMemoryGiB × memory GiB + PerBandwidthGBps × memory GB/s) × ByClass[class]
//
// The memory term is rounded half-even to a base unit; the others are
// exact. The price grows with every figure.
type Hardware struct {
	// PerFP16GFLOPS, PerFP32GFLOPS, PerMemoryGiB and PerBandwidthGBps are
	// USD per hour for one unit of each figure.
	PerFP16GFLOPS, PerFP32GFLOPS, PerMemoryGiB, PerBandwidthGBps iog.Amount
	// ByClass scales the sum by the GPU's class (consumer cards lack ECC
	// memory and fast interconnects). The AnyGPUClass entry applies to a
	// scored GPU whose class the request did not give.
	ByClass [4]iog.Rate
}

// DefaultHardware returns the network's performance prices: 0.0011 USD
// per FP16 TFLOPS-hour, 0.001 USD per FP32 TFLOPS-hour, 0.005 USD per GiB-hour and 0.00012 USD per GB/s-hour
// of memory bandwidth; consumer cards at 60%, workstation cards at 85%,
// unclassed scored GPUs as consumer cards. An H100-SXM comes to about
// 1.96 USD an hour, an A100-80GB to about 1.01, an RTX 4090 to about 0.41.
func DefaultHardware() *Hardware {
	return &Hardware{
		PerFP16GFLOPS:    iog.MustParseAmount("0.0000011 USD"),
		PerFP32GFLOPS:    iog.MustParseAmount("0.000001 USD"),
		PerMemoryGiB:     iog.MustParseAmount("0.005 USD"),
		PerBandwidthGBps: iog.MustParseAmount("0.00012 USD"),
		ByClass: [4]iog.Rate{
			iog.AnyGPUClass:    iog.BasisPoints(6000),
			iog.ConsumerGPU:    iog.BasisPoints(6000),
			iog.WorkstationGPU: iog.BasisPoints(8500),
			iog.DatacenterGPU:  iog.BasisPoints(10000),
		},
	}
}

// Price returns the hourly USD price of a GPU with figures s in class.
func (h *Hardware) Price(s Score, class iog.GPUClass) (iog.Amount, error) {
	if !class.Valid() {
		return iog.Amount{}, fmt.Errorf("hardware price: %v is not a GPU class: %w", class, iog.ErrInvalid)
	}
	fp16, err := h.PerFP16GFLOPS.Mul(int64(s.FP16GFLOPS))
	var fp32, bw, mem, sum iog.Amount
	if err == nil {
		fp32, err = h.PerFP32GFLOPS.Mul(int64(s.FP32GFLOPS))
	}
	if err == nil {
		bw, err = h.PerBandwidthGBps.Mul(int64(s.MemoryBandwidthGBps))
	}
	if err == nil {
		var perByte iog.Rate
		if perByte, err = iog.NewRate(s.MemoryBytes, 1<<30); err == nil {
			mem, err = h.PerMemoryGiB.MulRate(perByte, iog.RoundHalfEven)
		}
	}
	if err == nil {
		sum, err = fp16.Add(fp32)
	}
	if err == nil {
		sum, err = sum.Add(bw)
	}
	if err == nil {
		sum, err = sum.Add(mem)
	}
	if err == nil {
		sum, err = sum.MulRate(h.ByClass[class], iog.RoundHalfEven)
	}
	if err != nil {
		return iog.Amount{}, fmt.Errorf("hardware price: %w", err)
	}
	return sum, nil
}

// Apply sets the hourly price from in's Score and Class.
func (h *Hardware) Apply(in *Input, hourly iog.Amount) (Adjustment, error) {
	p, err := h.Price(in.Score, in.Class)
	if err != nil {
		return Adjustment{}, err
	}
	reason := "performance of a benchmarked GPU"
	if in.Model.Name != "" {
		reason = "performance of the catalog model"
	}
	return Adjustment{Factor: "hardware", Reason: reason, Before: hourly, After: p}, nil
}
