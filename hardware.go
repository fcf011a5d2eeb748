package iog

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/internetofgpus/iog/internal/errtext"
)

// Vendor names a GPU maker.
type Vendor string

// The GPU vendors the network knows by name. Other vendors are allowed; they
// are written in lower case.
const (
	VendorNVIDIA Vendor = "nvidia"
	VendorAMD    Vendor = "amd"
	VendorIntel  Vendor = "intel"
	VendorApple  Vendor = "apple"
)

// GPUClass is a coarse grouping of GPU models, for requirements that accept
// any model of a kind. Which class a model belongs to is data, kept with the
// model tables of the gpu and pricing packages.
type GPUClass uint8

// The GPU classes. The zero value, AnyGPUClass, places no constraint.
const (
	AnyGPUClass GPUClass = iota
	// ConsumerGPU: gaming cards such as the GeForce RTX line.
	ConsumerGPU
	// WorkstationGPU: professional cards such as the RTX A6000.
	WorkstationGPU
	// DatacenterGPU: accelerators such as the A100 and H100.
	DatacenterGPU
)

var gpuClassNames = [...]string{
	AnyGPUClass:    "any",
	ConsumerGPU:    "consumer",
	WorkstationGPU: "workstation",
	DatacenterGPU:  "datacenter",
}

// Valid reports whether c is one of the declared classes.
func (c GPUClass) Valid() bool { return int(c) < len(gpuClassNames) }

// Enterprise reports whether c is an enterprise card: a datacenter or
// workstation GPU. io.net's rules tell enterprise cards from consumer
// ones (the reward pools, the idle-use caps) without listing models; this
// project draws the line at the class (see RULES.md).
func (c GPUClass) Enterprise() bool { return c == DatacenterGPU || c == WorkstationGPU }

// String returns the class's name, such as "datacenter".
func (c GPUClass) String() string {
	if !c.Valid() {
		return fmt.Sprintf("GPUClass(%d)", uint8(c))
	}
	return gpuClassNames[c]
}

// ParseGPUClass parses a class's name as String writes it.
func ParseGPUClass(s string) (GPUClass, error) {
	return parseEnum[GPUClass]("GPU class", s, gpuClassNames[:])
}

// MarshalText implements encoding.TextMarshaler with the class's name.
func (c GPUClass) MarshalText() ([]byte, error) { return marshalEnum("GPU class", c, gpuClassNames[:]) }

// UnmarshalText implements encoding.TextUnmarshaler with ParseGPUClass. On
// error c is left unchanged.
func (c *GPUClass) UnmarshalText(text []byte) error { return unmarshalWith(c, text, ParseGPUClass) }

// ComputeCapability is an NVIDIA compute capability, such as 8.0 for the
// A100 or 9.0 for the H100. The zero value means unknown (or not NVIDIA).
type ComputeCapability struct {
	Major, Minor uint8
}

// String returns the capability as "major.minor", or "" when unknown.
func (c ComputeCapability) String() string {
	if c == (ComputeCapability{}) {
		return ""
	}
	return strconv.Itoa(int(c.Major)) + "." + strconv.Itoa(int(c.Minor))
}

// ParseComputeCapability parses "major.minor", such as "8.6".
func ParseComputeCapability(s string) (ComputeCapability, error) {
	major, minor, ok := strings.Cut(s, ".")
	ma, err1 := strconv.ParseUint(major, 10, 8)
	mi, err2 := strconv.ParseUint(minor, 10, 8)
	if !ok || err1 != nil || err2 != nil || !isDigits(major) || !isDigits(minor) {
		return ComputeCapability{}, invalidf("compute capability %q: want major.minor, as in 8.0", errtext.Clip(s))
	}
	return ComputeCapability{uint8(ma), uint8(mi)}, nil
}

// AtLeast reports whether c is the same as or newer than o.
func (c ComputeCapability) AtLeast(o ComputeCapability) bool {
	return c.Major > o.Major || c.Major == o.Major && c.Minor >= o.Minor
}

// PCIeLink is the PCI Express link a GPU sits on.
type PCIeLink struct {
	// Generation is the PCIe generation, 1 to 6; 0 means unknown.
	Generation uint8
	// Lanes is the link width, such as 16.
	Lanes uint8
}

// pcieLaneBytesPerSec is the usable one-direction bandwidth of one lane by
// generation, after line encoding (8b/10b up to gen 2, 128b/130b after).
var pcieLaneBytesPerSec = [...]uint64{0, 250e6, 500e6, 985e6, 1969e6, 3938e6, 7563e6}

