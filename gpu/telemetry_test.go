package gpu_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// withTelemetry returns inv with every GPU's telemetry t.
func withTelemetry(inv gpu.Inventory, t gpu.Telemetry) gpu.Inventory {
	out := inv
	out.GPUs = append([]gpu.GPUReading(nil), inv.GPUs...)
	for i := range out.GPUs {
		out.GPUs[i].Telemetry = t
	}
	return out
}

// A device that plays back a few recorded readings in turn, rather than
// reading its GPUs, is refused from its second repeat in a row on, and
// is accepted again when its telemetry moves.
func TestVerifierRefusesPlayedBackTelemetry(t *testing.T) {
	for _, cycle := range []int{2, 3, gpu.TelemetryWindow} {
		t.Run(fmt.Sprintf("cycle of %d", cycle), func(t *testing.T) {
			n := newNet(31)
			key, inv := n.supplier(t, "rig-1", 2)
			recorded := make([]gpu.Inventory, cycle)
			for i := range recorded {
				recorded[i] = n.moved(inv)
			}
			accepted := 0
			for i := range 3 * cycle {
				_, err := n.v.Verify(n.signed(t, key, "rig-1", recorded[i%cycle]))
				n.clock.Advance(time.Hour)
				if i <= cycle { // each reading once, then one repeat
					require.NoError(t, err, "report %d", i)
					accepted++
					continue
				}
				require.Equal(t, gpu.CheckTelemetry, gpu.FailedCheck(err), "report %d: %v", i, err)
				require.ErrorIs(t, err, iog.ErrInvalid)
			}
			require.Equal(t, cycle+1, accepted)
			_, err := n.v.Verify(n.signed(t, key, "rig-1", n.moved(inv)))
			require.NoError(t, err, "live telemetry again")
		})
	}
}

// Telemetry that no powered GPU reads is refused, however the rest of it
// moves: 0 °C with 0 mW and one moving counter, or the figures that would
// show it declared missing.
func TestVerifierRefusesDeadTelemetry(t *testing.T) {
	live := gpu.Telemetry{TemperatureC: 35, PowerMilliwatts: 70_000, PowerLimitMilliwatts: 700_000}
	tests := []struct {
		name   string
		report func(i int) gpu.Telemetry
	}{
		{"all zero, memory in use moving", func(i int) gpu.Telemetry { return gpu.Telemetry{MemoryUsedBytes: uint64(i+1) << 20} }},
		{"all zero, error count moving", func(i int) gpu.Telemetry { return gpu.Telemetry{ECCCorrected: uint64(i)} }},
		{"all zero, utilization moving", func(i int) gpu.Telemetry { return gpu.Telemetry{UtilizationPercent: uint32(i)} }},
		{"temperature and power declared missing", func(i int) gpu.Telemetry {
			return gpu.Telemetry{UtilizationPercent: uint32(i), Missing: []string{"temperature", "power"}}
		}},
		{"frozen", func(i int) gpu.Telemetry {
			t := live
			t.TemperatureC, t.PowerMilliwatts = uint32(i%4), 70_000+uint32(i)
			return t
		}},
		{"drawing nothing", func(i int) gpu.Telemetry { t := live; t.TemperatureC, t.PowerMilliwatts = 35+uint32(i), 0; return t }},
		{"drawing less than an idle GPU", func(i int) gpu.Telemetry { t := live; t.PowerMilliwatts = 3_000 + uint32(i); return t }},
		{"a power limit no board has", func(i int) gpu.Telemetry {
			t := live
			t.PowerMilliwatts, t.PowerLimitMilliwatts = 4_000+uint32(i), 5_000
			return t
		}},
		{"a power limit past any board", func(i int) gpu.Telemetry { t := live; t.PowerLimitMilliwatts = 3_000_000 + uint32(i); return t }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNet(32)
			key, inv := n.supplier(t, "rig-1", 1)
			for i := range 5 {
				_, err := n.v.Verify(n.signed(t, key, "rig-1", withTelemetry(inv, tt.report(i))))
				require.Equal(t, gpu.CheckSpec, gpu.FailedCheck(err), "report %d: %v", i, err)
				require.ErrorIs(t, err, iog.ErrInvalid)
			}
			_, err := n.v.Verify(n.signed(t, key, "rig-1", n.moved(inv)))
			require.NoError(t, err, "live telemetry is accepted")
		})
	}
}

