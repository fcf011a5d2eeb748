package gpu

import (
	"crypto/ed25519"
	"fmt"
	"unicode/utf8"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/errtext"
)

// Report is a device's account of itself: who owns it, which server
// challenge it answers, and what hardware it has. A worker signs it with
// the owner's key (see Keypair.SignReport) and the server checks it with a
// Verifier.
type Report struct {
	// Device is the device the report is about.
	Device iog.DeviceID
	// Owner is the supplier's wallet, whose key signs the report.
	Owner iog.WalletAddress
	// Nonce is the server's challenge this report answers; it binds the
	// report to one moment and makes it unusable twice.
	Nonce Nonce
	// Inventory is what the device's probe found.
	Inventory Inventory
}

// ReportVersion is the version of the report encoding that EncodeReport
// writes and DecodeReport reads. Version 2 added each GPU's Specs;
// DecodeReport refuses version 1, which has none (see the package doc).
const ReportVersion = 2

// MaxGPUsPerReport bounds the GPUs of one report, and so its size.
const MaxGPUsPerReport = 64

// MaxReportBytes bounds an encoded, signed report: a report with
// MaxGPUsPerReport GPUs, every list and text field at its longest (about
// 1.4 MB), fits. A real 8-GPU report is about 1.6 KB.
const MaxReportBytes = 2 << 20

// reportMagic opens every encoded report. Its first byte, 0xff, is not the
// first byte of any Solana transaction message, so a report signature can
// never be replayed as a transaction signature (the same rule as Solana's
// off-chain messages, which open with "\xffsolana offchain").
const reportMagic = "\xffiog device report"

// EncodeReport returns the canonical encoding of r, the bytes the owner
// signs: the magic, ReportVersion, then every field in a fixed order,
// integers big-endian at fixed width, strings and lists with a one-byte
// length. Each report has exactly one encoding, and DecodeReport accepts
// no other. What DecodeReport would refuse is ErrInvalid: a malformed
// device ID, strings longer than 255 bytes or not UTF-8, more than
// MaxGPUsPerReport GPUs or NVLink peers of a GPU, more than 16 missing
// fields of a GPU, a GPU without UUID or model, a repeated UUID.
func EncodeReport(r Report) ([]byte, error) {
	if err := checkEncodable(r); err != nil {
		return nil, fmt.Errorf("encode report: %w", err)
	}
	w := writer{b: make([]byte, 0, 256+len(r.Inventory.GPUs)*192)}
	w.raw([]byte(reportMagic))
	w.u8(ReportVersion)
	w.str(string(r.Device))
	w.raw(r.Owner[:])
	w.raw(r.Nonce[:])
	h := r.Inventory.Host
	w.str(h.CPU.Model)
	w.str(h.CPU.Arch)
	w.u32(uint32(h.CPU.Cores))
	w.u32(uint32(h.CPU.Threads))
	w.u64(h.MemoryBytes)
	w.u64(h.DiskBytes)
	w.str(h.OS)
	w.str(h.Kernel)
	w.str(r.Inventory.Driver.Version)
	w.str(r.Inventory.Driver.CUDAVersion)
	w.u8(uint8(len(r.Inventory.GPUs)))
	for _, g := range r.Inventory.GPUs {
		encodeGPU(&w, g)
	}
	return w.b, nil
}

func encodeGPU(w *writer, r GPUReading) {
	g, t := r.GPU, r.Telemetry
	w.str(g.UUID)
	w.str(string(g.Vendor))
	w.str(g.Model)
	w.u64(g.MemoryBytes)
	w.u8(g.ComputeCapability.Major)
	w.u8(g.ComputeCapability.Minor)
	w.u8(g.PCIe.Generation)
	w.u8(g.PCIe.Lanes)
	w.u8(uint8(len(g.NVLinkPeers)))
	for _, p := range g.NVLinkPeers {
		w.str(p)
	}
	w.boolean(g.MIG)
	s := r.Specs
	w.u32(s.Cores)
	w.u32(s.MaxSMClockMHz)
	w.u32(s.BoostClockMHz)
	w.u32(s.MemoryBusWidthBits)
	w.u32(s.MaxMemoryClockMHz)
	w.u32(t.TemperatureC)
	w.u32(t.PowerMilliwatts)
	w.u32(t.PowerLimitMilliwatts)
	w.u32(t.UtilizationPercent)
	w.u32(t.MemoryUtilizationPercent)
	w.u64(t.MemoryUsedBytes)
	w.u64(t.MemoryFreeBytes)
	w.u32(t.SMClockMHz)
	w.u32(t.MemoryClockMHz)
	w.u64(t.ECCCorrected)
	w.u64(t.ECCUncorrected)
	w.u64(t.ThrottleReasons)
	w.u8(uint8(len(t.Missing)))
	for _, m := range t.Missing {
		w.str(m)
	}
}

