package gpu

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/internetofgpus/iog"
)

// TelemetryWindow is how many of a device's accepted readings a Verifier
// remembers, as fingerprints, to tell a live GPU's telemetry from one
// played back: eight reports, a working day's at a worker's hourly
// default. A record keeps them in about 100 bytes of JSON, whatever the
// number of GPUs.
const TelemetryWindow = 8

// telemetryPrint fingerprints the telemetry of a report's GPUs, in order
// and with their UUIDs. Two readings share a print when every figure of
// every GPU is the same, and two that differ anywhere do so with a chance
// of 2⁻³²: a repeat is an exact one, never a similar reading. 32 bits keep
// the record small and exact in JSON whoever reads it (a float64 holds
// them), and are enough: a chance match between two live readings only
// counts as one repeat, and refusing a device takes two in a row.
func telemetryPrint(gpus []GPUReading) uint32 {
	b := make([]byte, 0, len(gpus)*160)
	for _, g := range gpus {
		t := g.Telemetry
		b = appendString(b, g.GPU.UUID)
		for _, v := range [...]uint64{
			uint64(t.TemperatureC), uint64(t.PowerMilliwatts), uint64(t.PowerLimitMilliwatts),
			uint64(t.UtilizationPercent), uint64(t.MemoryUtilizationPercent), t.MemoryUsedBytes, t.MemoryFreeBytes,
			uint64(t.SMClockMHz), uint64(t.MemoryClockMHz), t.ECCCorrected, t.ECCUncorrected, t.ThrottleReasons,
		} {
			b = binary.BigEndian.AppendUint64(b, v)
		}
		b = binary.AppendUvarint(b, uint64(len(t.Missing)))
		for _, m := range t.Missing {
			b = appendString(b, m)
		}
	}
	sum := sha256.Sum256(b)
	return binary.BigEndian.Uint32(sum[:4])
}

// appendString appends s with its length first, so that no two lists of
// strings encode alike.
func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// remember returns recent with fp added as the newest, the oldest
// dropped past TelemetryWindow.
func remember(recent []uint32, fp uint32) []uint32 {
	recent = append(recent, fp)
	if over := len(recent) - TelemetryWindow; over > 0 {
		recent = slices.Delete(recent, 0, over)
	}
	return recent
}

// checkCounters refuses a report in which a GPU's count of memory errors
// is lower than in the device's last accepted report (last), which a live
// GPU's only is when its driver restarted: a driver counts them from zero
// when it loads, so a count that falls is accepted only when it falls to
// zero. A GPU not in last has nothing to compare with.
func checkCounters(last, next []GPUReading) error {
	for _, n := range next {
		i := slices.IndexFunc(last, func(l GPUReading) bool { return l.GPU.UUID == n.GPU.UUID })
		if i < 0 {
			continue
		}
		was, is := last[i].Telemetry, n.Telemetry
		for _, c := range [...]struct {
			name     string
			was, now uint64
		}{
			{"corrected", was.ECCCorrected, is.ECCCorrected},
			{"uncorrected", was.ECCUncorrected, is.ECCUncorrected},
		} {
			if c.now < c.was && c.now != 0 {
				return fmt.Errorf("GPU %s: %d %s memory errors, down from %d, though the driver did not restart (it counts from zero): %w",
					n.GPU.UUID, c.now, c.name, c.was, iog.ErrInvalid)
			}
		}
	}
	return nil
}
