package gpu_test

import (
	"sync/atomic"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxa100"
)

// newDGX returns go-nvml's DGX A100 mock server with what the mock leaves
// out filled in, as a real DGX A100 answers: the driver's device name
// (the mock says "Mock NVIDIA ..."), PCI bus IDs, a Gen4 x16 link,
// telemetry that moves between readings, and NVLinks from every GPU to
// the seven others.
func newDGX() *dgxa100.Server {
	s := dgxa100.New()
	var tick atomic.Uint32 // moves telemetry between probes
	for i, dev := range s.Devices {
		d := dev.(*dgxa100.Device)
		d.Name = "NVIDIA A100-SXM4-40GB"
		d.MemoryInfo = nvml.Memory{Total: 40 << 30, Used: 1 << 30, Free: 39 << 30}
		busID := d.PciBusID
		d.GetPciInfoFunc = func() (nvml.PciInfo, nvml.Return) {
			p := nvml.PciInfo{PciDeviceId: 0x20B010DE}
			copy(p.BusId[:], "0000"+busID) // NVML writes an 8-digit domain here
			return p, nvml.SUCCESS
		}
		// The A100-SXM4-40GB's figures: 6 912 CUDA cores at 1 410 MHz,
		// 5 120-bit HBM2 at 1 215 MHz.
		d.GetNumGpuCoresFunc = func() (int, nvml.Return) { return 6912, nvml.SUCCESS }
		d.GetMaxClockInfoFunc = func(c nvml.ClockType) (uint32, nvml.Return) {
			if c == nvml.CLOCK_MEM {
				return 1215, nvml.SUCCESS
			}
			return 1410, nvml.SUCCESS
		}
		d.GetMaxCustomerBoostClockFunc = func(nvml.ClockType) (uint32, nvml.Return) { return 1410, nvml.SUCCESS }
		d.GetMemoryBusWidthFunc = func() (uint32, nvml.Return) { return 5120, nvml.SUCCESS }
		d.GetCurrPcieLinkGenerationFunc = func() (int, nvml.Return) { return 4, nvml.SUCCESS }
		d.GetCurrPcieLinkWidthFunc = func() (int, nvml.Return) { return 16, nvml.SUCCESS }
		d.GetNvLinkStateFunc = func(link int) (nvml.EnableState, nvml.Return) {
			if link >= 7 {
				return 0, nvml.ERROR_INVALID_ARGUMENT
			}
			return nvml.FEATURE_ENABLED, nvml.SUCCESS
		}
		d.GetNvLinkRemotePciInfoFunc = func(link int) (nvml.PciInfo, nvml.Return) {
			peer := s.Devices[(i+link+1)%len(s.Devices)].(*dgxa100.Device)
			var p nvml.PciInfo
			copy(p.BusId[:], peer.PciBusID)
			return p, nvml.SUCCESS
		}
		d.GetTemperatureFunc = func(nvml.TemperatureSensors) (uint32, nvml.Return) { return 40 + uint32(i), nvml.SUCCESS }
		d.GetPowerUsageFunc = func() (uint32, nvml.Return) { return 90_000 + tick.Add(1), nvml.SUCCESS }
		d.GetEnforcedPowerLimitFunc = func() (uint32, nvml.Return) { return 400_000, nvml.SUCCESS }
		d.GetClockInfoFunc = func(c nvml.ClockType) (uint32, nvml.Return) {
			if c == nvml.CLOCK_SM {
				return 1410, nvml.SUCCESS
			}
			return 1215, nvml.SUCCESS
		}
		d.GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) {
			return nvml.Utilization{Gpu: 97, Memory: 60}, nvml.SUCCESS
		}
		d.GetTotalEccErrorsFunc = func(kind nvml.MemoryErrorType, _ nvml.EccCounterType) (uint64, nvml.Return) {
			if kind == nvml.MEMORY_ERROR_TYPE_CORRECTED {
				return 3, nvml.SUCCESS
			}
			return 0, nvml.SUCCESS
		}
		d.GetCurrentClocksEventReasonsFunc = func() (uint64, nvml.Return) {
			return nvml.ClocksEventReasonSwPowerCap, nvml.SUCCESS
		}
	}
	return s
}

// dgxDevice returns GPU i of a mock server.
func dgxDevice(s *dgxa100.Server, i int) *dgxa100.Device { return s.Devices[i].(*dgxa100.Device) }
