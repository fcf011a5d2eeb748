package gpu

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/errtext"
)

// Check names one of the checks a report or a proof of compute must pass.
// A Rejection says which one failed, so that callers (and the trust score)
// can tell a spoofer from a flaky network.
type Check string

// The checks, in the order a Verifier runs them.
const (
	// CheckFormat: the report decodes, in the current version.
	CheckFormat Check = "format"
	// CheckOwner: the device is registered, to the owner the report names.
	CheckOwner Check = "owner"
	// CheckSignature: the registered owner's key signed the report.
	CheckSignature Check = "signature"
	// CheckNonce: the report answers a live nonce issued to the device,
	// not used before.
	CheckNonce Check = "nonce"
	// CheckUUID: every GPU UUID is well formed for its vendor, NVLink
	// peers are GPUs of the same report, and the device reports no GPU
	// it did not have at first, nor a GPU of another model than before.
	CheckUUID Check = "uuid"
	// CheckSpec: every GPU is a known model whose memory, compute
	// capability and figures (Specs, power limit) match the catalog and
	// rule out every weaker model it could pass for, with plausible
	// telemetry.
	CheckSpec Check = "spec"
	// CheckCapacity: the host does not claim more GPUs than a host holds.
	CheckCapacity Check = "capacity"
	// CheckDuplicate: no GPU UUID is already another device's.
	CheckDuplicate Check = "duplicate-uuid"
	// CheckTelemetry: the telemetry moves as a live GPU's does: it does
	// not repeat the readings of the device's recent reports, and its
	// counters do not go back.
	CheckTelemetry Check = "telemetry"
	// CheckProof: a proof-of-compute answer is right and in time.
	CheckProof Check = "proof"
)

// Rejection is the error of a failed check.
type Rejection struct {
	Device iog.DeviceID
	Check  Check
	Err    error
}

// Error says which device failed which check, and why.
func (r *Rejection) Error() string {
	if r.Device == "" {
		return fmt.Sprintf("%s check failed: %v", r.Check, r.Err)
	}
	return fmt.Sprintf("device %s: %s check failed: %v", r.Device, r.Check, r.Err)
}

// Unwrap returns the cause, which wraps one of the iog sentinel errors.
func (r *Rejection) Unwrap() error { return r.Err }

// FailedCheck returns the check that err reports failing, or "" when err
// is not a Rejection.
func FailedCheck(err error) Check {
	var r *Rejection
	if errors.As(err, &r) {
		return r.Check
	}
	return ""
}

func reject(device iog.DeviceID, check Check, err error) error {
	return &Rejection{Device: device, Check: check, Err: err}
}

// Limits are the bounds of plausible hardware. The zero value means the
// defaults documented on each field.
type Limits struct {
	// MaxGPUsPerHost is the most GPUs one host may report; 0 means 16,
	// twice an HGX board and as many as the largest PCIe servers hold.
	MaxGPUsPerHost int
	// MemoryShortfallPermille is how far below the catalog's nominal
	// memory a GPU may report, in thousandths; 0 means 100 (10%), the most
	// that drivers reserve (an L4 shows 22.5 of its 24 GiB).
	MemoryShortfallPermille int
	// MemoryExcessPermille is how far above nominal memory a GPU may
	// report, in thousandths; 0 means 20 (2%).
	MemoryExcessPermille int
}

func (l Limits) withDefaults() Limits {
	if l.MaxGPUsPerHost <= 0 {
		l.MaxGPUsPerHost = 16
	}
	if l.MemoryShortfallPermille <= 0 {
		l.MemoryShortfallPermille = 100
	}
	if l.MemoryExcessPermille <= 0 {
		l.MemoryExcessPermille = 20
	}
	return l
}

// CheckHardware runs the checks that need nothing but the inventory:
// UUID form, model and spec against the iog.GPUModel catalog, plausible
// telemetry, host capacity. It returns the catalog model of each GPU, in
// order, or a *Rejection wrapping iog.ErrInvalid.
func CheckHardware(device iog.DeviceID, inv Inventory, limits Limits) ([]iog.GPUModel, error) {
	if err := checkInventory(inv); err != nil {
		return nil, reject(device, CheckFormat, err)
	}
	return checkHardware(device, inv, limits.withDefaults(), iog.GPUCandidates)
}

