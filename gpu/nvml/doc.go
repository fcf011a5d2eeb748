// Package nvml reads a machine's NVIDIA GPUs through NVML, NVIDIA's
// management library, for a worker to report them: [Probe] is a
// gpu.DeviceProbe over github.com/NVIDIA/go-nvml.
//
// It is a package of its own because go-nvml needs cgo: it loads
// libnvidia-ml.so.1 with dlopen when a probe starts, so a binary that
// uses it still runs, and reports gpu.ErrNotPresent, on a machine without
// an NVIDIA driver, but it cannot be built with CGO_ENABLED=0. Package gpu
// and everything a server needs to verify reports stay pure Go; only a
// worker that reads real GPUs imports this package.
//
// What the probe reads becomes a gpu.Inventory: each GPU as an iog.GPU
// with its live gpu.Telemetry, and the fixed figures (gpu.Specs: CUDA
// cores, clocks, memory bus width) from which gpu.DerivedSpec derives a
// specification for a model the catalog does not know. A field a GPU or
// driver does not offer is left zero and named in Telemetry.Missing; a
// call the report cannot do without fails the probe with an error naming
// the GPU and the call, wrapping iog.ErrUnavailable.
//
// Tests and examples give NewProbe go-nvml's mock (pkg/nvml/mock, such as
// the DGX A100 server of mock/dgxa100) in place of the real library.
package nvml