// Telemetry at the edges of what real GPUs read passes: an idle GPU in a
// cold room, a card the driver does not read the power of, one that hits
// its limit, an admin's low power cap.
func TestCheckHardwareTelemetryBounds(t *testing.T) {
	inv := h100Host(newNet(33).rng, 1)
	base := inv.GPUs[0].Telemetry
	for name, change := range map[string]func(*gpu.Telemetry){
		"idle in a cold room": func(t *gpu.Telemetry) { t.TemperatureC, t.PowerMilliwatts, t.UtilizationPercent = 12, 45_000, 0 },
		"at the limit":        func(t *gpu.Telemetry) { t.TemperatureC, t.PowerMilliwatts = 87, 700_000 },
		"power not read": func(t *gpu.Telemetry) {
			t.PowerMilliwatts, t.PowerLimitMilliwatts, t.Missing = 0, 0, []string{"power", "power limit"}
		},
		"temperature not read": func(t *gpu.Telemetry) { t.TemperatureC, t.Missing = 0, []string{"temperature"} },
		"capped low":           func(t *gpu.Telemetry) { t.PowerMilliwatts, t.PowerLimitMilliwatts = 60_000, 200_000 },
		"lowest idle draw":     func(t *gpu.Telemetry) { t.PowerMilliwatts = 700_000 / 200 },
	} {
		t.Run(name, func(t *testing.T) {
			r := base
			change(&r)
			_, err := gpu.CheckHardware("rig-1", withTelemetry(inv, r), gpu.Limits{})
			require.NoError(t, err)
		})
	}
}

// A GPU's clocks are never above the maxima its driver reports, when it
// reports them.
func TestCheckHardwareClocksBelowMaximum(t *testing.T) {
	inv := h100Host(newNet(34).rng, 1)
	inv.GPUs[0].Specs = gpu.Specs{Cores: 16896, MaxSMClockMHz: 1980, MaxMemoryClockMHz: 2619, MemoryBusWidthBits: 5120}
	_, err := gpu.CheckHardware("rig-1", inv, gpu.Limits{})
	require.NoError(t, err, "at their maxima")
	for name, change := range map[string]func(*gpu.Telemetry){
		"SM clock":     func(t *gpu.Telemetry) { t.SMClockMHz = 1981 },
		"memory clock": func(t *gpu.Telemetry) { t.MemoryClockMHz = 3000 },
	} {
		t.Run(name, func(t *testing.T) {
			over := withTelemetry(inv, inv.GPUs[0].Telemetry)
			change(&over.GPUs[0].Telemetry)
			_, err := gpu.CheckHardware("rig-1", over, gpu.Limits{})
			require.Equal(t, gpu.CheckSpec, gpu.FailedCheck(err), "%v", err)
			require.ErrorIs(t, err, iog.ErrInvalid)
		})
	}
	inv.GPUs[0].Specs = gpu.Specs{}
	inv.GPUs[0].Telemetry.SMClockMHz = 2500
	_, err = gpu.CheckHardware("rig-1", inv, gpu.Limits{})
	require.NoError(t, err, "no maximum to compare with")
}

// Memory error counts only grow while the driver runs: a count that goes
// back is refused, one that starts over from zero is a driver restart.
func TestVerifierErrorCountsOnlyGrow(t *testing.T) {
	n := newNet(35)
	key, inv := n.supplier(t, "rig-1", 2)
	report := func(corrected, uncorrected uint64) error {
		next := n.moved(inv)
		next.GPUs[1].Telemetry.ECCCorrected, next.GPUs[1].Telemetry.ECCUncorrected = corrected, uncorrected
		_, err := n.v.Verify(n.signed(t, key, "rig-1", next))
		return err
	}
	for _, step := range []struct {
		corrected, uncorrected uint64
		ok                     bool
	}{
		{10, 1, true},
		{12, 1, true},
		{5, 1, false},  // corrected went back
		{11, 1, false}, // compared with the last accepted report, 12
		{12, 2, true},
		{0, 0, true}, // the driver restarted
		{3, 0, true},
		{2, 0, false},
	} {
		err := report(step.corrected, step.uncorrected)
		if step.ok {
			require.NoError(t, err, "%+v", step)
			continue
		}
		require.Equal(t, gpu.CheckTelemetry, gpu.FailedCheck(err), "%+v: %v", step, err)
		require.ErrorIs(t, err, iog.ErrInvalid)
	}
}

