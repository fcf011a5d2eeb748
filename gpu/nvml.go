package gpu

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/internetofgpus/iog"
)

// NVMLProbe is a DeviceProbe over NVIDIA's management library, NVML. It
// loads the library at run time, so a binary that uses it runs, and
// reports iog.ErrUnavailable, on a machine without an NVIDIA driver.
//
// Tests give it go-nvml's mock (pkg/nvml/mock, such as the DGX A100 server
// of mock/dgxa100) in place of the real library.
type NVMLProbe struct {
	lib nvml.Interface

	mu sync.Mutex // NVML's Init and Shutdown are reference counted; one probe at a time
}

// NewNVMLProbe returns a probe over lib: nvml.New() for the real library, a
// mock in tests. A nil lib means nvml.New().
func NewNVMLProbe(lib nvml.Interface) *NVMLProbe {
	if lib == nil {
		lib = nvml.New()
	}
	return &NVMLProbe{lib: lib}
}

// nvmlError is a failed NVML call, with the call's name and the device.
type nvmlError struct {
	device int // -1 for calls that are not about one device
	call   string
	ret    nvml.Return
}

func (e *nvmlError) Error() string {
	where := "nvml"
	if e.device >= 0 {
		where = "nvml: GPU " + strconv.Itoa(e.device)
	}
	return fmt.Sprintf("%s: %s: %s", where, e.call, returnString(e.ret))
}

// Unwrap makes every NVML failure an iog.ErrUnavailable: the hardware could
// not be read now, and may be read later. A library or driver that is not
// there at all is ErrNotPresent too.
func (e *nvmlError) Unwrap() error {
	if e.call == "init" && (e.ret == nvml.ERROR_LIBRARY_NOT_FOUND || e.ret == nvml.ERROR_DRIVER_NOT_LOADED || e.ret == nvml.ERROR_FUNCTION_NOT_FOUND) {
		return ErrNotPresent
	}
	return iog.ErrUnavailable
}

// returnString names an NVML return code without calling into the library,
// which may not be loaded.
func returnString(r nvml.Return) string {
	switch r {
	case nvml.ERROR_UNINITIALIZED:
		return "NVML is not initialized"
	case nvml.ERROR_NOT_SUPPORTED:
		return "not supported by this GPU"
	case nvml.ERROR_NO_PERMISSION:
		return "no permission"
	case nvml.ERROR_NOT_FOUND:
		return "not found"
	case nvml.ERROR_DRIVER_NOT_LOADED:
		return "the NVIDIA driver is not loaded"
	case nvml.ERROR_LIBRARY_NOT_FOUND:
		return "the NVML library (libnvidia-ml.so.1) was not found; is an NVIDIA driver installed?"
	case nvml.ERROR_FUNCTION_NOT_FOUND:
		return "the NVML library lacks this function"
	case nvml.ERROR_GPU_IS_LOST:
		return "the GPU has fallen off the bus or is otherwise inaccessible"
	case nvml.ERROR_TIMEOUT:
		return "timed out"
	case nvml.ERROR_UNKNOWN:
		return "unknown error"
	}
	return "NVML error " + strconv.Itoa(int(r))
}

// absent reports whether r means that the GPU or driver simply does not
// offer a field, which leaves it unknown rather than failing the probe.
func absent(r nvml.Return) bool {
	return r == nvml.ERROR_NOT_SUPPORTED || r == nvml.ERROR_FUNCTION_NOT_FOUND || r == nvml.ERROR_NOT_FOUND
}

// guard calls f and turns a panic inside it into ERROR_FUNCTION_NOT_FOUND:
// a mock without the function, or a binding that cannot reach it, then
// reads as a missing field instead of crashing the worker.
func guard[T any](f func() (T, nvml.Return)) (v T, r nvml.Return) {
	defer func() {
		if recover() != nil {
			var zero T
			v, r = zero, nvml.ERROR_FUNCTION_NOT_FOUND
		}
	}()
	return f()
}

// guardCall is guard for calls that return only a status.
func guardCall(f func() nvml.Return) nvml.Return {
	_, r := guard(func() (struct{}, nvml.Return) { return struct{}{}, f() })
	return r
}

