package gpu

import (
	"fmt"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
)

// Minimums is the hardware and connectivity a worker needs to join the
// network. Every figure is configurable; DefaultMinimums holds the
// published ones.
type Minimums struct {
	// MemoryBytes is the least host RAM (1 GB = 10^9 bytes).
	MemoryBytes uint64
	// DiskBytes is the least size of the disk the worker runs on. Only
	// the size is checked: whether the disk is an SSD, as io.net asks, is
	// not something a worker's report can show.
	DiskBytes uint64
	// ComputeCapability is the least NVIDIA compute capability of every
	// GPU. io.net asks for an "RTX 30-series or newer" and names no
	// figure; this project reads that as the RTX 30 series' architecture,
	// Ampere, whose first capability is 8.0 (the A100's), so that a V100
	// (7.0) or a T4 (7.5) falls short and an A100 or any later card
	// passes. Zero checks no GPU: any passes, of any vendor.
	ComputeCapability iog.ComputeCapability
	// AppleChips are the Apple chip generations accepted in place of an
	// NVIDIA GPU, as the first word of the GPU's model name after "Apple"
	// ("M4" accepts "Apple M4 Max").
	AppleChips []string
	// DownBitsPerSec and UpBitsPerSec are the least download and upload
	// speeds, in bits per second (1 Mb/s = 10^6 bits per second).
	DownBitsPerSec, UpBitsPerSec uint64
	// AdviseDownBitsPerSec and AdviseUpBitsPerSec are the speeds
	// recommended: below them a worker is accepted, with advice.
	AdviseDownBitsPerSec, AdviseUpBitsPerSec uint64
	// AdviseLatency is the round trip recommended: at or above it a worker
	// is accepted, with advice. Zero gives no latency advice.
	AdviseLatency time.Duration
}

// DefaultMinimums returns the worker minimums of io.net's documentation:
// 12 GB of RAM, a 256 GB SSD, an RTX 30-series GPU or newer (here compute
// capability 8.0, an assumption of this project, see
// Minimums.ComputeCapability) or an Apple M3 or M4, and at least 100 Mb/s
// down and 75 Mb/s up, with 500/250 Mb/s and a latency under 30 ms
// recommended.
func DefaultMinimums() Minimums {
	return Minimums{
		MemoryBytes:          12e9,
		DiskBytes:            256e9,
		ComputeCapability:    iog.ComputeCapability{Major: 8, Minor: 0},
		AppleChips:           []string{"M3", "M4"},
		DownBitsPerSec:       100e6,
		UpBitsPerSec:         75e6,
		AdviseDownBitsPerSec: 500e6,
		AdviseUpBitsPerSec:   250e6,
		AdviseLatency:        30 * time.Millisecond,
	}
}

// MinimumsResult is what Minimums.Check found: the minimums a worker does
// not meet, and the recommendations it does not follow, each in words a
// supplier can act on ("RAM 8 GB, 12 GB needed").
type MinimumsResult struct {
	// Unmet lists the minimums not met; a worker with any is refused.
	Unmet []string
	// Advice lists the recommendations not followed; they refuse nothing.
	Advice []string
}

// Met reports whether the worker meets every minimum.
func (r MinimumsResult) Met() bool { return len(r.Unmet) == 0 }

