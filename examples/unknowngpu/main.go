// Command unknowngpu prices GPUs the catalog does not know: the export
// variants of datacenter GPUs (A800, H800) and an L20. A worker's NVML
// probe reads each GPU's CUDA cores, clocks and memory bus width;
// gpu.DerivedSpec turns them into an iog.GPUModel; pricing.ScoreOf makes
// that a pricing.Score, which pricing quotes as it quotes a catalog model
// with the same figures. Neither package imports the other: the
// iog.GPUModel is their common word.
//
// There is no GPU here, so the NVML library is go-nvml's mock, loaded
// with the figures these GPUs report. Each price is set beside the
// catalog model the GPU resembles.
//
//	go run ./examples/unknowngpu
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	gonvml "github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxa100"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/gpu/nvml"
	"github.com/internetofgpus/iog/pricing"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "unknowngpu:", err)
		os.Exit(1)
	}
}

// board is one GPU as NVML describes it, and the catalog model it
// resembles ("" for none).
type board struct {
	name              string
	memGiB            uint64
	ccMajor, ccMinor  int
	cores             int
	boostMHz, busBits uint32
	memMHz            uint32 // half the per-pin data rate, as NVML counts it
	twin              string
}

// boards are the GPUs of the example host, with their published figures.
var boards = []board{
	{name: "NVIDIA A800-SXM4-40GB", memGiB: 40, ccMajor: 8, cores: 6912, boostMHz: 1410, busBits: 5120, memMHz: 1215, twin: "A100-40GB"},
	{name: "NVIDIA A800-SXM4-80GB", memGiB: 80, ccMajor: 8, cores: 6912, boostMHz: 1410, busBits: 5120, memMHz: 1593, twin: "A100-80GB"},
	{name: "NVIDIA H800", memGiB: 80, ccMajor: 9, cores: 16896, boostMHz: 1980, busBits: 5120, memMHz: 2619, twin: "H100-SXM"},
	{name: "NVIDIA L20", memGiB: 48, ccMajor: 8, ccMinor: 9, cores: 11776, boostMHz: 2520, busBits: 384, memMHz: 9001},
}

// mockHost returns go-nvml's mock server holding boards: a DGX A100
// with its GPUs replaced, so at most eight.
func mockHost(boards []board) (*dgxa100.Server, error) {
	s := dgxa100.New()
	if len(boards) > len(s.Devices) {
		return nil, fmt.Errorf("the mock host holds at most %d GPUs, not %d: %w", len(s.Devices), len(boards), iog.ErrInvalid)
	}
	s.DeviceGetCountFunc = func() (int, gonvml.Return) { return len(boards), gonvml.SUCCESS }
	for i, b := range boards {
		d := s.Devices[i].(*dgxa100.Device)
		d.Name = b.name
		d.MemoryInfo = gonvml.Memory{Total: b.memGiB << 30, Free: b.memGiB << 30}
		d.GetCudaComputeCapabilityFunc = func() (int, int, gonvml.Return) { return b.ccMajor, b.ccMinor, gonvml.SUCCESS }
		d.GetNumGpuCoresFunc = func() (int, gonvml.Return) { return b.cores, gonvml.SUCCESS }
		d.GetMaxClockInfoFunc = func(c gonvml.ClockType) (uint32, gonvml.Return) {
			if c == gonvml.CLOCK_MEM {
				return b.memMHz, gonvml.SUCCESS
			}
			return b.boostMHz, gonvml.SUCCESS
		}
		d.GetMaxCustomerBoostClockFunc = func(gonvml.ClockType) (uint32, gonvml.Return) { return b.boostMHz, gonvml.SUCCESS }
		d.GetMemoryBusWidthFunc = func() (uint32, gonvml.Return) { return b.busBits, gonvml.SUCCESS }
	}
	return s, nil
}

// priced is one GPU's quote and its twin's.
type priced struct {
	spec       iog.GPUModel
	hourly     iog.Amount
	twin       string
	twinHourly iog.Amount
}

// difference is how much dearer than its twin the GPU is priced, in
// basis points (negative when cheaper).
func (p priced) difference() int64 {
	return (p.hourly.Units() - p.twinHourly.Units()) * 10_000 / p.twinHourly.Units()
}

// percent writes basis points as a signed percentage, "-0.02%".
func percent(bp int64) string {
	sign := "+"
	if bp < 0 {
		sign, bp = "-", -bp
	}
	return fmt.Sprintf("%s%d.%02d%%", sign, bp/100, bp%100)
}

// at is the fixed moment of the quotes, so that the output is reproducible.
var at = time.Date(2026, 11, 22, 14, 0, 0, 0, time.UTC)

// priceAll probes the mock host, derives each GPU's specification and
// quotes an hour of it, and of its twin.
func priceAll(ctx context.Context, boards []board) ([]priced, error) {
	host, err := mockHost(boards)
	if err != nil {
		return nil, err
	}
	inv, err := nvml.NewProbe(host).Probe(ctx)
	if err != nil {
		return nil, err
	}
	model, err := pricing.NewModel(pricing.Config{})
	if err != nil {
		return nil, err
	}
	// A balanced market (no utilization figures) with IO at 1.85 USD.
	if err := model.SetMarket(pricing.MarketState{AsOf: at, IOPriceUSD: iog.BasisPoints(18_500)}); err != nil {
		return nil, err
	}
	out := make([]priced, len(inv.GPUs))
	for i, r := range inv.GPUs {
		spec, err := gpu.DerivedSpec(r)
		if err != nil {
			return nil, err
		}
		q, err := model.Quote(pricing.Request{
			Requirements: iog.Requirements{GPUClass: spec.Class, GPUCount: 1},
			Score:        pricing.ScoreOf(spec), Hours: 1, Currency: iog.USDC,
		}, at)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", spec.Name, err)
		}
		out[i] = priced{spec: spec, hourly: q.HourlyPerGPU, twin: boards[i].twin}
		if boards[i].twin == "" {
			continue
		}
		tq, err := model.Quote(pricing.Request{
			Requirements: iog.Requirements{GPUModel: boards[i].twin, GPUCount: 1},
			Hours:        1, Currency: iog.USDC,
		}, at)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", boards[i].twin, err)
		}
		out[i].twinHourly = tq.HourlyPerGPU
	}
	return out, nil
}

func run(ctx context.Context, w io.Writer) error {
	all, err := priceAll(ctx, boards)
	if err != nil {
		return err
	}
	for _, p := range all {
		s := p.spec
		fmt.Fprintf(w, "%s (%s, derived): %d GFLOPS FP32, %d GFLOPS FP16, %d GB/s, %d GiB\n",
			s.Name, s.Class, s.FP32GFLOPS, s.FP16GFLOPS, s.MemoryBandwidthGBps, s.MemoryBytes>>30)
		fmt.Fprintf(w, "  %s USD per GPU-hour", p.hourly.RoundedDecimal(4, iog.RoundHalfUp))
		if p.twin != "" {
			fmt.Fprintf(w, "; the catalog's %s: %s USD (%s)", p.twin, p.twinHourly.RoundedDecimal(4, iog.RoundHalfUp), percent(p.difference()))
		}
		fmt.Fprintln(w)
	}
	return nil
}