// checkEncodable reports what EncodeReport cannot write. checkInventory
// bounds every list below 256 entries, which a one-byte count holds.
func checkEncodable(r Report) error {
	if _, err := iog.ParseDeviceID(string(r.Device)); err != nil {
		return err
	}
	inv := r.Inventory
	if err := checkInventory(inv); err != nil {
		return err
	}
	strs := []string{string(r.Device), inv.Host.CPU.Model, inv.Host.CPU.Arch, inv.Host.OS, inv.Host.Kernel, inv.Driver.Version, inv.Driver.CUDAVersion}
	for _, g := range inv.GPUs {
		strs = append(strs, g.GPU.UUID, string(g.GPU.Vendor), g.GPU.Model)
		strs = append(strs, g.GPU.NVLinkPeers...)
		strs = append(strs, g.Telemetry.Missing...)
	}
	for _, s := range strs {
		if len(s) > 255 || !utf8.ValidString(s) {
			return fmt.Errorf("text field %q is longer than 255 bytes or not UTF-8: %w", errtext.Clip(s), iog.ErrInvalid)
		}
	}
	return nil
}

// DecodeReport decodes what EncodeReport wrote. Anything else — another
// magic or version, a short or overlong input, bytes after the report, a
// boolean other than 0 or 1, text that is not UTF-8, more than
// MaxGPUsPerReport GPUs, a GPU without UUID or model, a repeated UUID, a
// malformed device ID — is ErrInvalid.
func DecodeReport(b []byte) (Report, error) {
	if len(b) > MaxReportBytes {
		return Report{}, fmt.Errorf("decode report: %d bytes, more than %d: %w", len(b), MaxReportBytes, iog.ErrInvalid)
	}
	rd := reader{b: b}
	if string(rd.take(len(reportMagic))) != reportMagic {
		return Report{}, fmt.Errorf("decode report: not a device report (wrong magic bytes): %w", iog.ErrInvalid)
	}
	switch v := rd.u8(); {
	case v == 1:
		return Report{}, fmt.Errorf("decode report: version 1, which carries no GPU figures, this build reads version %d: upgrade the worker: %w", ReportVersion, iog.ErrInvalid)
	case v != ReportVersion:
		return Report{}, fmt.Errorf("decode report: version %d, this build reads version %d: %w", v, ReportVersion, iog.ErrInvalid)
	}
	var r Report
	device := rd.str()
	copy(r.Owner[:], rd.take(len(r.Owner)))
	copy(r.Nonce[:], rd.take(len(r.Nonce)))
	h := &r.Inventory.Host
	h.CPU.Model = rd.str()
	h.CPU.Arch = rd.str()
	h.CPU.Cores = int(rd.u32())
	h.CPU.Threads = int(rd.u32())
	h.MemoryBytes = rd.u64()
	h.DiskBytes = rd.u64()
	h.OS = rd.str()
	h.Kernel = rd.str()
	r.Inventory.Driver.Version = rd.str()
	r.Inventory.Driver.CUDAVersion = rd.str()
	if n := rd.count(MaxGPUsPerReport); n > 0 {
		r.Inventory.GPUs = make([]GPUReading, n)
		var prev iog.GPU
		for i := range r.Inventory.GPUs {
			decodeGPU(&rd, &r.Inventory.GPUs[i], prev)
			prev = r.Inventory.GPUs[i].GPU
		}
	}
	if rd.err != nil {
		return Report{}, fmt.Errorf("decode report: %w: %w", rd.err, iog.ErrInvalid)
	}
	if len(rd.b) != 0 {
		return Report{}, fmt.Errorf("decode report: %d bytes after the report: %w", len(rd.b), iog.ErrInvalid)
	}
	id, err := iog.ParseDeviceID(device)
	if err != nil {
		return Report{}, fmt.Errorf("decode report: %w", err)
	}
	r.Device = id
	if err := checkInventory(r.Inventory); err != nil {
		return Report{}, fmt.Errorf("decode report: %w", err)
	}
	return r, nil
}

