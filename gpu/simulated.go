package gpu

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/internetofgpus/iog"
)

// SimulatedProbe is a DeviceProbe of made-up hardware that looks alive:
// a fixed set of GPUs whose telemetry moves at every probe, as a working
// GPU's does (a StaticProbe's never moves, and the Verifier rightly calls
// that stale). It is for demonstrations and tests of a whole network
// without GPUs; its telemetry comes from a seeded generator, so a run is
// repeatable. It is safe for concurrent use. Create one with
// NewSimulatedProbe.
type SimulatedProbe struct {
	mu         sync.Mutex
	inv        Inventory
	rng        *rand.Rand
	powerLimit uint32 // mW, the board's TDP
}

// NewSimulatedProbe returns a probe of a Linux host with count GPUs of a
// catalog model, their UUIDs and telemetry drawn from seed. The GPUs are
// the model's first board (iog.GPUModel.Variants) and report its
// published figures (PublishedSpecs) and power limit, as a real one
// does and as the Verifier requires. An unknown model or a count outside
// 1 to MaxGPUsPerReport is ErrInvalid.
func NewSimulatedProbe(model string, count int, seed uint64) (*SimulatedProbe, error) {
	m, ok := iog.LookupGPUModel(model)
	if !ok {
		return nil, fmt.Errorf("simulated probe: %q is not a catalog model: %w", model, iog.ErrInvalid)
	}
	if count < 1 || count > MaxGPUsPerReport {
		return nil, fmt.Errorf("simulated probe: %d GPUs, want 1 to %d: %w", count, MaxGPUsPerReport, iog.ErrInvalid)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	inv := Inventory{
		Host: Host{
			CPU:         iog.CPU{Model: "AMD EPYC 9454 48-Core Processor", Arch: "amd64", Cores: 48, Threads: 96},
			MemoryBytes: uint64(count) * 256 << 30, DiskBytes: 8 << 40, OS: "linux", Kernel: "6.8.0-45-generic",
		},
		Driver: Driver{Version: "550.54.15", CUDAVersion: "12.4"},
	}
	board := m.Variants()[0]
	// The name a driver reports: the maker's word, then the model.
	name := "NVIDIA " + m.Name
	switch m.Vendor {
	case iog.VendorAMD:
		name = "AMD Instinct " + m.Name
	case iog.VendorApple:
		name = "Apple " + strings.ReplaceAll(m.Name, "-", " ")
	}
	for range count {
		inv.GPUs = append(inv.GPUs, GPUReading{GPU: iog.GPU{
			UUID:   fmt.Sprintf("GPU-%08x-%04x-%04x-%04x-%012x", rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint64()&0xffffffffffff),
			Vendor: m.Vendor, Model: name,
			// Drivers report a little less than the nominal memory.
			MemoryBytes:       m.MemoryBytes / 1000 * 985,
			ComputeCapability: m.ComputeCapability,
			PCIe:              iog.PCIeLink{Generation: 4, Lanes: 16},
		}, Specs: PublishedSpecs(board)})
	}
	return &SimulatedProbe{inv: inv, rng: rng, powerLimit: board.PowerWatts * 1000}, nil
}

// Probe implements DeviceProbe: the same GPUs, new telemetry.
func (p *SimulatedProbe) Probe(ctx context.Context) (Inventory, error) {
	if err := ctx.Err(); err != nil {
		return Inventory{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.inv
	out.GPUs = make([]GPUReading, len(p.inv.GPUs))
	for i, g := range p.inv.GPUs {
		used := g.GPU.MemoryBytes / 100 * (5 + p.rng.Uint64N(60))
		t := Telemetry{TemperatureC: 38 + p.rng.Uint32N(35)}
		if p.powerLimit > 0 {
			// A draw of a fifth of the limit to all of it.
			t.PowerMilliwatts, t.PowerLimitMilliwatts = p.powerLimit/5+p.rng.Uint32N(p.powerLimit*4/5), p.powerLimit
		} else {
			// A board with no published power (Apple's) reports none.
			t.Missing = []string{"power"}
		}
		// An idle GPU lent to the network: 0 to 5%, within the idle-use caps
		// of every class (DefaultIdleCaps).
		t.UtilizationPercent, t.MemoryUtilizationPercent = p.rng.Uint32N(6), p.rng.Uint32N(101)
		t.MemoryUsedBytes, t.MemoryFreeBytes = used, g.GPU.MemoryBytes-used
		t.SMClockMHz, t.MemoryClockMHz = smClock(g.Specs, p.rng), memoryClock(g.Specs)
		out.GPUs[i] = GPUReading{GPU: g.GPU, Specs: g.Specs, Telemetry: t}
	}
	return out, nil
}

// smClock is a current SM clock of a GPU of specs: three quarters of its
// maximum to all of it (1 500 to 2 000 MHz when the maximum is unknown).
func smClock(specs Specs, rng *rand.Rand) uint32 {
	if specs.MaxSMClockMHz == 0 {
		return 1500 + rng.Uint32N(500)
	}
	return specs.MaxSMClockMHz*3/4 + rng.Uint32N(specs.MaxSMClockMHz/4+1)
}

// memoryClock is the memory clock of a GPU of specs at work, its maximum
// (2 600 MHz when that is unknown).
func memoryClock(specs Specs) uint32 {
	if specs.MaxMemoryClockMHz == 0 {
		return 2600
	}
	return specs.MaxMemoryClockMHz
}
