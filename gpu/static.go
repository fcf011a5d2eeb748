package gpu

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/errtext"
)

// StaticProbe is a DeviceProbe that reports a fixed inventory: hardware
// described in a file or built in code, for simulations and for suppliers
// who bring another DePIN's inventory instead of probing it.
type StaticProbe struct {
	Inventory Inventory
}

// Probe returns a copy of the inventory, checked as ParseStatic checks a
// file.
func (p StaticProbe) Probe(ctx context.Context) (Inventory, error) {
	if err := ctx.Err(); err != nil {
		return Inventory{}, fmt.Errorf("static probe: %w", err)
	}
	if err := checkInventory(p.Inventory); err != nil {
		return Inventory{}, fmt.Errorf("static probe: %w", err)
	}
	return cloneInventory(p.Inventory), nil
}

// MaxStaticBytes bounds a static inventory file.
const MaxStaticBytes = 1 << 20

// ParseStatic decodes a static inventory: the JSON form of Inventory, with
// Go's field names (matched without regard to case), such as
//
//	{"Host": {"CPU": {"Model": "AMD EPYC 7742", "Cores": 64, "Threads": 128},
//	          "MemoryBytes": 1099511627776, "OS": "linux"},
//	 "Driver": {"Version": "550.54.15", "CUDAVersion": "12.4"},
//	 "GPUs": [{"GPU": {"UUID": "GPU-...", "Vendor": "nvidia", "Model": "NVIDIA H100 80GB HBM3",
//	                   "MemoryBytes": 85520809984, "ComputeCapability": {"Major": 9, "Minor": 0}},
//	           "Specs": {"Cores": 16896, "MaxSMClockMHz": 1980, "BoostClockMHz": 1980,
//	                     "MemoryBusWidthBits": 5120, "MaxMemoryClockMHz": 2619},
//	           "Telemetry": {"PowerLimitMilliwatts": 700000}}]}
//
// A GPU's Specs and power limit are what the Verifier tells its model from
// others of the same memory by (PublishedSpecs gives a model's).
//
// Unknown fields, trailing data, more than MaxStaticBytes, more than
// MaxGPUsPerReport GPUs, GPUs without a UUID or model, and repeated UUIDs
// are ErrInvalid.
func ParseStatic(r io.Reader) (Inventory, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxStaticBytes+1))
	if err != nil {
		return Inventory{}, fmt.Errorf("static inventory: read: %w", err)
	}
	if len(b) > MaxStaticBytes {
		return Inventory{}, fmt.Errorf("static inventory: more than %d bytes: %w", MaxStaticBytes, iog.ErrInvalid)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var inv Inventory
	if err := dec.Decode(&inv); err != nil {
		return Inventory{}, fmt.Errorf("static inventory: %v: %w", err, iog.ErrInvalid)
	}
	if dec.More() {
		return Inventory{}, fmt.Errorf("static inventory: data after the JSON object: %w", iog.ErrInvalid)
	}
	if err := checkInventory(inv); err != nil {
		return Inventory{}, fmt.Errorf("static inventory: %w", err)
	}
	return inv, nil
}

// checkInventory checks the form of an inventory: what every report must
// satisfy before its content is judged.
func checkInventory(inv Inventory) error {
	if len(inv.GPUs) > MaxGPUsPerReport {
		return fmt.Errorf("%d GPUs, more than %d: %w", len(inv.GPUs), MaxGPUsPerReport, iog.ErrInvalid)
	}
	if c := inv.Host.CPU; c.Cores < 0 || c.Threads < 0 || int64(c.Cores) > 1<<32-1 || int64(c.Threads) > 1<<32-1 {
		return fmt.Errorf("CPU cores %d and threads %d: want 0 to 2^32-1: %w", c.Cores, c.Threads, iog.ErrInvalid)
	}
	for i, r := range inv.GPUs {
		g := r.GPU
		switch {
		case g.UUID == "":
			return fmt.Errorf("GPU %d has no UUID: %w", i, iog.ErrInvalid)
		case slices.ContainsFunc(inv.GPUs[:i], func(o GPUReading) bool { return o.GPU.UUID == g.UUID }):
			return fmt.Errorf("GPU UUID %q appears twice: %w", errtext.Clip(g.UUID), iog.ErrInvalid)
		case g.Model == "":
			return fmt.Errorf("GPU %q has no model: %w", errtext.Clip(g.UUID), iog.ErrInvalid)
		case len(g.NVLinkPeers) > MaxGPUsPerReport:
			return fmt.Errorf("GPU %q lists %d NVLink peers, more than %d: %w", errtext.Clip(g.UUID), len(g.NVLinkPeers), MaxGPUsPerReport, iog.ErrInvalid)
		case len(r.Telemetry.Missing) > maxMissing:
			return fmt.Errorf("GPU %q lists %d missing fields, more than %d: %w", errtext.Clip(g.UUID), len(r.Telemetry.Missing), maxMissing, iog.ErrInvalid)
		}
	}
	return nil
}

// maxMissing bounds Telemetry.Missing.
const maxMissing = 16

func cloneInventory(inv Inventory) Inventory {
	inv.GPUs = slices.Clone(inv.GPUs)
	for i := range inv.GPUs {
		inv.GPUs[i].GPU.NVLinkPeers = slices.Clone(inv.GPUs[i].GPU.NVLinkPeers)
		inv.GPUs[i].Telemetry.Missing = slices.Clone(inv.GPUs[i].Telemetry.Missing)
	}
	return inv
}