// Check compares a worker's inventory and the result of its speed test
// with the minimums. A worker without GPUs is checked as a CPU worker:
// its RAM, disk and connectivity. A speed test not run (a zero
// SpeedResult) meets no bandwidth minimum and gives no advice. The zero
// Minimums require nothing.
func (m Minimums) Check(inv Inventory, speed SpeedResult) MinimumsResult {
	var r MinimumsResult
	if inv.Host.MemoryBytes < m.MemoryBytes {
		r.Unmet = append(r.Unmet, fmt.Sprintf("RAM %s, %s needed", formatGB(inv.Host.MemoryBytes), formatGB(m.MemoryBytes)))
	}
	if inv.Host.DiskBytes < m.DiskBytes {
		r.Unmet = append(r.Unmet, fmt.Sprintf("disk %s, %s needed", formatGB(inv.Host.DiskBytes), formatGB(m.DiskBytes)))
	}
	for i, g := range inv.GPUs {
		if reason := m.checkGPU(g.GPU); reason != "" {
			r.Unmet = append(r.Unmet, fmt.Sprintf("GPU %d (%s): %s", i, g.GPU.Model, reason))
		}
	}
	bw := speed.Bandwidth
	if bw == (iog.Bandwidth{}) && (m.DownBitsPerSec > 0 || m.UpBitsPerSec > 0) {
		r.Unmet = append(r.Unmet, fmt.Sprintf("bandwidth not measured, %s down and %s up needed: run the speed test", formatMbps(m.DownBitsPerSec), formatMbps(m.UpBitsPerSec)))
	} else if bw != (iog.Bandwidth{}) {
		if !atLeastBits(bw.DownBytesPerSec, m.DownBitsPerSec) {
			r.Unmet = append(r.Unmet, fmt.Sprintf("download %s, %s needed", formatBytesMbps(bw.DownBytesPerSec), formatMbps(m.DownBitsPerSec)))
		}
		if !atLeastBits(bw.UpBytesPerSec, m.UpBitsPerSec) {
			r.Unmet = append(r.Unmet, fmt.Sprintf("upload %s, %s needed", formatBytesMbps(bw.UpBytesPerSec), formatMbps(m.UpBitsPerSec)))
		}
		if !atLeastBits(bw.DownBytesPerSec, m.AdviseDownBitsPerSec) || !atLeastBits(bw.UpBytesPerSec, m.AdviseUpBitsPerSec) {
			r.Advice = append(r.Advice, fmt.Sprintf("bandwidth %s down and %s up, %s and %s recommended", formatBytesMbps(bw.DownBytesPerSec), formatBytesMbps(bw.UpBytesPerSec), formatMbps(m.AdviseDownBitsPerSec), formatMbps(m.AdviseUpBitsPerSec)))
		}
	}
	if m.AdviseLatency > 0 && speed.Latency >= m.AdviseLatency {
		r.Advice = append(r.Advice, fmt.Sprintf("latency %d ms, under %d ms recommended", speed.Latency.Milliseconds(), m.AdviseLatency.Milliseconds()))
	}
	return r
}

// checkGPU returns why g falls short of the minimums, or "".
func (m Minimums) checkGPU(g iog.GPU) string {
	if m.ComputeCapability == (iog.ComputeCapability{}) {
		return ""
	}
	if g.Vendor == iog.VendorApple {
		if m.appleChip(g.Model) {
			return ""
		}
		return "an Apple " + strings.Join(m.AppleChips, " or ") + " needed"
	}
	cc := g.ComputeCapability
	if cc == (iog.ComputeCapability{}) {
		if model, ok := iog.IdentifyGPU(g); ok {
			cc = model.ComputeCapability
		}
	}
	switch {
	case cc == (iog.ComputeCapability{}):
		return fmt.Sprintf("no compute capability; an NVIDIA GPU of compute capability %s or newer or an Apple %s needed", m.ComputeCapability, strings.Join(m.AppleChips, " or "))
	case !cc.AtLeast(m.ComputeCapability):
		return fmt.Sprintf("compute capability %s, %s or newer needed", cc, m.ComputeCapability)
	}
	return ""
}

// appleChip reports whether an Apple GPU's model name names one of the
// accepted chips: "Apple M4 Max" and "M4" name M4, "Apple M40" does not.
func (m Minimums) appleChip(model string) bool {
	words := strings.Fields(model)
	if len(words) > 0 && strings.EqualFold(words[0], "apple") {
		words = words[1:]
	}
	if len(words) == 0 {
		return false
	}
	for _, chip := range m.AppleChips {
		if strings.EqualFold(words[0], chip) {
			return true
		}
	}
	return false
}

// atLeastBits reports whether a speed in bytes per second is at least one
// in bits per second, without overflowing: bytes×8 ≥ bits is bytes ≥
// ⌈bits/8⌉.
func atLeastBits(bytesPerSec, bitsPerSec uint64) bool {
	return bytesPerSec >= bitsPerSec/8+min(bitsPerSec%8, 1)
}

// formatGB writes bytes in GB of 10^9 bytes, to a tenth, rounded down so
// that a figure short of a minimum never reads as the minimum.
func formatGB(bytes uint64) string { return formatTenths(bytes/1e8) + " GB" }

// formatMbps writes bits per second in Mb/s, to a tenth, rounded down.
func formatMbps(bits uint64) string { return formatTenths(bits/1e5) + " Mb/s" }

// formatBytesMbps writes bytes per second in Mb/s as formatMbps does, a
// tenth of a Mb/s being 12,500 bytes per second.
func formatBytesMbps(bytes uint64) string { return formatTenths(bytes/12500) + " Mb/s" }

// formatTenths writes a count of tenths as a decimal, without ".0".
func formatTenths(tenths uint64) string {
	if tenths%10 == 0 {
		return fmt.Sprintf("%d", tenths/10)
	}
	return fmt.Sprintf("%d.%d", tenths/10, tenths%10)
}
