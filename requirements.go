package iog

import (
	"fmt"
	"time"

	"github.com/internetofgpus/iog/internal/errtext"
)

// GPUShare is a part of one GPU in thousandths: 460 is 0.46 of a GPU and
// FullGPU a whole one. Fractional shares let small tasks share a GPU, as in
// Alibaba's GPU-sharing clusters whose traces the scheduler replays.
type GPUShare uint16

// FullGPU is the share of a whole GPU.
const FullGPU GPUShare = 1000

// ParseGPUShare parses a share written as a decimal fraction of a GPU, from
// "0.001" to "1", with at most three decimal places.
func ParseGPUShare(s string) (GPUShare, error) {
	parts, err := splitDecimal(s)
	if err != nil {
		return 0, fmt.Errorf("GPU share: %w", err)
	}
	m, ok := parts.magnitude(3)
	if parts.neg || len(parts.frac) > 3 || !ok || m == 0 || m > uint64(FullGPU) {
		return 0, invalidf("GPU share %q: want a fraction of one GPU from 0.001 to 1, as in 0.46", errtext.Clip(s))
	}
	return GPUShare(m), nil
}

// String returns the share as a decimal fraction of a GPU, such as "0.46".
func (s GPUShare) String() string {
	return string(formatFixed(nil, false, uint64(s), 3, true))
}

// Placement says how the devices of a multi-device request may be spread.
type Placement uint8

// The placements. The zero value, AnyPlacement, places no constraint.
const (
	AnyPlacement Placement = iota
	// CoLocated asks for devices close to each other, within
	// Requirements.MaxRTT of one another when that is set.
	CoLocated
	// GeoDistributed asks for devices spread over several places, for
	// work that tolerates latency and wants resilience or reach.
	GeoDistributed
)

var placementNames = [...]string{"any", "co-located", "geo-distributed"}

// Valid reports whether p is one of the declared placements.
func (p Placement) Valid() bool { return int(p) < len(placementNames) }

// String returns the placement's name, such as "co-located".
func (p Placement) String() string {
	if !p.Valid() {
		return fmt.Sprintf("Placement(%d)", uint8(p))
	}
	return placementNames[p]
}

// ParsePlacement parses a placement's name as String writes it.
func ParsePlacement(s string) (Placement, error) {
	return parseEnum[Placement]("placement", s, placementNames[:])
}

// MarshalText implements encoding.TextMarshaler with the placement's name.
func (p Placement) MarshalText() ([]byte, error) {
	return marshalEnum("placement", p, placementNames[:])
}

// UnmarshalText implements encoding.TextUnmarshaler with ParsePlacement. On
// error p is left unchanged.
func (p *Placement) UnmarshalText(text []byte) error { return unmarshalWith(p, text, ParsePlacement) }

// MaxLocations is the most allowed locations one Requirements may list,
// so that matching a request against every device is bounded work.
const MaxLocations = 32

// Requirements is what a job or a cluster asks of the devices it runs on:
// the one description of demand, which the scheduler places and, within
// a pricing.Request, the price model quotes. Zero fields place no
// constraint, except where noted; Validate checks a request before it is
// quoted or scheduled. Its JSON form (see MarshalJSON) is the body an API
// takes for it.
type Requirements struct {
	// GPUModel asks for one GPU model by name, such as "H100"; empty
	// accepts any model of GPUClass.
	GPUModel string
	// GPUClass asks for a class of GPU when no model is named.
	GPUClass GPUClass
	// GPUCount is the number of GPUs. Zero asks for a CPU-only placement.
	GPUCount int
	// GPUShare is the part of each GPU needed; zero means FullGPU. A
	// fractional share is only meaningful for a single GPU.
	GPUShare GPUShare
	// GPUMemoryBytes is the least memory each GPU must have.
	GPUMemoryBytes uint64
	// MinComputeCapability is the oldest NVIDIA architecture accepted.
	MinComputeCapability ComputeCapability
	// CPUMilli is the CPU needed in thousandths of a core.
	CPUMilli uint64
	// MemoryBytes is the host memory needed.
	MemoryBytes uint64
	// Bandwidth is the least connectivity tier accepted.
	Bandwidth BandwidthTier
	// Locations are the areas a device may be in (see Location.Within),
	// at most MaxLocations; empty allows anywhere.
	Locations []Location
	// Placement says how multiple devices may be spread.
	Placement Placement
	// MaxRTT bounds the estimated round trip between any two devices of
	// the request; zero is no bound.
	MaxRTT time.Duration
	// MaxDuration is how long the work may run; zero is no limit.
	MaxDuration time.Duration
	// BudgetPerHour is the most the requester pays for an hour of the whole
	// request. The zero Amount (no currency) is no budget.
	BudgetPerHour Amount
	// Priority orders work: higher runs first and may preempt lower.
	Priority int32
}

