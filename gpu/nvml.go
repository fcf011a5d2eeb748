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

// deviceReader reads one GPU. Its first hard failure sticks: every call
// after it is skipped, and read returns it.
type deviceReader struct {
	index     int
	dev       nvml.Device
	err       error
	missing   []string
	busID     string
	peerBuses []string
}

// required runs a call the report cannot do without.
func required[T any](d *deviceReader, call string, f func() (T, nvml.Return)) T {
	var zero T
	if d.err != nil {
		return zero
	}
	v, r := guard(f)
	if r != nvml.SUCCESS {
		d.err = &nvmlError{device: d.index, call: call, ret: r}
		return zero
	}
	return v
}

// optional runs a call for a field the GPU may not offer: an absent field
// is zero and recorded in missing, any other failure is a hard failure.
func optional[T any](d *deviceReader, field string, f func() (T, nvml.Return)) T {
	var zero T
	if d.err != nil {
		return zero
	}
	v, r := guard(f)
	switch {
	case r == nvml.SUCCESS:
		return v
	case absent(r):
		if len(d.missing) == 0 || d.missing[len(d.missing)-1] != field {
			d.missing = append(d.missing, field)
		}
	default:
		d.err = &nvmlError{device: d.index, call: field, ret: r}
	}
	return zero
}

// outOfRange records a figure the driver reported that no GPU has as the
// hard failure, unless a call failed first.
func (d *deviceReader) outOfRange(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("nvml: GPU %d: %s is out of range: %w", d.index, fmt.Sprintf(format, args...), iog.ErrUnavailable)
	}
}

type pair[A, B any] struct {
	a A
	b B
}

func (d *deviceReader) read() (GPUReading, error) {
	g := iog.GPU{Vendor: iog.VendorNVIDIA}
	var t Telemetry
	g.UUID = required(d, "UUID", d.dev.GetUUID)
	g.Model = strings.TrimSpace(required(d, "name", d.dev.GetName))
	mem := required(d, "memory info", d.dev.GetMemoryInfo)
	g.MemoryBytes, t.MemoryUsedBytes, t.MemoryFreeBytes = mem.Total, mem.Used, mem.Free
	cc := optional(d, "compute capability", func() (pair[int, int], nvml.Return) {
		ma, mi, r := d.dev.GetCudaComputeCapability()
		return pair[int, int]{ma, mi}, r
	})
	if cc.a < 0 || cc.a > 255 || cc.b < 0 || cc.b > 255 {
		d.outOfRange("compute capability %d.%d", cc.a, cc.b)
	}
	g.ComputeCapability = iog.ComputeCapability{Major: uint8(cc.a), Minor: uint8(cc.b)}

	pci := optional(d, "pci", d.dev.GetPciInfo)
	d.busID = cString(pci.BusId[:])
	gen := optional(d, "pcie link", d.dev.GetCurrPcieLinkGeneration)
	width := optional(d, "pcie link", d.dev.GetCurrPcieLinkWidth)
	g.PCIe = iog.PCIeLink{Generation: clampUint8(gen), Lanes: clampUint8(width)}
	mig := optional(d, "mig", func() (pair[int, int], nvml.Return) {
		cur, pending, r := d.dev.GetMigMode()
		return pair[int, int]{cur, pending}, r
	})
	g.MIG = mig.a == nvml.DEVICE_MIG_ENABLE
	d.readNVLinks()

	specs := d.readSpecs()
	d.readTelemetry(&t)
	if d.err != nil {
		return GPUReading{}, d.err
	}
	t.Missing = d.missing
	return GPUReading{GPU: g, Specs: specs, Telemetry: t}, nil
}

// readSpecs reads the fixed figures DerivedSpec derives a specification
// from. Each is optional: consumer cards answer NOT_SUPPORTED for the
// customer boost clock, and an older driver lacks GetNumGpuCores.
func (d *deviceReader) readSpecs() Specs {
	cores := optional(d, "cores", d.dev.GetNumGpuCores)
	if cores < 0 || cores > maxCores {
		d.outOfRange("%d CUDA cores", cores)
		return Specs{}
	}
	var s Specs
	s.Cores = uint32(cores)
	s.MaxSMClockMHz = optional(d, "max clocks", func() (uint32, nvml.Return) { return d.dev.GetMaxClockInfo(nvml.CLOCK_SM) })
	s.MaxMemoryClockMHz = optional(d, "max clocks", func() (uint32, nvml.Return) { return d.dev.GetMaxClockInfo(nvml.CLOCK_MEM) })
	s.BoostClockMHz = optional(d, "boost clock", func() (uint32, nvml.Return) { return d.dev.GetMaxCustomerBoostClock(nvml.CLOCK_SM) })
	s.MemoryBusWidthBits = optional(d, "memory bus width", d.dev.GetMemoryBusWidth)
	return s
}

// maxCores bounds the CUDA cores a driver may claim; the largest GPU of
// 2025 has 24 576.
const maxCores = 1 << 20

// readNVLinks collects the PCI bus IDs at the far end of each active link.
func (d *deviceReader) readNVLinks() {
	for link := range nvml.NVLINK_MAX_LINKS {
		if d.err != nil {
			return
		}
		state, r := guard(func() (nvml.EnableState, nvml.Return) { return d.dev.GetNvLinkState(link) })
		if r != nvml.SUCCESS {
			// Links are numbered from 0; the first a GPU does not have
			// (ERROR_INVALID_ARGUMENT) or a GPU without NVLink
			// (ERROR_NOT_SUPPORTED) ends the list.
			if link == 0 && !absent(r) && r != nvml.ERROR_INVALID_ARGUMENT {
				d.err = &nvmlError{device: d.index, call: "nvlink state", ret: r}
			}
			return
		}
		if state != nvml.FEATURE_ENABLED {
			continue
		}
		remote := optional(d, "nvlink", func() (nvml.PciInfo, nvml.Return) { return d.dev.GetNvLinkRemotePciInfo(link) })
		if bus := cString(remote.BusId[:]); bus != "" {
			d.peerBuses = append(d.peerBuses, bus)
		}
	}
}

func (d *deviceReader) readTelemetry(t *Telemetry) {
	t.TemperatureC = optional(d, "temperature", func() (uint32, nvml.Return) { return d.dev.GetTemperature(nvml.TEMPERATURE_GPU) })
	t.PowerMilliwatts = optional(d, "power", d.dev.GetPowerUsage)
	t.PowerLimitMilliwatts = optional(d, "power limit", d.dev.GetEnforcedPowerLimit)
	t.SMClockMHz = optional(d, "clocks", func() (uint32, nvml.Return) { return d.dev.GetClockInfo(nvml.CLOCK_SM) })
	t.MemoryClockMHz = optional(d, "clocks", func() (uint32, nvml.Return) { return d.dev.GetClockInfo(nvml.CLOCK_MEM) })
	util := optional(d, "utilization", d.dev.GetUtilizationRates)
	t.UtilizationPercent, t.MemoryUtilizationPercent = util.Gpu, util.Memory
	ecc := func(kind nvml.MemoryErrorType) func() (uint64, nvml.Return) {
		return func() (uint64, nvml.Return) { return d.dev.GetTotalEccErrors(kind, nvml.VOLATILE_ECC) }
	}
	t.ECCCorrected = optional(d, "ecc", ecc(nvml.MEMORY_ERROR_TYPE_CORRECTED))
	t.ECCUncorrected = optional(d, "ecc", ecc(nvml.MEMORY_ERROR_TYPE_UNCORRECTED))
	t.ThrottleReasons = optional(d, "throttle reasons", d.dev.GetCurrentClocksEventReasons)
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
