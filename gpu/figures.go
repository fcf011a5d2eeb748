package gpu

import (
	"fmt"
	"strings"
	"sync"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/errtext"
)

// The tolerances of a GPU's figures against its model's published ones
// (iog.GPUVariant), in thousandths. Core counts and bus widths are exact:
// they are fixed in the silicon of a model. The rest allow for a spec
// sheet's rounding and for what board partners change.
const (
	// boostTolerancePermille is how far either way a boost clock may be
	// from the published one: NVIDIA builds every datacenter and
	// workstation board, and the driver reports the rated clock, so this
	// is rounding only. It must stay under 6‰, the gap between the L40's
	// 2 490 MHz and the RTX 6000 Ada's 2 505.
	boostTolerancePermille = 5
	// overclockPermille is how far above the published boost clock a
	// consumer board's may be: partners sell GeForce cards factory
	// overclocked, by up to about 12%.
	overclockPermille = 150
	// bandwidthTolerancePermille is how far either way the bandwidth a
	// bus width and memory clock give may be from the published figure,
	// which vendors round ("2 TB/s" for the H100 PCIe's 2 039 GB/s). The
	// L40's 864 GB/s is 10% below the RTX 6000 Ada's 960.
	bandwidthTolerancePermille = 50
	// consumerPowerExcessPermille is how far above the published power a
	// consumer board's power limit may be: partners ship GeForce cards
	// with their own power limits, and let owners raise them by up to
	// half (a 450 W RTX 4090 to 600 W and more). A datacenter or
	// workstation board's limit never exceeds its published TDP.
	consumerPowerExcessPermille = 500
	// minPowerDivisor bounds a power limit from below: NVML lets an
	// owner lower the limit to between a quarter and a half of the TDP
	// (an A100 SXM4 to 100 of its 400 W, an RTX 4090 to 150 of 450 W),
	// and no further than a fifth.
	minPowerDivisor = 5
)

// PublishedSpecs returns the figures a GPU of board v reports through
// NVML when it is as its vendor publishes it: a simulated GPU's, or one
// described by hand for a StaticProbe. The maximum SM clock is the boost
// clock, as datacenter boards report it, and the memory clock the one
// that gives the published bandwidth over the bus. Its power limit is
// v.PowerWatts × 1000 mW.
func PublishedSpecs(v iog.GPUVariant) Specs {
	s := Specs{Cores: v.Cores, MaxSMClockMHz: v.BoostClockMHz, BoostClockMHz: v.BoostClockMHz, MemoryBusWidthBits: v.MemoryBusWidthBits}
	if v.MemoryBusWidthBits > 0 {
		// bandwidth GB/s = bus bits / 8 × clock MHz × 2 / 1000, rounded up
		// so that the bandwidth derived back is not below the published.
		s.MaxMemoryClockMHz = uint32((uint64(v.MemoryBandwidthGBps)*4000 + uint64(v.MemoryBusWidthBits) - 1) / uint64(v.MemoryBusWidthBits))
	}
	return s
}

// catalogModels and catalogVariants are the catalog's models and their
// boards by name, computed once: the spec check looks at them for every
// GPU of every report.
var (
	catalogModels   = sync.OnceValue(iog.GPUModels)
	catalogVariants = sync.OnceValue(func() map[string][]iog.GPUVariant {
		out := map[string][]iog.GPUVariant{}
		for _, m := range catalogModels() {
			out[m.Name] = m.Variants()
		}
		return out
	})
)