// The simulated fleet's devices of every catalog model report for days,
// every report accepted.
func TestVerifierAcceptsSimulatedFleet(t *testing.T) {
	ctx := context.Background()
	n := newNet(36)
	for i, m := range iog.GPUModels() {
		p, err := gpu.NewSimulatedProbe(m.Name, 1+i%8, uint64(i))
		require.NoError(t, err)
		device := iog.DeviceID(fmt.Sprintf("sim-%d", i))
		key, err := gpu.NewKeypair(n.src)
		require.NoError(t, err)
		require.NoError(t, n.v.Register(device, key.Address()))
		for report := range 100 {
			inv, err := p.Probe(ctx)
			require.NoError(t, err)
			_, err = n.v.Verify(n.signed(t, key, device, inv))
			require.NoError(t, err, "%s, report %d", m.Name, report)
			n.clock.Advance(time.Minute)
		}
		rec, ok := n.v.Record(device)
		require.True(t, ok)
		require.Len(t, rec.RecentTelemetry, gpu.TelemetryWindow, "the window stays bounded")
	}
}

// The window is part of a device's record: a device that plays back its
// readings across a restart is still refused, and a record written
// before the window was kept restores with its last reading in it.
func TestVerifierTelemetryWindowRestores(t *testing.T) {
	restored := func(t *testing.T, n *net, edit func(map[string]any)) *gpu.Verifier {
		t.Helper()
		raw, err := json.Marshal(n.v.Records())
		require.NoError(t, err)
		var records []map[string]any
		require.NoError(t, json.Unmarshal(raw, &records))
		for _, r := range records {
			edit(r)
		}
		raw, err = json.Marshal(records)
		require.NoError(t, err)
		var back []gpu.DeviceRecord
		require.NoError(t, json.Unmarshal(raw, &back))
		v := gpu.NewVerifier(gpu.VerifierConfig{Clock: n.clock, Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, v.Restore(back))
		n.v = v
		return v
	}
	report := func(t *testing.T, n *net, key gpu.Keypair, inv gpu.Inventory) error {
		t.Helper()
		_, err := n.v.Verify(n.signed(t, key, "rig-1", inv))
		return err
	}

	t.Run("played back across a restart", func(t *testing.T) {
		n := newNet(37)
		key, inv := n.supplier(t, "rig-1", 2)
		a, b := n.moved(inv), n.moved(inv)
		require.NoError(t, report(t, n, key, a))
		require.NoError(t, report(t, n, key, b))
		restored(t, n, func(map[string]any) {})
		require.NoError(t, report(t, n, key, a), "a first repeat")
		require.Equal(t, gpu.CheckTelemetry, gpu.FailedCheck(report(t, n, key, b)))
	})
	t.Run("a record without a window", func(t *testing.T) {
		n := newNet(38)
		key, inv := n.supplier(t, "rig-1", 2)
		a, b := n.moved(inv), n.moved(inv)
		require.NoError(t, report(t, n, key, a))
		require.NoError(t, report(t, n, key, b))
		restored(t, n, func(r map[string]any) {
			require.Contains(t, r, "recent_telemetry")
			delete(r, "recent_telemetry")
		})
		require.NoError(t, report(t, n, key, a), "what the old record did not keep is new")
		require.NoError(t, report(t, n, key, b), "a first repeat: b was the old record's last reading")
		require.Equal(t, gpu.CheckTelemetry, gpu.FailedCheck(report(t, n, key, b)))
	})
	t.Run("a window too long", func(t *testing.T) {
		rs := goodRecords(t)
		rs[0].RecentTelemetry = make([]uint32, gpu.TelemetryWindow+1)
		v := gpu.NewVerifier(gpu.VerifierConfig{Logger: slog.New(slog.DiscardHandler)})
		require.ErrorIs(t, v.Restore(rs), iog.ErrInvalid)
		require.Empty(t, v.Records())
	})
}