// BytesPerSec returns the link's one-direction bandwidth, or 0 when the
// generation is unknown.
func (l PCIeLink) BytesPerSec() uint64 {
	if int(l.Generation) >= len(pcieLaneBytesPerSec) {
		return 0
	}
	return pcieLaneBytesPerSec[l.Generation] * uint64(l.Lanes)
}

// GPU describes one graphics processor as its probe reports it. Live
// telemetry (temperature, utilization, ...) is not part of the description;
// the gpu package reports it separately.
type GPU struct {
	// UUID is the vendor's unique identifier of the physical GPU, such as
	// NVML's "GPU-1a2b...". Attestation checks its form and uniqueness.
	UUID string
	// Vendor is the GPU's maker.
	Vendor Vendor
	// Model is the marketing name, such as "NVIDIA H100 80GB HBM3".
	Model string
	// MemoryBytes is the total memory of the GPU.
	MemoryBytes uint64
	// ComputeCapability is the NVIDIA compute capability, zero if unknown.
	ComputeCapability ComputeCapability
	// PCIe is the host link.
	PCIe PCIeLink
	// NVLinkPeers lists the UUIDs of the GPUs this one reaches over NVLink.
	NVLinkPeers []string
	// MIG reports that Multi-Instance GPU mode is enabled.
	MIG bool
}

// CPU describes a host's processors.
type CPU struct {
	// Model is the processor's name, such as "AMD EPYC 7742 64-Core Processor".
	Model string
	// Arch is the instruction set, as Go's GOARCH names it ("amd64").
	Arch string
	// Cores is the number of physical cores.
	Cores int
	// Threads is the number of hardware threads (logical CPUs).
	Threads int
}

// BandwidthTier is a device's class of network connectivity, which pricing
// and scheduling take as an input. A device's tier comes from its measured
// Bandwidth through a BandwidthTiers table; DefaultBandwidthTiers holds
// io.net's four published tiers.
type BandwidthTier uint8

// The bandwidth tiers, from worst to best; a better tier is a larger value.
const (
	// UnratedBandwidth is below the low tier, or not measured.
	UnratedBandwidth BandwidthTier = iota
	LowBandwidth
	MediumBandwidth
	HighBandwidth
	UltraBandwidth
)

var bandwidthTierNames = [...]string{"unrated", "low", "medium", "high", "ultra"}

// Valid reports whether t is one of the declared tiers.
func (t BandwidthTier) Valid() bool { return int(t) < len(bandwidthTierNames) }

// String returns the tier's name, such as "medium".
func (t BandwidthTier) String() string {
	if !t.Valid() {
		return fmt.Sprintf("BandwidthTier(%d)", uint8(t))
	}
	return bandwidthTierNames[t]
}

// ParseBandwidthTier parses a tier's name as String writes it.
func ParseBandwidthTier(s string) (BandwidthTier, error) {
	return parseEnum[BandwidthTier]("bandwidth tier", s, bandwidthTierNames[:])
}

