package gpu_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

func sampleReport(t testing.TB, seed uint64) (gpu.Keypair, gpu.Report) {
	t.Helper()
	src := seeded(seed)
	key, err := gpu.NewKeypair(src)
	require.NoError(t, err)
	rng := rand.New(src)
	inv := h100Host(rng, 8)
	inv.GPUs[0].GPU.NVLinkPeers = []string{inv.GPUs[1].GPU.UUID}
	inv.GPUs[1].GPU.MIG = true
	inv.GPUs[2].Telemetry.Missing = []string{"ecc", "throttle reasons"}
	// Counters that differ from each other, so that a round trip catches
	// two of them read in the wrong order.
	inv.GPUs[3].Telemetry.ECCCorrected = 7
	inv.GPUs[3].Telemetry.ECCUncorrected = 1
	inv.GPUs[3].Telemetry.ThrottleReasons = 4
	// Figures that differ from each other, for the same reason.
	inv.GPUs[4].Specs = gpu.Specs{Cores: 1, MaxSMClockMHz: 2, BoostClockMHz: 3, MemoryBusWidthBits: 4, MaxMemoryClockMHz: 5}
	var nonce gpu.Nonce
	nonce[0] = byte(seed)
	return key, gpu.Report{Device: "dev-1", Owner: key.Address(), Nonce: nonce, Inventory: inv}
}

func TestReportRoundTrip(t *testing.T) {
	_, r := sampleReport(t, 1)
	b, err := gpu.EncodeReport(r)
	require.NoError(t, err)
	back, err := gpu.DecodeReport(b)
	require.NoError(t, err)
	require.Equal(t, r, back)
	again, err := gpu.EncodeReport(back)
	require.NoError(t, err)
	require.Equal(t, b, again, "the encoding is canonical")
	require.Less(t, len(b), 2048, "an 8-GPU report is small")
}

// The largest report the limits allow encodes, signs, opens and decodes.
func TestLargestReport(t *testing.T) {
	long := func(c byte) string { return strings.Repeat(string(c), 255) }
	key, r := sampleReport(t, 1)
	r.Device = iog.DeviceID(strings.Repeat("d", 128))
	r.Inventory.Host.CPU.Model, r.Inventory.Host.Kernel = long('c'), long('k')
	r.Inventory.GPUs = make([]gpu.GPUReading, gpu.MaxGPUsPerReport)
	for i := range r.Inventory.GPUs {
		g := &r.Inventory.GPUs[i]
		g.GPU.UUID = fmt.Sprintf("%03d", i) + long('u')[3:]
		g.GPU.Vendor, g.GPU.Model = iog.Vendor(long('v')), long('m')
		for range gpu.MaxGPUsPerReport {
			g.GPU.NVLinkPeers = append(g.GPU.NVLinkPeers, long('p'))
		}
		for range 16 {
			g.Telemetry.Missing = append(g.Telemetry.Missing, long('x'))
		}
	}
	s, err := key.SignReport(r)
	require.NoError(t, err)
	require.Greater(t, len(s), 1<<20)
	require.LessOrEqual(t, len(s), gpu.MaxReportBytes)
	got, err := s.Open(key.Address())
	require.NoError(t, err)
	require.Equal(t, r, got)
}

func TestEncodeReportRejects(t *testing.T) {
	tests := []struct {
		name   string
		change func(r *gpu.Report)
		msg    string
	}{
		{"long model name", func(r *gpu.Report) { r.Inventory.GPUs[0].GPU.Model = strings.Repeat("x", 256) }, "longer than 255 bytes"},
		{"not UTF-8", func(r *gpu.Report) { r.Inventory.Host.OS = "\xff" }, "not UTF-8"},
		{"negative cores", func(r *gpu.Report) { r.Inventory.Host.CPU.Cores = -1 }, "CPU cores -1"},
		{"repeated UUID", func(r *gpu.Report) { r.Inventory.GPUs[1].GPU.UUID = r.Inventory.GPUs[0].GPU.UUID }, "appears twice"},
		{"no device ID", func(r *gpu.Report) { r.Device = "" }, "device ID is empty"},
		{"malformed device ID", func(r *gpu.Report) { r.Device = "rig/1" }, "device ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, r := sampleReport(t, 1)
			tt.change(&r)
			_, err := gpu.EncodeReport(r)
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.ErrorContains(t, err, tt.msg)
		})
	}
}