// Share returns the part of each GPU requested, FullGPU when GPUShare is
// zero.
func (r Requirements) Share() GPUShare {
	if r.GPUShare == 0 {
		return FullGPU
	}
	return r.GPUShare
}

// GPUMilli returns the total GPU capacity requested in thousandths of a
// GPU: GPUCount × Share.
func (r Requirements) GPUMilli() uint64 { return uint64(r.GPUCount) * uint64(r.Share()) }

// Allows reports whether a device at l may serve r: true when r names no
// locations, or when l is within one of them.
func (r Requirements) Allows(l Location) bool {
	if len(r.Locations) == 0 {
		return true
	}
	for _, area := range r.Locations {
		if l.Within(area) {
			return true
		}
	}
	return false
}

// Validate checks that r is a request the network can act on. Problems are
// ErrInvalid, with a message naming the field.
func (r Requirements) Validate() error {
	switch {
	case r.GPUCount < 0:
		return invalidf("requirements: GPU count %d is negative", r.GPUCount)
	case r.GPUShare > FullGPU:
		return invalidf("requirements: GPU share %d/1000 is more than one GPU; ask for more GPUs instead", r.GPUShare)
	case r.Share() < FullGPU && r.GPUCount != 1:
		return invalidf("requirements: a fractional GPU share (%v) needs a GPU count of 1, not %d", r.GPUShare, r.GPUCount)
	case r.GPUCount == 0 && r.CPUMilli == 0 && r.MemoryBytes == 0:
		return invalidf("requirements: nothing requested; ask for GPUs, CPU or memory")
	case r.GPUCount == 0 && (r.GPUModel != "" || r.GPUClass != AnyGPUClass || r.GPUMemoryBytes != 0):
		return invalidf("requirements: GPU model, class or memory given with a GPU count of 0")
	case !r.GPUClass.Valid():
		return invalidf("requirements: %v is not a GPU class", r.GPUClass)
	case !r.Bandwidth.Valid():
		return invalidf("requirements: %v is not a bandwidth tier", r.Bandwidth)
	case !r.Placement.Valid():
		return invalidf("requirements: %v is not a placement", r.Placement)
	case r.MaxRTT < 0:
		return invalidf("requirements: max RTT %v is negative", r.MaxRTT)
	case r.MaxDuration < 0:
		return invalidf("requirements: max duration %v is negative", r.MaxDuration)
	case len(r.Locations) > MaxLocations:
		return invalidf("requirements: %d allowed locations: at most %d", len(r.Locations), MaxLocations)
	}
	for i, area := range r.Locations {
		if err := area.Validate(); err != nil {
			return fmt.Errorf("requirements: allowed location %d: %w", i+1, err)
		}
	}
	if r.BudgetPerHour != (Amount{}) {
		if err := r.BudgetPerHour.CheckNonNegative("requirements: budget per hour"); err != nil {
			return err
		}
	}
	return nil
}