// Probe initializes NVML, reads every GPU and shuts NVML down again.
func (p *NVMLProbe) Probe(ctx context.Context) (Inventory, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r := guardCall(p.lib.Init); r != nvml.SUCCESS {
		return Inventory{}, &nvmlError{device: -1, call: "init", ret: r}
	}
	defer guardCall(p.lib.Shutdown)

	var inv Inventory
	v, r := guard(p.lib.SystemGetDriverVersion)
	if r != nvml.SUCCESS && !absent(r) {
		return Inventory{}, &nvmlError{device: -1, call: "driver version", ret: r}
	}
	inv.Driver.Version = v
	cuda, r := guard(p.lib.SystemGetCudaDriverVersion)
	if r != nvml.SUCCESS && !absent(r) {
		return Inventory{}, &nvmlError{device: -1, call: "CUDA version", ret: r}
	}
	if r == nvml.SUCCESS && cuda > 0 {
		inv.Driver.CUDAVersion = strconv.Itoa(cuda/1000) + "." + strconv.Itoa(cuda%1000/10)
	}

	n, r := guard(p.lib.DeviceGetCount)
	if r != nvml.SUCCESS {
		return Inventory{}, &nvmlError{device: -1, call: "device count", ret: r}
	}
	if n < 0 || n > maxProbedGPUs {
		return Inventory{}, fmt.Errorf("nvml: the driver reports %d GPUs, more than %d: %w", n, maxProbedGPUs, iog.ErrUnavailable)
	}
	inv.GPUs = make([]GPUReading, n)
	busIDs := make([]string, n)
	peerBuses := make([][]string, n)
	for i := range n {
		if err := ctx.Err(); err != nil {
			return Inventory{}, fmt.Errorf("nvml: probe stopped: %w", err)
		}
		dev, r := guard(func() (nvml.Device, nvml.Return) { return p.lib.DeviceGetHandleByIndex(i) })
		if r == nvml.SUCCESS && dev == nil {
			r = nvml.ERROR_UNKNOWN
		}
		if r != nvml.SUCCESS {
			return Inventory{}, &nvmlError{device: i, call: "get handle", ret: r}
		}
		d := deviceReader{index: i, dev: dev}
		reading, err := d.read()
		if err != nil {
			return Inventory{}, err
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

// deviceReader reads one GPU, remembering the first hard failure.
type deviceReader struct {
	index     int
	dev       nvml.Device
	missing   []string
	busID     string
	peerBuses []string
}

// required runs a call the report cannot do without.
func required[T any](d *deviceReader, call string, f func() (T, nvml.Return)) (T, error) {
	v, r := guard(f)
	if r != nvml.SUCCESS {
		return v, &nvmlError{device: d.index, call: call, ret: r}
	}
	return v, nil
}

// optional runs a call for a field the GPU may not offer: an absent field
// is recorded in missing, any other failure is an error.
func optional[T any](d *deviceReader, field string, f func() (T, nvml.Return)) (T, error) {
	v, r := guard(f)
	switch {
	case r == nvml.SUCCESS:
		return v, nil
	case absent(r):
		if len(d.missing) == 0 || d.missing[len(d.missing)-1] != field {
			d.missing = append(d.missing, field)
		}
		var zero T
		return zero, nil
	}
	return v, &nvmlError{device: d.index, call: field, ret: r}
}

type pair[A, B any] struct {
	a A
	b B
}

func (d *deviceReader) read() (GPUReading, error) {
	var g iog.GPU
	var t Telemetry
	var err error
	g.Vendor = iog.VendorNVIDIA
	if g.UUID, err = required(d, "UUID", d.dev.GetUUID); err != nil {
		return GPUReading{}, err
	}
	name, err := required(d, "name", d.dev.GetName)
	if err != nil {
		return GPUReading{}, err
	}
	g.Model = strings.TrimSpace(name)
	mem, err := required(d, "memory info", d.dev.GetMemoryInfo)
	if err != nil {
		return GPUReading{}, err
	}
	g.MemoryBytes, t.MemoryUsedBytes, t.MemoryFreeBytes = mem.Total, mem.Used, mem.Free
	cc, err := optional(d, "compute capability", func() (pair[int, int], nvml.Return) {
		ma, mi, r := d.dev.GetCudaComputeCapability()
		return pair[int, int]{ma, mi}, r
	})
	if err != nil {
		return GPUReading{}, err
	}
	if cc.a < 0 || cc.a > 255 || cc.b < 0 || cc.b > 255 {
		return GPUReading{}, fmt.Errorf("nvml: GPU %d: compute capability %d.%d is out of range: %w", d.index, cc.a, cc.b, iog.ErrUnavailable)
	}
	g.ComputeCapability = iog.ComputeCapability{Major: uint8(cc.a), Minor: uint8(cc.b)}

	pci, err := optional(d, "pci", d.dev.GetPciInfo)
	if err != nil {
		return GPUReading{}, err
	}
	d.busID = cString(pci.BusId[:])
	gen, err := optional(d, "pcie link", d.dev.GetCurrPcieLinkGeneration)
	if err != nil {
		return GPUReading{}, err
	}
	width, err := optional(d, "pcie link", d.dev.GetCurrPcieLinkWidth)
	if err != nil {
		return GPUReading{}, err
	}
	g.PCIe = iog.PCIeLink{Generation: clampUint8(gen), Lanes: clampUint8(width)}
	mig, err := optional(d, "mig", func() (pair[int, int], nvml.Return) {
		cur, pending, r := d.dev.GetMigMode()
		return pair[int, int]{cur, pending}, r
	})
	if err != nil {
		return GPUReading{}, err
	}
	g.MIG = mig.a == nvml.DEVICE_MIG_ENABLE
	if err := d.readNVLinks(); err != nil {
		return GPUReading{}, err
	}

	specs, err := d.readSpecs()
	if err != nil {
		return GPUReading{}, err
	}
	if err := d.readTelemetry(&t); err != nil {
		return GPUReading{}, err
	}
	t.Missing = d.missing
	return GPUReading{GPU: g, Specs: specs, Telemetry: t}, nil
}

// readSpecs reads the fixed figures DerivedSpec derives a specification
// from. Each is optional: consumer cards answer NOT_SUPPORTED for the
// customer boost clock, and an older driver lacks GetNumGpuCores.
func (d *deviceReader) readSpecs() (Specs, error) {
	var s Specs
	cores, err := optional(d, "cores", d.dev.GetNumGpuCores)
	if err != nil {
		return Specs{}, err
	}
	if cores < 0 || cores > maxCores {
		return Specs{}, fmt.Errorf("nvml: GPU %d: %d CUDA cores is out of range: %w", d.index, cores, iog.ErrUnavailable)
	}
	s.Cores = uint32(cores)
	clock := func(field string, f func(nvml.ClockType) (uint32, nvml.Return), c nvml.ClockType) uint32 {
		if err != nil {
			return 0
		}
		var v uint32
		v, err = optional(d, field, func() (uint32, nvml.Return) { return f(c) })
		return v
	}
	s.MaxSMClockMHz = clock("max clocks", d.dev.GetMaxClockInfo, nvml.CLOCK_SM)
	s.MaxMemoryClockMHz = clock("max clocks", d.dev.GetMaxClockInfo, nvml.CLOCK_MEM)
	s.BoostClockMHz = clock("boost clock", d.dev.GetMaxCustomerBoostClock, nvml.CLOCK_SM)
	if err != nil {
		return Specs{}, err
	}
	if s.MemoryBusWidthBits, err = optional(d, "memory bus width", d.dev.GetMemoryBusWidth); err != nil {
		return Specs{}, err
	}
	return s, nil
}

// maxCores bounds the CUDA cores a driver may claim; the largest GPU of
// 2025 has 24 576.
const maxCores = 1 << 20

// readNVLinks collects the PCI bus IDs at the far end of each active link.
func (d *deviceReader) readNVLinks() error {
	for link := range nvml.NVLINK_MAX_LINKS {
		state, r := guard(func() (nvml.EnableState, nvml.Return) { return d.dev.GetNvLinkState(link) })
		if r != nvml.SUCCESS {
			// Links are numbered from 0; the first a GPU does not have
			// (ERROR_INVALID_ARGUMENT) or a GPU without NVLink
			// (ERROR_NOT_SUPPORTED) ends the list.
			if link == 0 && !absent(r) && r != nvml.ERROR_INVALID_ARGUMENT {
				return &nvmlError{device: d.index, call: "nvlink state", ret: r}
			}
			return nil
		}
		if state != nvml.FEATURE_ENABLED {
			continue
		}
		remote, err := optional(d, "nvlink", func() (nvml.PciInfo, nvml.Return) { return d.dev.GetNvLinkRemotePciInfo(link) })
		if err != nil {
			return err
		}
		if bus := cString(remote.BusId[:]); bus != "" {
			d.peerBuses = append(d.peerBuses, bus)
		}
	}
	return nil
}

func (d *deviceReader) readTelemetry(t *Telemetry) error {
	var err error
	get := func(field string, f func() (uint32, nvml.Return)) uint32 {
		if err != nil {
			return 0
		}
		var v uint32
		v, err = optional(d, field, f)
		return v
	}
	t.TemperatureC = get("temperature", func() (uint32, nvml.Return) { return d.dev.GetTemperature(nvml.TEMPERATURE_GPU) })
	t.PowerMilliwatts = get("power", d.dev.GetPowerUsage)
	t.PowerLimitMilliwatts = get("power limit", d.dev.GetEnforcedPowerLimit)
	t.SMClockMHz = get("clocks", func() (uint32, nvml.Return) { return d.dev.GetClockInfo(nvml.CLOCK_SM) })
	t.MemoryClockMHz = get("clocks", func() (uint32, nvml.Return) { return d.dev.GetClockInfo(nvml.CLOCK_MEM) })
	if err != nil {
		return err
	}
	util, err := optional(d, "utilization", d.dev.GetUtilizationRates)
	if err != nil {
		return err
	}
	t.UtilizationPercent, t.MemoryUtilizationPercent = util.Gpu, util.Memory
	ecc := func(kind nvml.MemoryErrorType) func() (uint64, nvml.Return) {
		return func() (uint64, nvml.Return) { return d.dev.GetTotalEccErrors(kind, nvml.VOLATILE_ECC) }
	}
	if t.ECCCorrected, err = optional(d, "ecc", ecc(nvml.MEMORY_ERROR_TYPE_CORRECTED)); err != nil {
		return err
	}
	if t.ECCUncorrected, err = optional(d, "ecc", ecc(nvml.MEMORY_ERROR_TYPE_UNCORRECTED)); err != nil {
		return err
	}
	if t.ThrottleReasons, err = optional(d, "throttle reasons", d.dev.GetCurrentClocksEventReasons); err != nil {
		return err
	}
	return nil
}

// linkPeers turns each GPU's NVLink peer bus IDs into the UUIDs of the GPUs
// on those buses. Links to other chips (NVSwitches) are not GPU peers.
func linkPeers(gpus []GPUReading, busIDs []string, peerBuses [][]string) {
	byBus := make(map[string]string, len(gpus))
	for i, bus := range busIDs {
		if bus != "" {
			byBus[normalizeBusID(bus)] = gpus[i].GPU.UUID
		}
	}
	for i, buses := range peerBuses {
		for _, bus := range buses {
			uuid, ok := byBus[normalizeBusID(bus)]
			if ok && uuid != gpus[i].GPU.UUID && !slices.Contains(gpus[i].GPU.NVLinkPeers, uuid) {
				gpus[i].GPU.NVLinkPeers = append(gpus[i].GPU.NVLinkPeers, uuid)
			}
		}
	}
}

// normalizeBusID makes "00000000:07:00.0" and "0000:07:00.0" equal: NVML
// writes the domain with 8 digits in some places and 4 in others.
func normalizeBusID(s string) string {
	s = strings.ToLower(s)
	if dom, rest, ok := strings.Cut(s, ":"); ok {
		return strings.TrimLeft(dom, "0") + ":" + rest
	}
	return s
}

// cString reads a NUL-terminated C string out of a fixed array.
func cString(b []uint8) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func clampUint8(v int) uint8 { return uint8(min(max(v, 0), 255)) }