func TestDecodeReportRejects(t *testing.T) {
	_, r := sampleReport(t, 1)
	good, err := gpu.EncodeReport(r)
	require.NoError(t, err)
	magic := len("\xffiog device report")
	withByte := func(i int, v byte) []byte { b := bytes.Clone(good); b[i] = v; return b }
	tests := []struct {
		name string
		in   []byte
		msg  string
	}{
		{"empty", nil, "not a device report"},
		{"other magic", withByte(1, 'X'), "not a device report"},
		{"other version", withByte(magic, 3), "version 3, this build reads version 2"},
		{"version 1", withByte(magic, 1), "version 1, which carries no GPU figures"},
		{"truncated", good[:len(good)-1], "ends early"},
		{"trailing byte", append(bytes.Clone(good), 0), "1 bytes after the report"},
		{"bad device ID", withByte(magic+2, '/'), "device ID"},
		{"too large", make([]byte, gpu.MaxReportBytes+1), "more than 2097152"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := gpu.DecodeReport(tt.in)
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.ErrorContains(t, err, tt.msg)
		})
	}
}

// reportV1 is a signed report of two H100s in version 1 of the encoding,
// which carries no GPU figures, as a worker built before version 2
// signed it.
func reportV1(t testing.TB) gpu.SignedReport {
	t.Helper()
	b, err := os.ReadFile("testdata/report-v1.bin")
	require.NoError(t, err)
	return b
}

// A report of version 1 is refused, naming its version, whatever its
// GPUs: without figures, nothing tells its H100s from weaker ones.
func TestReportVersion1IsRefused(t *testing.T) {
	s := reportV1(t)
	payload, _, err := s.Split()
	require.NoError(t, err)
	_, err = gpu.DecodeReport(payload)
	require.ErrorIs(t, err, iog.ErrInvalid)
	require.ErrorContains(t, err, "version 1, which carries no GPU figures, this build reads version 2")

	n := newNet(30)
	_, err = n.v.Verify(s)
	require.Equal(t, gpu.CheckFormat, gpu.FailedCheck(err), "%v", err)
	require.ErrorContains(t, err, "version 1")
}

func TestSignedReportOpen(t *testing.T) {
	key, r := sampleReport(t, 2)
	signed, err := key.SignReport(r)
	require.NoError(t, err)
	got, err := signed.Open(key.Address())
	require.NoError(t, err)
	require.Equal(t, r, got)

	other, _ := sampleReport(t, 3)
	_, err = signed.Open(other.Address())
	require.ErrorIs(t, err, iog.ErrUnauthorized)

	tampered := gpu.SignedReport(bytes.Clone(signed))
	tampered[40] ^= 1
	_, err = tampered.Open(key.Address())
	require.ErrorIs(t, err, iog.ErrUnauthorized)

	_, err = gpu.SignedReport(make([]byte, 64)).Open(key.Address())
	require.ErrorIs(t, err, iog.ErrInvalid)

	r.Owner = other.Address()
	_, err = key.SignReport(r)
	require.ErrorIs(t, err, iog.ErrInvalid, "a key does not sign for another owner")
}

// FuzzDecodeReport: no input panics the decoder, and every input it
// accepts is the one canonical encoding of what it decoded.
func FuzzDecodeReport(f *testing.F) {
	for seed := range uint64(3) {
		_, r := sampleReport(f, seed)
		r.Inventory.GPUs = r.Inventory.GPUs[:seed]
		b, err := gpu.EncodeReport(r)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte("\xffiog device report\x02"))
	f.Add([]byte(reportV1(f)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := gpu.DecodeReport(data)
		if err != nil {
			require.ErrorIs(t, err, iog.ErrInvalid)
			return
		}
		again, err := gpu.EncodeReport(r)
		require.NoError(t, err)
		require.Equal(t, data, again)
	})
}