// checkHardware is CheckHardware for an inventory whose form is checked,
// with limits defaulted and a function that lists the catalog models a
// GPU may be (iog.GPUCandidates).
func checkHardware(device iog.DeviceID, inv Inventory, limits Limits, candidates func(iog.GPU) []iog.GPUModel) ([]iog.GPUModel, error) {
	if n := len(inv.GPUs); n > limits.MaxGPUsPerHost {
		return nil, reject(device, CheckCapacity, fmt.Errorf("%d GPUs on one host, more than the %d a host can hold: %w", n, limits.MaxGPUsPerHost, iog.ErrInvalid))
	}
	uuids := make([]string, len(inv.GPUs))
	for i, r := range inv.GPUs {
		uuids[i] = CanonicalUUID(r.GPU.Vendor, r.GPU.UUID)
		if slices.Contains(uuids[:i], uuids[i]) {
			return nil, reject(device, CheckUUID, fmt.Errorf("GPU %s is listed twice: %w", errtext.Clip(r.GPU.UUID), iog.ErrInvalid))
		}
	}
	models := make([]iog.GPUModel, len(inv.GPUs))
	for i, r := range inv.GPUs {
		g := r.GPU
		if err := checkUUID(g); err != nil {
			return nil, reject(device, CheckUUID, err)
		}
		for _, p := range g.NVLinkPeers {
			if p := CanonicalUUID(g.Vendor, p); p == uuids[i] || !slices.Contains(uuids, p) {
				return nil, reject(device, CheckUUID, fmt.Errorf("GPU %s: NVLink peer %q is not another GPU of this host: %w", g.UUID, errtext.Clip(p), iog.ErrInvalid))
			}
		}
		m, err := checkSpec(r, limits, candidates)
		if err != nil {
			return nil, reject(device, CheckSpec, err)
		}
		if err := checkTelemetry(r); err != nil {
			return nil, reject(device, CheckSpec, err)
		}
		models[i] = m
	}
	return models, nil
}

// checkUUID checks the form of a GPU's UUID. NVIDIA's are "GPU-" and an
// RFC 4122 UUID in lower-case hex; other vendors' are 8 to 64 characters
// of letters, digits and "-_.:". A UUID of a single repeated digit (the
// all-zero UUID of emulators) is refused.
func checkUUID(g iog.GPU) error {
	u := g.UUID
	if g.Vendor == iog.VendorNVIDIA {
		hexPart, ok := strings.CutPrefix(u, "GPU-")
		if !ok || !isUUID(hexPart) {
			return fmt.Errorf("GPU UUID %q: NVIDIA UUIDs are GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx in lower-case hex: %w", errtext.Clip(u), iog.ErrInvalid)
		}
		u = hexPart
	} else if len(u) < 8 || len(u) > 64 || strings.Trim(u, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:") != "" {
		return fmt.Errorf("GPU UUID %q: want 8 to 64 letters, digits and -_.: : %w", errtext.Clip(u), iog.ErrInvalid)
	}
	if isPlaceholder(u) {
		return fmt.Errorf("GPU UUID %q is a placeholder, not a real GPU's: %w", errtext.Clip(g.UUID), iog.ErrInvalid)
	}
	return nil
}

