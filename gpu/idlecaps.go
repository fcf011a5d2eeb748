package gpu

import (
	"fmt"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
)

// IdleCaps are the most a device may use its own CPU and GPUs while it is
// not hired: a device lent to the network and used above them for
// something else (gaming, mining) is blocked. Every figure is
// configurable; DefaultIdleCaps holds the published ones.
type IdleCaps struct {
	// From is when the caps start to apply; before it none does.
	From time.Time
	// CPUPercent is the most CPU use, in percent of all the host's
	// threads: exactly the cap is allowed, above it blocks.
	CPUPercent uint32
	// EnterpriseGPUPercent is the most use of an enterprise GPU (a
	// datacenter or workstation card, iog.GPUClass.Enterprise), and
	// ConsumerGPUPercent of any other, a consumer card or a GPU the
	// catalog does not class.
	EnterpriseGPUPercent, ConsumerGPUPercent uint32
}

// DefaultIdleCaps returns the idle-use caps of io.net's documentation, in
// force from 4 November 2024: 30% of the CPU, 5% of an enterprise GPU and
// 20% of a consumer GPU.
func DefaultIdleCaps() IdleCaps {
	return IdleCaps{
		From:                 time.Date(2024, time.November, 4, 0, 0, 0, 0, time.UTC),
		CPUPercent:           30,
		EnterpriseGPUPercent: 5,
		ConsumerGPUPercent:   20,
	}
}

// IdleUse is what a device uses of its own hardware, as its heartbeat
// reports it.
type IdleUse struct {
	// CPUPercent is the host's CPU use over the last sample, 0 to 100.
	CPUPercent uint32
	// GPUs are its GPUs' use.
	GPUs []GPUUse
}

// GPUUse is one GPU's use.
type GPUUse struct {
	// Model names the GPU in a reason, such as "RTX-4090".
	Model string
	// Class decides its cap.
	Class iog.GPUClass
	// UtilizationPercent is the share of the last sample period in which
	// a kernel ran, 0 to 100 (Telemetry.UtilizationPercent).
	UtilizationPercent uint32
}

// Check returns why a device that uses its hardware as use says must be
// blocked, in words its owner can act on, or "" when it need not be: the
// caps apply only to a device not hired, and only from c.From. Every cap
// passed is named, the CPU's first and then each GPU's in order.
func (c IdleCaps) Check(use IdleUse, hired bool, now time.Time) string {
	if hired || now.Before(c.From) {
		return ""
	}
	var reasons []string
	if use.CPUPercent > c.CPUPercent {
		reasons = append(reasons, fmt.Sprintf("CPU used %d%% while not hired, above the %d%% cap", use.CPUPercent, c.CPUPercent))
	}
	for i, g := range use.GPUs {
		limit, kind := c.ConsumerGPUPercent, "consumer"
		if g.Class.Enterprise() {
			limit, kind = c.EnterpriseGPUPercent, "enterprise"
		}
		if g.UtilizationPercent > limit {
			reasons = append(reasons, fmt.Sprintf("GPU %d (%s) used %d%% while not hired, above the %d%% cap on %s cards", i, g.Model, g.UtilizationPercent, limit, kind))
		}
	}
	if len(reasons) == 0 {
		return ""
	}
	return strings.Join(reasons, "; ") + ": stop other work (gaming, mining) on a device lent to the network"
}
