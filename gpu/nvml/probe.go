package nvml

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	gonvml "github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// Probe is a gpu.DeviceProbe over NVIDIA's management library, NVML. It
// loads the library at run time, so a binary that uses it runs, and
// reports iog.ErrUnavailable, on a machine without an NVIDIA driver.
//
// Tests give it go-nvml's mock (pkg/nvml/mock, such as the DGX A100 server
// of mock/dgxa100) in place of the real library.
type Probe struct {
	lib gonvml.Interface

	mu sync.Mutex // NVML's Init and Shutdown are reference counted; one probe at a time
}

// NewProbe returns a probe over lib: go-nvml's New() for the real
// library, a mock in tests. A nil lib means go-nvml's New().
func NewProbe(lib gonvml.Interface) *Probe {
	if lib == nil {
		lib = gonvml.New()
	}
	return &Probe{lib: lib}
}

// Probe initializes NVML, reads every GPU and shuts NVML down again.
func (p *Probe) Probe(ctx context.Context) (gpu.Inventory, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r := guardCall(p.lib.Init); r != gonvml.SUCCESS {
		return gpu.Inventory{}, &nvmlError{device: -1, call: "init", ret: r}
	}
	defer guardCall(p.lib.Shutdown)

	var inv gpu.Inventory
	v, r := guard(p.lib.SystemGetDriverVersion)
	if r != gonvml.SUCCESS && !absent(r) {
		return gpu.Inventory{}, &nvmlError{device: -1, call: "driver version", ret: r}
	}
	inv.Driver.Version = v
	cuda, r := guard(p.lib.SystemGetCudaDriverVersion)
	if r != gonvml.SUCCESS && !absent(r) {
		return gpu.Inventory{}, &nvmlError{device: -1, call: "CUDA version", ret: r}
	}
	if r == gonvml.SUCCESS && cuda > 0 {
		inv.Driver.CUDAVersion = strconv.Itoa(cuda/1000) + "." + strconv.Itoa(cuda%1000/10)
	}

	n, r := guard(p.lib.DeviceGetCount)
	if r != gonvml.SUCCESS {
		return gpu.Inventory{}, &nvmlError{device: -1, call: "device count", ret: r}
	}
	if n < 0 || n > maxProbedGPUs {
		return gpu.Inventory{}, fmt.Errorf("nvml: the driver reports %d GPUs, more than %d: %w", n, maxProbedGPUs, iog.ErrUnavailable)
	}
	inv.GPUs = make([]gpu.GPUReading, n)
	busIDs := make([]string, n)
	peerBuses := make([][]string, n)
	for i := range n {
		if err := ctx.Err(); err != nil {
			return gpu.Inventory{}, fmt.Errorf("nvml: probe stopped: %w", err)
		}
		dev, r := guard(func() (gonvml.Device, gonvml.Return) { return p.lib.DeviceGetHandleByIndex(i) })
		if r == gonvml.SUCCESS && dev == nil {
			r = gonvml.ERROR_UNKNOWN
		}
		if r != gonvml.SUCCESS {
			return gpu.Inventory{}, &nvmlError{device: i, call: "get handle", ret: r}
		}
		d := deviceReader{index: i, dev: dev}
		reading, err := d.read()
		if err != nil {
			return gpu.Inventory{}, err
		}
		inv.GPUs[i] = reading
		busIDs[i] = d.busID
		peerBuses[i] = d.peerBuses
	}
	linkPeers(inv.GPUs, busIDs, peerBuses)
	return inv, nil
}

// maxProbedGPUs bounds what a driver may claim, so a broken one cannot make
// the probe allocate without limit.
const maxProbedGPUs = 64