// decodeGPU reads one GPU; prev is the GPU before it, whose vendor and
// model strings are reused when they repeat.
func decodeGPU(rd *reader, r *GPUReading, prev iog.GPU) {
	g, t := &r.GPU, &r.Telemetry
	g.UUID = rd.str()
	g.Vendor = iog.Vendor(rd.strLike(string(prev.Vendor)))
	g.Model = rd.strLike(prev.Model)
	g.MemoryBytes = rd.u64()
	g.ComputeCapability.Major = rd.u8()
	g.ComputeCapability.Minor = rd.u8()
	g.PCIe.Generation = rd.u8()
	g.PCIe.Lanes = rd.u8()
	if n := rd.count(MaxGPUsPerReport); n > 0 {
		g.NVLinkPeers = make([]string, n)
		for i := range g.NVLinkPeers {
			g.NVLinkPeers[i] = rd.str()
		}
	}
	g.MIG = rd.boolean()
	s := &r.Specs
	s.Cores = rd.u32()
	s.MaxSMClockMHz = rd.u32()
	s.BoostClockMHz = rd.u32()
	s.MemoryBusWidthBits = rd.u32()
	s.MaxMemoryClockMHz = rd.u32()
	t.TemperatureC = rd.u32()
	t.PowerMilliwatts = rd.u32()
	t.PowerLimitMilliwatts = rd.u32()
	t.UtilizationPercent = rd.u32()
	t.MemoryUtilizationPercent = rd.u32()
	t.MemoryUsedBytes = rd.u64()
	t.MemoryFreeBytes = rd.u64()
	t.SMClockMHz = rd.u32()
	t.MemoryClockMHz = rd.u32()
	t.ECCCorrected = rd.u64()
	t.ECCUncorrected = rd.u64()
	t.ThrottleReasons = rd.u64()
	if n := rd.count(maxMissing); n > 0 {
		t.Missing = make([]string, n)
		for i := range t.Missing {
			t.Missing[i] = rd.str()
		}
	}
}

// SignedReport is an encoded report followed by its owner's ed25519
// signature of it: what a worker sends and a Verifier checks.
type SignedReport []byte

// Split returns the encoded report and the signature, or ErrInvalid when
// s is too short or too long to be a signed report.
func (s SignedReport) Split() (payload, signature []byte, err error) {
	if len(s) <= ed25519.SignatureSize || len(s) > MaxReportBytes {
		return nil, nil, fmt.Errorf("signed report: %d bytes, want %d to %d: %w", len(s), ed25519.SignatureSize+1, MaxReportBytes, iog.ErrInvalid)
	}
	n := len(s) - ed25519.SignatureSize
	return s[:n], s[n:], nil
}

// Open checks the signature of s against owner's key and decodes the
// report. A signature that does not verify is ErrUnauthorized; a report
// whose Owner is not owner is ErrForbidden (it was signed by owner, but
// speaks for someone else). Open checks neither the nonce nor the
// hardware: a Verifier does that.
func (s SignedReport) Open(owner iog.WalletAddress) (Report, error) {
	payload, sig, err := s.Split()
	if err != nil {
		return Report{}, err
	}
	if !ed25519.Verify(owner[:], payload, sig) {
		return Report{}, fmt.Errorf("signed report: the signature is not %s's: %w", owner, iog.ErrUnauthorized)
	}
	r, err := DecodeReport(payload)
	if err != nil {
		return Report{}, err
	}
	if r.Owner != owner {
		return Report{}, fmt.Errorf("signed report: signed by %s but names owner %s: %w", owner, r.Owner, iog.ErrForbidden)
	}
	return r, nil
}
