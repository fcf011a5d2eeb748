package nvml_test

import (
	"sync/atomic"

	gonvml "github.com/NVIDIA/go-nvml/pkg/nvml"
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
		d.MemoryInfo = gonvml.Memory{Total: 40 << 30, Used: 1 << 30, Free: 39 << 30}
		busID := d.PciBusID
		d.GetPciInfoFunc = func() (gonvml.PciInfo, gonvml.Return) {
			p := gonvml.PciInfo{PciDeviceId: 0x20B010DE}
			copy(p.BusId[:], "0000"+busID) // NVML writes an 8-digit domain here
			return p, gonvml.SUCCESS
		}
		// The A100-SXM4-40GB's figures: 6 912 CUDA cores at 1 410 MHz,
		// 5 120-bit HBM2 at 1 215 MHz.
		d.GetNumGpuCoresFunc = func() (int, gonvml.Return) { return 6912, gonvml.SUCCESS }
		d.GetMaxClockInfoFunc = func(c gonvml.ClockType) (uint32, gonvml.Return) {
			if c == gonvml.CLOCK_MEM {
				return 1215, gonvml.SUCCESS
			}
			return 1410, gonvml.SUCCESS
		}
		d.GetMaxCustomerBoostClockFunc = func(gonvml.ClockType) (uint32, gonvml.Return) { return 1410, gonvml.SUCCESS }
		d.GetMemoryBusWidthFunc = func() (uint32, gonvml.Return) { return 5120, gonvml.SUCCESS }
		d.GetCurrPcieLinkGenerationFunc = func() (int, gonvml.Return) { return 4, gonvml.SUCCESS }
		d.GetCurrPcieLinkWidthFunc = func() (int, gonvml.Return) { return 16, gonvml.SUCCESS }
		d.GetNvLinkStateFunc = func(link int) (gonvml.EnableState, gonvml.Return) {
			if link >= 7 {
				return 0, gonvml.ERROR_INVALID_ARGUMENT
			}
			return gonvml.FEATURE_ENABLED, gonvml.SUCCESS
		}
		d.GetNvLinkRemotePciInfoFunc = func(link int) (gonvml.PciInfo, gonvml.Return) {
			peer := s.Devices[(i+link+1)%len(s.Devices)].(*dgxa100.Device)
			var p gonvml.PciInfo
			copy(p.BusId[:], peer.PciBusID)
			return p, gonvml.SUCCESS
		}
		d.GetTemperatureFunc = func(gonvml.TemperatureSensors) (uint32, gonvml.Return) { return 40 + uint32(i), gonvml.SUCCESS }
		d.GetPowerUsageFunc = func() (uint32, gonvml.Return) { return 90_000 + tick.Add(1), gonvml.SUCCESS }
		d.GetEnforcedPowerLimitFunc = func() (uint32, gonvml.Return) { return 400_000, gonvml.SUCCESS }
		d.GetClockInfoFunc = func(c gonvml.ClockType) (uint32, gonvml.Return) {
			if c == gonvml.CLOCK_SM {
				return 1410, gonvml.SUCCESS
			}
			return 1215, gonvml.SUCCESS
		}
		d.GetUtilizationRatesFunc = func() (gonvml.Utilization, gonvml.Return) {
			return gonvml.Utilization{Gpu: 97, Memory: 60}, gonvml.SUCCESS
		}
		d.GetTotalEccErrorsFunc = func(kind gonvml.MemoryErrorType, _ gonvml.EccCounterType) (uint64, gonvml.Return) {
			if kind == gonvml.MEMORY_ERROR_TYPE_CORRECTED {
				return 3, gonvml.SUCCESS
			}
			return 0, gonvml.SUCCESS
		}
		d.GetCurrentClocksEventReasonsFunc = func() (uint64, gonvml.Return) {
			return gonvml.ClocksEventReasonSwPowerCap, gonvml.SUCCESS
		}
	}
	return s
}

// dgxDevice returns GPU i of a mock server.
func dgxDevice(s *dgxa100.Server, i int) *dgxa100.Device { return s.Devices[i].(*dgxa100.Device) }