// MarshalText implements encoding.TextMarshaler with the tier's name.
func (t BandwidthTier) MarshalText() ([]byte, error) {
	return marshalEnum("bandwidth tier", t, bandwidthTierNames[:])
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseBandwidthTier.
// On error t is left unchanged.
func (t *BandwidthTier) UnmarshalText(text []byte) error {
	return unmarshalWith(t, text, ParseBandwidthTier)
}

// parseEnum finds s among the names of a small enumeration whose values
// are the names' indices.
func parseEnum[T ~uint8](what, s string, names []string) (T, error) {
	for v, name := range names {
		if s == name {
			return T(v), nil
		}
	}
	return 0, invalidf("%s %q: want one of %s", what, errtext.Clip(s), strings.Join(names, ", "))
}

// marshalEnum returns the name of v, or ErrInvalid for a value outside the
// enumeration.
func marshalEnum[T ~uint8](what string, v T, names []string) ([]byte, error) {
	if int(v) >= len(names) {
		return nil, invalidf("marshal %s: %d is not one", what, uint8(v))
	}
	return []byte(names[v]), nil
}

// Bandwidth is a measured network speed, in bytes (not bits) per second.
type Bandwidth struct {
	DownBytesPerSec uint64
	UpBytesPerSec   uint64
}

// Tier returns b's tier under DefaultBandwidthTiers.
func (b Bandwidth) Tier() BandwidthTier { return DefaultBandwidthTiers().Of(b) }

// TierThreshold is the least bandwidth a tier asks, in bytes per second in
// each direction.
type TierThreshold struct {
	Down, Up uint64
}

// Meets reports whether b reaches t in both directions.
func (t TierThreshold) Meets(b Bandwidth) bool {
	return b.DownBytesPerSec >= t.Down && b.UpBytesPerSec >= t.Up
}

// BandwidthTiers is the threshold of each tier, indexed by BandwidthTier.
// A device is in the best tier whose threshold it meets in both
// directions; the entry of UnratedBandwidth is zero, since every device is
// at least unrated. Replace the table to rate devices by other figures.
type BandwidthTiers [UltraBandwidth + 1]TierThreshold

// DefaultBandwidthTiers returns io.net's connectivity tiers, from io.net's
// documentation (down/up, 1 MB = 10^6 bytes): low 100/10 MB/s, medium
// 400/300, high 800/600, ultra 1600/1200.
func DefaultBandwidthTiers() BandwidthTiers {
	const mb = 1_000_000
	return BandwidthTiers{
		LowBandwidth:    {Down: 100 * mb, Up: 10 * mb},
		MediumBandwidth: {Down: 400 * mb, Up: 300 * mb},
		HighBandwidth:   {Down: 800 * mb, Up: 600 * mb},
		UltraBandwidth:  {Down: 1600 * mb, Up: 1200 * mb},
	}
}

// Of returns the best tier whose threshold b meets in both directions, or
// UnratedBandwidth when it meets none.
func (ts BandwidthTiers) Of(b Bandwidth) BandwidthTier {
	for t := UltraBandwidth; t > UnratedBandwidth; t-- {
		if ts[t].Meets(b) {
			return t
		}
	}
	return UnratedBandwidth
}

// Validate checks that ts can rate devices: the unrated entry is zero and
// no tier asks less than the one below it in either direction, so that a
// faster device never lands in a worse tier. Problems are ErrInvalid.
func (ts BandwidthTiers) Validate() error {
	if ts[UnratedBandwidth] != (TierThreshold{}) {
		return invalidf("bandwidth tiers: the unrated tier has a threshold %d/%d B/s; it must be zero",
			ts[UnratedBandwidth].Down, ts[UnratedBandwidth].Up)
	}
	for t := LowBandwidth; t <= UltraBandwidth; t++ {
		below := ts[t-1]
		if ts[t].Down < below.Down || ts[t].Up < below.Up {
			return invalidf("bandwidth tiers: %v asks %d/%d B/s, less than %v's %d/%d",
				t, ts[t].Down, ts[t].Up, t-1, below.Down, below.Up)
		}
	}
	return nil
}

// Device describes one machine a supplier lends to the network: its GPUs,
// its host resources, its network and where it is.
type Device struct {
	ID     DeviceID
	Worker WorkerID
	// Owner is the supplier's wallet, whose key signs the device's reports
	// and whose stake backs it.
	Owner       WalletAddress
	GPUs        []GPU
	CPU         CPU
	MemoryBytes uint64
	DiskBytes   uint64
	// OS is the operating system, as Go's GOOS names it ("linux").
	OS        string
	Bandwidth Bandwidth
	Location  Location
}

// Validate checks what a Device must have to be registered: a well-formed
// ID, an owner, GPUs with distinct non-empty UUIDs and a model, and a valid
// location. It does not judge whether the hardware is plausible; that is
// attestation's job in the gpu package. Problems are ErrInvalid.
func (d Device) Validate() error {
	if _, err := ParseDeviceID(string(d.ID)); err != nil {
		return fmt.Errorf("device: %w", err)
	}
	if d.Owner.IsZero() {
		return invalidf("device %s: no owner wallet", d.ID)
	}
	seen := make(map[string]bool, len(d.GPUs))
	for i, g := range d.GPUs {
		switch {
		case g.UUID == "":
			return invalidf("device %s: GPU %d has no UUID", d.ID, i)
		case seen[g.UUID]:
			return invalidf("device %s: GPU UUID %q appears twice", d.ID, errtext.Clip(g.UUID))
		case g.Model == "":
			return invalidf("device %s: GPU %s has no model", d.ID, errtext.Clip(g.UUID))
		}
		seen[g.UUID] = true
	}
	if err := d.Location.Validate(); err != nil {
		return fmt.Errorf("device %s: %w", d.ID, err)
	}
	return nil
}