// isPlaceholder reports whether s, dashes aside, is one character repeated.
func isPlaceholder(s string) bool {
	var first byte
	for i := range len(s) {
		switch c := s[i]; {
		case c == '-':
		case first == 0:
			first = c
		case c != first:
			return false
		}
	}
	return true
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// checkSpec finds the catalog model of r's GPU, by its name and, among
// the models the name leaves open, by its figures, and compares what the
// GPU claims with the model: its figures, vendor, memory and compute
// capability, and figures that rule out every weaker model it could also
// pass as.
func checkSpec(r GPUReading, l Limits, candidates func(iog.GPU) []iog.GPUModel) (iog.GPUModel, error) {
	g := r.GPU
	c := candidates(g)
	if len(c) == 0 {
		return iog.GPUModel{}, fmt.Errorf("GPU %s: model %q is not in the catalog: %w", g.UUID, errtext.Clip(g.Model), iog.ErrInvalid)
	}
	m, err := pickByFigures(c, r)
	if err != nil {
		return iog.GPUModel{}, err
	}
	if g.Vendor != m.Vendor {
		return iog.GPUModel{}, fmt.Errorf("GPU %s: a %s is made by %s, not %q: %w", g.UUID, m.Name, m.Vendor, errtext.Clip(string(g.Vendor)), iog.ErrInvalid)
	}
	if !memoryFits(g.MemoryBytes, m, l) {
		return iog.GPUModel{}, fmt.Errorf("GPU %s: %d MiB of memory, a %s has %d MiB: %w", g.UUID, g.MemoryBytes>>20, m.Name, m.MemoryBytes>>20, iog.ErrInvalid)
	}
	if m.ComputeCapability != g.ComputeCapability {
		return iog.GPUModel{}, fmt.Errorf("GPU %s: compute capability %q, a %s has %q: %w", g.UUID, g.ComputeCapability, m.Name, m.ComputeCapability, iog.ErrInvalid)
	}
	if err := weakerLookalike(m, r, l); err != nil {
		return iog.GPUModel{}, err
	}
	return m, nil
}

// memoryFits reports whether a GPU reporting memory bytes passes for a
// GPU of model m, within l's tolerances.
func memoryFits(memory uint64, m iog.GPUModel, l Limits) bool {
	low := m.MemoryBytes / 1000 * uint64(1000-l.MemoryShortfallPermille)
	high := m.MemoryBytes / 1000 * uint64(1000+l.MemoryExcessPermille)
	return memory >= low && memory <= high
}

// checkTelemetry refuses readings no working GPU gives; the bounds,
// wide enough for any real GPU idle or overloaded, are in the package
// doc. A figure the GPU does not report (named in Missing) is not
// checked, but a GPU must report its temperature or its power: without
// either nothing of its physical state is read.
func checkTelemetry(r GPUReading) error {
	g, t, s := r.GPU, r.Telemetry, r.Specs
	reported := func(field string) bool { return !slices.Contains(t.Missing, field) }
	switch {
	case !reported("temperature") && !reported("power"):
		return fmt.Errorf("GPU %s: reports neither its temperature nor its power: %w", g.UUID, iog.ErrInvalid)
	case reported("temperature") && (t.TemperatureC < minTempC || t.TemperatureC > maxTempC):
		return fmt.Errorf("GPU %s: temperature %d °C, a working GPU's is %d to %d °C: %w", g.UUID, t.TemperatureC, minTempC, maxTempC, iog.ErrInvalid)
	case t.UtilizationPercent > 100 || t.MemoryUtilizationPercent > 100:
		return fmt.Errorf("GPU %s: utilization over 100%%: %w", g.UUID, iog.ErrInvalid)
	case t.MemoryUsedBytes > g.MemoryBytes || t.MemoryFreeBytes > g.MemoryBytes-t.MemoryUsedBytes:
		return fmt.Errorf("GPU %s: %d bytes used and %d free of %d: %w", g.UUID, t.MemoryUsedBytes, t.MemoryFreeBytes, g.MemoryBytes, iog.ErrInvalid)
	case t.PowerLimitMilliwatts > 0 && (t.PowerLimitMilliwatts < minPowerLimitMilliwatts || t.PowerLimitMilliwatts > maxPowerLimitMilliwatts):
		return fmt.Errorf("GPU %s: a power limit of %d mW, a GPU board's is %d to %d mW: %w", g.UUID, t.PowerLimitMilliwatts, minPowerLimitMilliwatts, maxPowerLimitMilliwatts, iog.ErrInvalid)
	case reported("power") && t.PowerMilliwatts < max(minPowerMilliwatts, t.PowerLimitMilliwatts/idlePowerShare):
		return fmt.Errorf("GPU %s: drawing %d mW against a %d mW limit, less than a powered GPU idles at: %w", g.UUID, t.PowerMilliwatts, t.PowerLimitMilliwatts, iog.ErrInvalid)
	case t.PowerLimitMilliwatts > 0 && uint64(t.PowerMilliwatts) > uint64(t.PowerLimitMilliwatts)*3/2:
		return fmt.Errorf("GPU %s: drawing %d mW against a %d mW limit: %w", g.UUID, t.PowerMilliwatts, t.PowerLimitMilliwatts, iog.ErrInvalid)
	case s.MaxSMClockMHz > 0 && t.SMClockMHz > s.MaxSMClockMHz, s.MaxMemoryClockMHz > 0 && t.MemoryClockMHz > s.MaxMemoryClockMHz:
		return fmt.Errorf("GPU %s: clocks of %d MHz (SM) and %d MHz (memory), above the GPU's maximum %d and %d MHz: %w",
			g.UUID, t.SMClockMHz, t.MemoryClockMHz, s.MaxSMClockMHz, s.MaxMemoryClockMHz, iog.ErrInvalid)
	}
	return nil
}

// The bounds of checkTelemetry; the package doc says why each is safe.
const (
	minTempC                = 5   // a powered die is warmer than any coolant above its dew point
	maxTempC                = 130 // past this a GPU has shut itself down
	minPowerMilliwatts      = 1_000
	idlePowerShare          = 200 // a GPU draws at least 1/200 of its power limit
	minPowerLimitMilliwatts = 10_000
	maxPowerLimitMilliwatts = 2_000_000
)