// fitFigures returns nil when r's figures fit a board of m, and
// otherwise what in them contradicts m's first board.
func fitFigures(m iog.GPUModel, r GPUReading) error {
	var first error
	for _, v := range catalogVariants()[m.Name] {
		err := contradiction(m, v, r)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// contradiction returns the first of r's figures that a GPU of board v
// of m cannot report, or nil. A figure r does not report (zero), or that
// the vendor does not publish, contradicts nothing.
func contradiction(m iog.GPUModel, v iog.GPUVariant, r GPUReading) error {
	s, limit := r.Specs, r.Telemetry.PowerLimitMilliwatts
	board := m.Name
	if v.Form != "" {
		board += " " + v.Form
	}
	consumer := m.Class == iog.ConsumerGPU
	boostLow := uint64(v.BoostClockMHz) * (1000 - boostTolerancePermille) / 1000
	boostHigh := uint64(v.BoostClockMHz) * (1000 + boostTolerancePermille) / 1000
	if consumer {
		boostHigh = uint64(v.BoostClockMHz) * (1000 + overclockPermille) / 1000
	}
	switch {
	case s.Cores != 0 && v.Cores != 0 && s.Cores != v.Cores:
		return fmt.Errorf("%d CUDA cores, a %s has %d", s.Cores, board, v.Cores)
	case s.MemoryBusWidthBits != 0 && v.MemoryBusWidthBits != 0 && s.MemoryBusWidthBits != v.MemoryBusWidthBits:
		return fmt.Errorf("a %d-bit memory bus, a %s has %d bits", s.MemoryBusWidthBits, board, v.MemoryBusWidthBits)
	case s.BoostClockMHz != 0 && v.BoostClockMHz != 0 && (uint64(s.BoostClockMHz) < boostLow || uint64(s.BoostClockMHz) > boostHigh):
		return fmt.Errorf("a boost clock of %d MHz, a %s's is %d MHz", s.BoostClockMHz, board, v.BoostClockMHz)
	case s.MaxSMClockMHz != 0 && uint64(s.MaxSMClockMHz) < boostLow:
		return fmt.Errorf("a maximum SM clock of %d MHz, below a %s's boost clock of %d MHz", s.MaxSMClockMHz, board, v.BoostClockMHz)
	}
	if s.MemoryBusWidthBits != 0 && s.MaxMemoryClockMHz != 0 && v.MemoryBandwidthGBps != 0 {
		bw := uint64(s.MemoryBusWidthBits) * uint64(s.MaxMemoryClockMHz) / 4000
		want := uint64(v.MemoryBandwidthGBps)
		if bw*1000 < want*(1000-bandwidthTolerancePermille) || bw*1000 > want*(1000+bandwidthTolerancePermille) {
			return fmt.Errorf("a memory bandwidth of %d GB/s (%d bits at %d MHz), a %s has %d GB/s", bw, s.MemoryBusWidthBits, s.MaxMemoryClockMHz, board, want)
		}
	}
	if limit != 0 && v.PowerWatts != 0 {
		most := uint64(v.PowerWatts) * 1000
		if consumer {
			most = most * (1000 + consumerPowerExcessPermille) / 1000
		}
		switch {
		case uint64(limit) > most:
			return fmt.Errorf("a power limit of %d W, a %s's is at most %d W", limit/1000, board, most/1000)
		case uint64(limit)*minPowerDivisor < uint64(v.PowerWatts)*1000:
			return fmt.Errorf("a power limit of %d W, below the %d W a %s can be set to", limit/1000, v.PowerWatts/minPowerDivisor, board)
		}
	}
	return nil
}

// pickByFigures returns the first of a GPU's candidate models (as
// iog.GPUCandidates lists them, the weakest first among a family's) that
// its figures fit, or an error naming the figure that rules out each.
func pickByFigures(candidates []iog.GPUModel, r GPUReading) (iog.GPUModel, error) {
	var errs []string
	for _, m := range candidates {
		err := fitFigures(m, r)
		if err == nil {
			return m, nil
		}
		errs = append(errs, err.Error())
	}
	if len(candidates) == 1 {
		return iog.GPUModel{}, fmt.Errorf("GPU %s reports %s: %w", r.GPU.UUID, errs[0], iog.ErrInvalid)
	}
	return iog.GPUModel{}, fmt.Errorf("GPU %s: %q fits none of the models it may be: it reports %s: %w", r.GPU.UUID, errtext.Clip(r.GPU.Model), strings.Join(errs, "; "), iog.ErrInvalid)
}

// weakerLookalike refuses m for r when a weaker catalog model of the same
// maker and architecture, whose memory check r's memory also passes,
// fits r's figures too: then the figures do not prove m, and taking r
// for m would let a weaker card claim a stronger one (an L40 an L40S, an
// H100-PCIe an H100-SXM) by its name alone.
func weakerLookalike(m iog.GPUModel, r GPUReading, l Limits) error {
	for _, c := range catalogModels() {
		if c.Vendor != m.Vendor || c.ComputeCapability != m.ComputeCapability || iog.CompareGPUModels(c, m) >= 0 || !memoryFits(r.GPU.MemoryBytes, c, l) {
			continue
		}
		if fitFigures(c, r) == nil {
			return fmt.Errorf("GPU %s: its figures do not tell a %s from the weaker %s of the same memory and architecture; "+
				"a report must carry those that do (CUDA cores, boost clock, memory bus width and clock, power limit): %w",
				r.GPU.UUID, m.Name, c.Name, iog.ErrInvalid)
		}
	}
	return nil
}
