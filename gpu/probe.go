package gpu

import (
	"context"
	"errors"
	"fmt"

	"github.com/internetofgpus/iog"
)

// ErrNotPresent reports that what a probe reads is not on this machine: no
// GPU driver or library, no /proc. It wraps iog.ErrUnavailable. Combined
// skips probes that fail with it; a device that is present but fails a
// call is another error, which Combined returns.
var ErrNotPresent = fmt.Errorf("not present on this machine: %w", iog.ErrUnavailable)

// DeviceProbe discovers the hardware of one machine: its GPUs with their
// live telemetry, and, for probes that see it, the host's CPU, memory, disk
// and operating system.
//
// Probe returns an error wrapping ErrNotPresent (and so
// iog.ErrUnavailable) when the probe cannot see the hardware at all (no GPU
// driver, no /proc), and an error naming the device and the call, wrapping
// iog.ErrUnavailable, when one device fails a call the report cannot do
// without. It stops early with ctx's error when ctx ends.
type DeviceProbe interface {
	Probe(ctx context.Context) (Inventory, error)
}

// Inventory is what a probe found on one machine.
type Inventory struct {
	// Host is the machine's CPU, memory, disk and OS; zero when the probe
	// does not look at the host (gpu/nvml's).
	Host Host
	// Driver is the GPU driver's versions; zero when there is no driver.
	Driver Driver
	// GPUs are the machine's GPUs, in the driver's index order.
	GPUs []GPUReading
}

// Host describes the machine around the GPUs.
type Host struct {
	CPU iog.CPU
	// MemoryBytes is the total RAM.
	MemoryBytes uint64
	// DiskBytes is the size of the file system holding the probe's disk
	// path (the root by default).
	DiskBytes uint64
	// OS is the operating system as Go's GOOS names it ("linux").
	OS string
	// Kernel is the kernel's release, such as "6.1.0-18-amd64".
	Kernel string
}

// Driver is the GPU software stack of a machine.
type Driver struct {
	// Version is the driver's version, such as "550.54.15".
	Version string
	// CUDAVersion is the newest CUDA version the driver supports, such as
	// "12.4"; empty when not NVIDIA.
	CUDAVersion string
}

// GPUReading is one GPU as a probe saw it: its description and its live
// telemetry at the time of the probe.
type GPUReading struct {
	GPU iog.GPU
	// Specs are the GPU's fixed figures as the driver reports them. The
	// Verifier checks them against the catalog model the GPU claims,
	// which they tell from models of the same memory and architecture,
	// and DerivedSpec derives a specification from them when the catalog
	// does not know the model. Signed reports carry them.
	Specs     Specs
	Telemetry Telemetry
}

// Specs are the fixed hardware figures of one GPU, as NVML reports them.
// A figure the GPU or driver does not report is zero and named in the
// reading's Telemetry.Missing ("cores", "max clocks", "boost clock",
// "memory bus width").
type Specs struct {
	// Cores is the number of CUDA cores (FP32 lanes).
	Cores uint32
	// MaxSMClockMHz is the highest SM clock the GPU allows, the top of
	// its clock table. On GeForce cards it lies about a quarter above the
	// rated boost clock.
	MaxSMClockMHz uint32
	// BoostClockMHz is the customer boost clock, the rated boost clock a
	// vendor publishes; datacenter and workstation cards report it,
	// GeForce cards as a rule answer NOT_SUPPORTED.
	BoostClockMHz uint32
	// MemoryBusWidthBits is the width of the memory interface, such as
	// 384 for GDDR6X or 5120 for HBM.
	MemoryBusWidthBits uint32
	// MaxMemoryClockMHz is the highest memory clock, as NVML counts it:
	// half the per-pin data rate (10 501 MHz for 21 Gbps GDDR6X, 1 215
	// MHz for HBM2 at 2.43 Gbps).
	MaxMemoryClockMHz uint32
}

// Telemetry is the live state of one GPU. A field the GPU does not report
// (NVML's ERROR_NOT_SUPPORTED, as consumer cards answer for ECC) is zero and
// named in Missing.
type Telemetry struct {
	// TemperatureC is the core temperature in degrees Celsius.
	TemperatureC uint32
	// PowerMilliwatts is the power draw; PowerLimitMilliwatts the enforced
	// limit.
	PowerMilliwatts      uint32
	PowerLimitMilliwatts uint32
	// UtilizationPercent is the share of the last sample period in which a
	// kernel ran; MemoryUtilizationPercent the same for memory reads and
	// writes. Both are 0 to 100.
	UtilizationPercent       uint32
	MemoryUtilizationPercent uint32
	// MemoryUsedBytes and MemoryFreeBytes split the GPU's memory.
	MemoryUsedBytes uint64
	MemoryFreeBytes uint64
	// SMClockMHz and MemoryClockMHz are the current clocks.
	SMClockMHz     uint32
	MemoryClockMHz uint32
	// ECCCorrected and ECCUncorrected count memory errors since the driver
	// loaded.
	ECCCorrected   uint64
	ECCUncorrected uint64
	// ThrottleReasons is NVML's bit mask of why clocks are held down
	// (nvml.ClocksEventReason*); 0 means none.
	ThrottleReasons uint64
	// Missing names the fields the GPU did not report, such as "ecc".
	Missing []string
}

// Device returns the inventory as an iog.Device with the given identity;
// bandwidth and location are left for the caller, who measures or knows
// them.
func (inv Inventory) Device(id iog.DeviceID, worker iog.WorkerID, owner iog.WalletAddress) iog.Device {
	gpus := make([]iog.GPU, len(inv.GPUs))
	for i, r := range inv.GPUs {
		gpus[i] = r.GPU
	}
	return iog.Device{
		ID:          id,
		Worker:      worker,
		Owner:       owner,
		GPUs:        gpus,
		CPU:         inv.Host.CPU,
		MemoryBytes: inv.Host.MemoryBytes,
		DiskBytes:   inv.Host.DiskBytes,
		OS:          inv.Host.OS,
	}
}

// Combined is a DeviceProbe that merges what several probes see, such as a
// HostProbe for the machine and gpu/nvml's Probe for its GPUs. The first probe
// that reports a host fills Host, the first that reports a driver fills
// Driver, and the GPUs of all probes are listed in order.
type Combined []DeviceProbe

// Probe runs each probe in turn. A probe that fails with ErrNotPresent (no
// driver) is skipped; any other error, or every probe failing with
// ErrNotPresent, is returned.
func (c Combined) Probe(ctx context.Context) (Inventory, error) {
	var out Inventory
	var unavailable []error
	for _, p := range c {
		inv, err := p.Probe(ctx)
		if errors.Is(err, ErrNotPresent) {
			unavailable = append(unavailable, err)
			continue
		}
		if err != nil {
			return Inventory{}, err
		}
		if out.Host == (Host{}) {
			out.Host = inv.Host
		}
		if out.Driver == (Driver{}) {
			out.Driver = inv.Driver
		}
		out.GPUs = append(out.GPUs, inv.GPUs...)
	}
	if len(c) > 0 && len(unavailable) == len(c) {
		return Inventory{}, fmt.Errorf("probe: every probe is unavailable: %w", errors.Join(unavailable...))
	}
	return out, nil
}