// FuzzSignedReportOpen: arbitrary bytes never open under a key, and never
// panic.
func FuzzSignedReportOpen(f *testing.F) {
	key, r := sampleReport(f, 4)
	signed, err := key.SignReport(r)
	require.NoError(f, err)
	f.Add([]byte(signed))
	f.Add(bytes.Repeat([]byte{0}, 100))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := gpu.SignedReport(data).Open(key.Address())
		if err == nil {
			require.Equal(t, []byte(signed), data, "only the signed report opens")
			require.Equal(t, r, got)
		}
	})
}

func TestParseSolanaKeypair(t *testing.T) {
	key, err := gpu.NewKeypair(seeded(9))
	require.NoError(t, err)
	file := key.MarshalSolanaKeypair()
	back, err := gpu.ParseSolanaKeypair(file)
	require.NoError(t, err)
	require.Equal(t, key.Address(), back.Address())

	flipped := bytes.Clone(file)
	flipped[len(flipped)-2]++ // last byte of the public key: "…,N]"
	tests := map[string][]byte{
		"not JSON":           []byte("seed"),
		"63 numbers":         []byte("[" + strings.Repeat("1,", 62) + "1]"),
		"a number past 255":  []byte("[" + strings.Repeat("1,", 63) + "256]"),
		"a base64 string":    []byte(`"AAAA"`),
		"mismatched pubkey":  flipped,
		"trailing data":      append(bytes.Clone(file), []byte(" []")...),
		"a far too big file": bytes.Repeat([]byte(" "), 5000),
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := gpu.ParseSolanaKeypair(in)
			require.ErrorIs(t, err, iog.ErrInvalid)
		})
	}
}

// FuzzParseSolanaKeypair: any file that parses gives back the same file.
func FuzzParseSolanaKeypair(f *testing.F) {
	key, _ := gpu.NewKeypair(seeded(10))
	f.Add(key.MarshalSolanaKeypair())
	f.Add([]byte("[]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := gpu.ParseSolanaKeypair(data)
		if err != nil {
			require.ErrorIs(t, err, iog.ErrInvalid)
			return
		}
		again, err := gpu.ParseSolanaKeypair(k.MarshalSolanaKeypair())
		require.NoError(t, err)
		require.Equal(t, k.Address(), again.Address())
	})
}

// FuzzEncodeReport: whatever report EncodeReport accepts, DecodeReport
// reads back unchanged; the two agree on what a report is.
func FuzzEncodeReport(f *testing.F) {
	f.Add("dev-1", "GPU-1", "NVIDIA H100 80GB HBM3", "linux", 1, uint8(0), uint32(16896), uint32(1980), uint32(1980), uint32(5120), uint32(2619))
	f.Add("", "", "", "", 0, uint8(3), uint32(0), uint32(0), uint32(0), uint32(0), uint32(0))
	f.Add("rig/1", "u", "m", "\xff", -1, uint8(70), ^uint32(0), uint32(1), ^uint32(0), uint32(1), ^uint32(0))
	f.Fuzz(func(t *testing.T, device, uuid, model, os string, cores int, peers uint8, gpuCores, maxClock, boost, bus, memClock uint32) {
		_, r := sampleReport(t, 5)
		r.Device = iog.DeviceID(device)
		r.Inventory.Host.OS = os
		r.Inventory.Host.CPU.Cores = cores
		r.Inventory.GPUs[0].GPU.UUID, r.Inventory.GPUs[0].GPU.Model = uuid, model
		r.Inventory.GPUs[0].GPU.NVLinkPeers = make([]string, peers)
		r.Inventory.GPUs[0].Specs = gpu.Specs{Cores: gpuCores, MaxSMClockMHz: maxClock, BoostClockMHz: boost, MemoryBusWidthBits: bus, MaxMemoryClockMHz: memClock}
		b, err := gpu.EncodeReport(r)
		if err != nil {
			require.ErrorIs(t, err, iog.ErrInvalid)
			return
		}
		back, err := gpu.DecodeReport(b)
		require.NoError(t, err)
		require.Equal(t, r.Inventory.GPUs[0].Specs, back.Inventory.GPUs[0].Specs, "the figures are signed")
		again, err := gpu.EncodeReport(back)
		require.NoError(t, err)
		require.Equal(t, b, again)
	})
}
