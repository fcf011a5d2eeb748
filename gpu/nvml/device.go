package nvml

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	gonvml "github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// deviceReader reads one GPU. Its first hard failure sticks: every call
// after it is skipped, and read returns it.
type deviceReader struct {
	index     int
	dev       gonvml.Device
	err       error
	missing   []string
	busID     string
	peerBuses []string
}

// required runs a call the report cannot do without.
func required[T any](d *deviceReader, call string, f func() (T, gonvml.Return)) T {
	var zero T
	if d.err != nil {
		return zero
	}
	v, r := guard(f)
	if r != gonvml.SUCCESS {
		d.err = &nvmlError{device: d.index, call: call, ret: r}
		return zero
	}
	return v
}

// optional runs a call for a field the GPU may not offer: an absent field
// is zero and recorded in missing, any other failure is a hard failure.
func optional[T any](d *deviceReader, field string, f func() (T, gonvml.Return)) T {
	var zero T
	if d.err != nil {
		return zero
	}
	v, r := guard(f)
	switch {
	case r == gonvml.SUCCESS:
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

func (d *deviceReader) read() (gpu.GPUReading, error) {
	g := iog.GPU{Vendor: iog.VendorNVIDIA}
	var t gpu.Telemetry
	g.UUID = required(d, "UUID", d.dev.GetUUID)
	g.Model = strings.TrimSpace(required(d, "name", d.dev.GetName))
	mem := required(d, "memory info", d.dev.GetMemoryInfo)
	g.MemoryBytes, t.MemoryUsedBytes, t.MemoryFreeBytes = mem.Total, mem.Used, mem.Free
	cc := optional(d, "compute capability", func() (pair[int, int], gonvml.Return) {
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
	mig := optional(d, "mig", func() (pair[int, int], gonvml.Return) {
		cur, pending, r := d.dev.GetMigMode()
		return pair[int, int]{cur, pending}, r
	})
	g.MIG = mig.a == gonvml.DEVICE_MIG_ENABLE
	d.readNVLinks()

	specs := d.readSpecs()
	d.readTelemetry(&t)
	if d.err != nil {
		return gpu.GPUReading{}, d.err
	}
	t.Missing = d.missing
	return gpu.GPUReading{GPU: g, Specs: specs, Telemetry: t}, nil
}

// readSpecs reads the fixed figures gpu.DerivedSpec derives a specification
// from. Each is optional: consumer cards answer NOT_SUPPORTED for the
// customer boost clock, and an older driver lacks GetNumGpuCores.
func (d *deviceReader) readSpecs() gpu.Specs {
	cores := optional(d, "cores", d.dev.GetNumGpuCores)
	if cores < 0 || cores > maxCores {
		d.outOfRange("%d CUDA cores", cores)
		return gpu.Specs{}
	}
	var s gpu.Specs
	s.Cores = uint32(cores)
	s.MaxSMClockMHz = optional(d, "max clocks", func() (uint32, gonvml.Return) { return d.dev.GetMaxClockInfo(gonvml.CLOCK_SM) })
	s.MaxMemoryClockMHz = optional(d, "max clocks", func() (uint32, gonvml.Return) { return d.dev.GetMaxClockInfo(gonvml.CLOCK_MEM) })
	s.BoostClockMHz = optional(d, "boost clock", func() (uint32, gonvml.Return) { return d.dev.GetMaxCustomerBoostClock(gonvml.CLOCK_SM) })
	s.MemoryBusWidthBits = optional(d, "memory bus width", d.dev.GetMemoryBusWidth)
	return s
}

// maxCores bounds the CUDA cores a driver may claim; the largest GPU of
// 2025 has 24 576.
const maxCores = 1 << 20

// readNVLinks collects the PCI bus IDs at the far end of each active link.
func (d *deviceReader) readNVLinks() {
	for link := range gonvml.NVLINK_MAX_LINKS {
		if d.err != nil {
			return
		}
		state, r := guard(func() (gonvml.EnableState, gonvml.Return) { return d.dev.GetNvLinkState(link) })
		if r != gonvml.SUCCESS {
			// Links are numbered from 0; the first a GPU does not have
			// (ERROR_INVALID_ARGUMENT) or a GPU without NVLink
			// (ERROR_NOT_SUPPORTED) ends the list.
			if link == 0 && !absent(r) && r != gonvml.ERROR_INVALID_ARGUMENT {
				d.err = &nvmlError{device: d.index, call: "nvlink state", ret: r}
			}
			return
		}
		if state != gonvml.FEATURE_ENABLED {
			continue
		}
		remote := optional(d, "nvlink", func() (gonvml.PciInfo, gonvml.Return) { return d.dev.GetNvLinkRemotePciInfo(link) })
		if bus := cString(remote.BusId[:]); bus != "" {
			d.peerBuses = append(d.peerBuses, bus)
		}
	}
}

func (d *deviceReader) readTelemetry(t *gpu.Telemetry) {
	t.TemperatureC = optional(d, "temperature", func() (uint32, gonvml.Return) { return d.dev.GetTemperature(gonvml.TEMPERATURE_GPU) })
	t.PowerMilliwatts = optional(d, "power", d.dev.GetPowerUsage)
	t.PowerLimitMilliwatts = optional(d, "power limit", d.dev.GetEnforcedPowerLimit)
	t.SMClockMHz = optional(d, "clocks", func() (uint32, gonvml.Return) { return d.dev.GetClockInfo(gonvml.CLOCK_SM) })
	t.MemoryClockMHz = optional(d, "clocks", func() (uint32, gonvml.Return) { return d.dev.GetClockInfo(gonvml.CLOCK_MEM) })
	util := optional(d, "utilization", d.dev.GetUtilizationRates)
	t.UtilizationPercent, t.MemoryUtilizationPercent = util.Gpu, util.Memory
	ecc := func(kind gonvml.MemoryErrorType) func() (uint64, gonvml.Return) {
		return func() (uint64, gonvml.Return) { return d.dev.GetTotalEccErrors(kind, gonvml.VOLATILE_ECC) }
	}
	t.ECCCorrected = optional(d, "ecc", ecc(gonvml.MEMORY_ERROR_TYPE_CORRECTED))
	t.ECCUncorrected = optional(d, "ecc", ecc(gonvml.MEMORY_ERROR_TYPE_UNCORRECTED))
	t.ThrottleReasons = optional(d, "throttle reasons", d.dev.GetCurrentClocksEventReasons)
}

// linkPeers turns each GPU's NVLink peer bus IDs into the UUIDs of the GPUs
// on those buses. Links to other chips (NVSwitches) are not GPU peers.
func linkPeers(gpus []gpu.GPUReading, busIDs []string, peerBuses [][]string) {
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
