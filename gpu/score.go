package gpu

import (
	"context"
	"fmt"

	"github.com/internetofgpus/iog"
)

// HardwareScore rates a machine's compute.
type HardwareScore struct {
	// GPUGFLOPS is the FP32 peak of the machine's GPUs, summed from the
	// iog.GPUModel catalog for the models the probe reported, or derived
	// from the driver's figures (DerivedSpec) for models it does not know.
	GPUGFLOPS uint64
	// UnknownGPUs counts GPUs whose specification can be neither looked
	// up nor derived; they add nothing.
	UnknownGPUs int
	// CPUOpsPerSec is the measured rate of the proof-of-compute kernel
	// (modular multiply-adds) on one CPU core.
	CPUOpsPerSec uint64
}

// cpuBenchOrder is the matrix order of the CPU run: 2·192³ ≈ 14 million
// operations, a few tens of milliseconds on a current core.
const cpuBenchOrder = 192

// MeasureConfig configures MeasureHardware. The zero value means the
// defaults documented on each field.
type MeasureConfig struct {
	// Clock times the CPU run; nil means iog.SystemClock.
	Clock iog.Clock
}

// MeasureHardware scores inv's GPUs from their specifications (DerivedSpec:
// the catalog's, or derived from the driver's figures) and
// times a run of the proof kernel on the CPU with cfg's clock. No GPU kernel
// ships with this module, so the GPUs are not measured: a GPU host whose
// kernel exists would time Solve's product on the GPU the same way. A
// clock that does not move during the run (a ManualClock) is
// ErrUnavailable.
func MeasureHardware(ctx context.Context, cfg MeasureConfig, inv Inventory) (HardwareScore, error) {
	clock := cfg.Clock
	if clock == nil {
		clock = iog.SystemClock
	}
	var s HardwareScore
	for _, r := range inv.GPUs {
		m, err := DerivedSpec(r)
		if err != nil {
			s.UnknownGPUs++
			continue
		}
		s.GPUGFLOPS += uint64(m.FP32GFLOPS)
	}
	task := ProofTask{N: cpuBenchOrder, Steps: 1}
	start := clock.Now()
	if _, err := Solve(ctx, task); err != nil {
		return HardwareScore{}, fmt.Errorf("measure hardware: %w", err)
	}
	elapsed := clock.Now().Sub(start)
	if elapsed <= 0 {
		return HardwareScore{}, fmt.Errorf("measure hardware: the clock did not move during the CPU run: %w", iog.ErrUnavailable)
	}
	ops := 2 * uint64(cpuBenchOrder) * cpuBenchOrder * cpuBenchOrder
	s.CPUOpsPerSec = ops * 1e9 / uint64(elapsed.Nanoseconds())
	return s, nil
}
