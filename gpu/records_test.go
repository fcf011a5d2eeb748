package gpu_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// switchReader is a random source a test can re-point, so that a Verifier
// and its restored copy draw the same bytes after the restore.
type switchReader struct{ src *rand.ChaCha8 }

func (s *switchReader) Read(p []byte) (int, error) { return s.src.Read(p) }

// restoreConfig is the configuration both sides of a restore share: a
// fixed nonce key, as a server that keeps its challenges across restarts
// would have.
func restoreConfig(clock iog.Clock, random *switchReader) gpu.VerifierConfig {
	return gpu.VerifierConfig{Clock: clock, Random: random, NonceKey: [32]byte{7, 7, 7}, Proof: gpu.ProofConfig{N: 8},
		Logger: slog.New(slog.DiscardHandler)}
}

// fleet is the devices a property run drives, the same for both verifiers.
type fleet struct {
	keys []gpu.Keypair
	invs []gpu.Inventory
	last map[*gpu.Verifier]map[int]gpu.SignedReport // each verifier's last accepted report of each device
}

func newFleet(t *testing.T, seed uint64) *fleet {
	rng := rand.New(rand.NewPCG(seed, 1))
	f := &fleet{last: map[*gpu.Verifier]map[int]gpu.SignedReport{}}
	for i := range 4 {
		key, err := gpu.NewKeypair(seeded(seed*10 + uint64(i)))
		require.NoError(t, err)
		f.keys = append(f.keys, key)
		f.invs = append(f.invs, h100Host(rng, 1+i%2))
	}
	// Device 3 claims device 0's first GPU too.
	f.invs[3].GPUs[0].GPU.UUID = f.invs[0].GPUs[0].GPU.UUID
	return f
}

func deviceName(i int) iog.DeviceID { return iog.DeviceID(fmt.Sprintf("rig-%d", i)) }

// op is one step of a property run; seed draws what it varies.
type op struct {
	kind, device, mode int
	seed               uint64
}

func randomOps(rng *rand.Rand, n int) []op {
	ops := make([]op, n)
	for i := range ops {
		ops[i] = op{kind: rng.IntN(6), device: rng.IntN(4), mode: rng.IntN(4), seed: rng.Uint64()}
	}
	return ops
}

// apply runs o on v and says what v answered.
func (f *fleet) apply(t *testing.T, v *gpu.Verifier, clock *iog.ManualClock, o op) string {
	t.Helper()
	id, key := deviceName(o.device), f.keys[o.device]
	rng := rand.New(rand.NewPCG(o.seed, 2))
	if f.last[v] == nil {
		f.last[v] = map[int]gpu.SignedReport{}
	}
	switch o.kind {
	case 0:
		return kindOf(v.Register(id, key.Address()))
	case 1, 2: // a report
		inv := f.invs[o.device]
		inv.GPUs = append([]gpu.GPUReading(nil), inv.GPUs...)
		switch o.mode {
		case 0, 1:
			for i := range inv.GPUs {
				inv.GPUs[i].Telemetry = liveTelemetry(rng)
			}
		case 2:
			inv.GPUs = inv.GPUs[:len(inv.GPUs)-1]
		}
		ch, err := v.Challenge(id)
		if err != nil {
			return kindOf(err)
		}
		s, err := key.SignReport(gpu.Report{Device: id, Nonce: ch.Nonce, Inventory: inv})
		require.NoError(t, err)
		if _, err = v.Verify(s); err == nil {
			f.last[v][o.device] = s
		}
		return kindOf(err)
	case 3: // a proof
		rec, ok := v.Record(id)
		if !ok || len(rec.GPUs) == 0 {
			return "no gpu"
		}
		task, err := v.ProofTask(id, rec.GPUs[o.mode%len(rec.GPUs)].GPU.UUID)
		if err != nil || o.mode == 3 {
			return kindOf(err) // left open
		}
		answer, err := gpu.Solve(context.Background(), task)
		require.NoError(t, err)
		if o.mode == 2 {
			answer.Product[0] ^= 1
		}
		return kindOf(v.SubmitProof(answer))
	case 4:
		clock.Advance(time.Duration(rng.Int64N(int64(2 * time.Hour))))
		return "tick"
	default:
		if o.mode == 0 {
			return kindOf(v.Remove(id))
		}
		s, ok := f.last[v][o.device]
		if !ok {
			return "nothing to replay"
		}
		_, err := v.Verify(s)
		return "replay " + kindOf(err)
	}
}

// kindOf names the sentinel err wraps.
func kindOf(err error) string {
	for _, k := range []error{iog.ErrInvalid, iog.ErrNotFound, iog.ErrConflict, iog.ErrForbidden, iog.ErrUnauthorized, iog.ErrExpired, iog.ErrUnavailable} {
		if errors.Is(err, k) {
			return k.Error()
		}
	}
	if err != nil {
		return err.Error()
	}
	return "ok"
}

// observe is every query's answer about every device of the fleet.
func observe(v *gpu.Verifier) []string {
	var out []string
	for i := range 4 {
		trust, err := v.Trust(deviceName(i))
		out = append(out, fmt.Sprintf("%d trust %d %s eligible %t", i, trust, kindOf(err), v.Eligible(deviceName(i))))
	}
	return out
}

// A Verifier restored from the records of another, after any sequence of
// operations, answers every query as the other does and, given the same
// further operations (and the same random bytes), ends with the same
// records.
func TestVerifierRestoreProperty(t *testing.T) {
	for seed := range uint64(40) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 3))
			clock := iog.NewManualClock(epoch)
			f := newFleet(t, seed)
			random := &switchReader{src: seeded(seed)}
			a := gpu.NewVerifier(restoreConfig(clock, random))
			for _, o := range randomOps(rng, 60) {
				f.apply(t, a, clock, o)
			}

			b := gpu.NewVerifier(restoreConfig(clock, &switchReader{src: seeded(1000 + seed)}))
			require.NoError(t, b.Restore(a.Records()))
			require.Equal(t, a.Records(), b.Records())
			require.Equal(t, observe(a), observe(b))
			for i := range 4 {
				ra, oka := a.Record(deviceName(i))
				rb, okb := b.Record(deviceName(i))
				require.Equal(t, oka, okb)
				require.Equal(t, ra, rb)
			}

			// From here both draw the same bytes: b's source, past the
			// seed of its checker that b's construction drew.
			random.src = seeded(1000 + seed)
			_, _ = random.src.Read(make([]byte, 32))
			f.last[b] = f.last[a]
			for _, o := range randomOps(rng, 60) {
				// A replay on b is of a report a accepted, as after a restart.
				require.Equal(t, f.apply(t, a, clock, o), f.apply(t, b, clock, o), "%+v", o)
				require.Equal(t, observe(a), observe(b))
			}
			require.Equal(t, a.Records(), b.Records())
		})
	}
}

// The guarantee a crash test relies on: a report accepted before a
// restart is refused after it, whether or not the server keeps its nonce
// key; a challenge issued before it is answered after it only when it does.
func TestVerifierRestoreRefusesReplay(t *testing.T) {
	clock := iog.NewManualClock(epoch)
	f := newFleet(t, 1)
	a := gpu.NewVerifier(restoreConfig(clock, &switchReader{src: seeded(1)}))
	require.NoError(t, a.Register("rig-0", f.keys[0].Address()))
	ch, err := a.Challenge("rig-0")
	require.NoError(t, err)
	accepted, err := f.keys[0].SignReport(gpu.Report{Device: "rig-0", Nonce: ch.Nonce, Inventory: f.invs[0]})
	require.NoError(t, err)
	_, err = a.Verify(accepted)
	require.NoError(t, err)
	pending, err := a.Challenge("rig-0")
	require.NoError(t, err)
	records, err := json.Marshal(a.Records())
	require.NoError(t, err)

	for name, cfg := range map[string]gpu.VerifierConfig{
		"same nonce key":  restoreConfig(clock, &switchReader{src: seeded(2)}),
		"fresh nonce key": {Clock: clock, Random: seeded(3)},
	} {
		t.Run(name, func(t *testing.T) {
			var back []gpu.DeviceRecord
			require.NoError(t, json.Unmarshal(records, &back))
			b := gpu.NewVerifier(cfg)
			require.NoError(t, b.Restore(back))
			_, err := b.Verify(accepted)
			require.Equal(t, gpu.CheckNonce, gpu.FailedCheck(err))

			inv := f.invs[0]
			inv.GPUs = append([]gpu.GPUReading(nil), inv.GPUs...)
			inv.GPUs[0].Telemetry = liveTelemetry(rand.New(rand.NewPCG(5, 5)))
			answer, err := f.keys[0].SignReport(gpu.Report{Device: "rig-0", Nonce: pending.Nonce, Inventory: inv})
			require.NoError(t, err)
			_, err = b.Verify(answer)
			if cfg.NonceKey == ([32]byte{}) {
				require.ErrorIs(t, err, iog.ErrUnauthorized, "another key did not issue it: the worker asks again")
				return
			}
			require.NoError(t, err, "the challenge survived the restart")
		})
	}
}

// Records travel through JSON unchanged.
func TestVerifierRecordsJSON(t *testing.T) {
	clock := iog.NewManualClock(epoch)
	f := newFleet(t, 2)
	a := gpu.NewVerifier(restoreConfig(clock, &switchReader{src: seeded(2)}))
	for _, o := range randomOps(rand.New(rand.NewPCG(2, 2)), 80) {
		f.apply(t, a, clock, o)
	}
	want, err := json.Marshal(a.Records())
	require.NoError(t, err)
	var back []gpu.DeviceRecord
	require.NoError(t, json.Unmarshal(want, &back))
	b := gpu.NewVerifier(restoreConfig(clock, &switchReader{src: seeded(3)}))
	require.NoError(t, b.Restore(back))
	got, err := json.Marshal(b.Records())
	require.NoError(t, err)
	require.JSONEq(t, string(want), string(got))
}

// goodRecords returns the records of a verifier with two devices, one of
// them with an accepted report and an open proof task.
func goodRecords(t testing.TB) []gpu.DeviceRecord {
	n := newNet(9)
	key, inv := n.supplier(t, "rig-1", 2)
	_, err := n.v.Verify(n.signed(t, key, "rig-1", inv))
	require.NoError(t, err)
	_, err = n.v.ProofTask("rig-1", inv.GPUs[0].GPU.UUID)
	require.NoError(t, err)
	n.supplier(t, "rig-2", 1)
	return n.v.Records()
}

func TestVerifierRestoreRefuses(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(rs []gpu.DeviceRecord) []gpu.DeviceRecord
	}{
		{"malformed device", func(rs []gpu.DeviceRecord) []gpu.DeviceRecord { rs[0].Device = "rig/1"; return rs }},
		{"no owner", func(rs []gpu.DeviceRecord) []gpu.DeviceRecord { rs[1].Owner = iog.WalletAddress{}; return rs }},
		{"device twice", func(rs []gpu.DeviceRecord) []gpu.DeviceRecord { rs[1].Device = rs[0].Device; return rs }},
		{"GPU of two devices", func(rs []gpu.DeviceRecord) []gpu.DeviceRecord {
			rs[1].Known, rs[1].GPUs = rs[0].Known, rs[0].GPUs
			return rs
		}},
		{"GPU not known", func(rs []gpu.DeviceRecord) []gpu.DeviceRecord {
			rs[0].Known = rs[0].Known[:1]
			rs[0].OpenTasks = nil
			return rs
		}},
		{"model not in the catalog", func(rs []gpu.DeviceRecord) []gpu.DeviceRecord { rs[0].Known[0].Model = "H900"; return rs }},
		{"negative load", func(rs []gpu.DeviceRecord) []gpu.DeviceRecord { rs[0].Known[0].LoadWork = -1; return rs }},
		{"task of another device", func(rs []gpu.DeviceRecord) []gpu.DeviceRecord { rs[0].OpenTasks[0].Device = "rig-2"; return rs }},
		{"task twice", func(rs []gpu.DeviceRecord) []gpu.DeviceRecord {
			rs[0].OpenTasks = append(rs[0].OpenTasks, rs[0].OpenTasks[0])
			return rs
		}},
		{"malformed task", func(rs []gpu.DeviceRecord) []gpu.DeviceRecord { rs[0].OpenTasks[0].N = 0; return rs }},
		{"unknown check", func(rs []gpu.DeviceRecord) []gpu.DeviceRecord { rs[0].History[0].Check = "vibes"; return rs }},
		{"negative count", func(rs []gpu.DeviceRecord) []gpu.DeviceRecord { rs[0].SameCount = -1; return rs }},
		{"nonce twice", func(rs []gpu.DeviceRecord) []gpu.DeviceRecord {
			rs[0].UsedNonces = append(rs[0].UsedNonces, rs[0].UsedNonces[0])
			return rs
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := gpu.NewVerifier(gpu.VerifierConfig{Logger: slog.New(slog.DiscardHandler)})
			require.ErrorIs(t, v.Restore(tt.break_(goodRecords(t))), iog.ErrInvalid)
			require.Empty(t, v.Records(), "a refused restore changes nothing")
			require.NoError(t, v.Restore(goodRecords(t)))
		})
	}
	v := gpu.NewVerifier(gpu.VerifierConfig{})
	require.NoError(t, v.Restore(goodRecords(t)))
	require.ErrorIs(t, v.Restore(nil), iog.ErrConflict, "only an empty verifier restores")
	require.Len(t, v.Records(), 2)
}

// Removing a device forgets it: its trust starts again, its tasks close,
// and nothing signed for it before the removal counts after it.
func TestVerifierRemove(t *testing.T) {
	n := newNet(11)
	key, inv := n.supplier(t, "rig-1", 1)
	_, err := n.v.Verify(n.signed(t, key, "rig-1", inv))
	require.NoError(t, err)
	task, err := n.v.ProofTask("rig-1", inv.GPUs[0].GPU.UUID)
	require.NoError(t, err)
	early := n.signed(t, key, "rig-1", n.moved(inv))

	require.NoError(t, n.v.Remove("rig-1"))
	_, ok := n.v.Record("rig-1")
	require.False(t, ok)
	require.ErrorIs(t, n.v.Remove("rig-1"), iog.ErrNotFound)
	answer, err := gpu.Solve(context.Background(), task)
	require.NoError(t, err)
	require.ErrorIs(t, n.v.SubmitProof(answer), iog.ErrNotFound)

	n.clock.Advance(time.Second)
	require.NoError(t, n.v.Register("rig-1", key.Address()))
	trust, err := n.v.Trust("rig-1")
	require.NoError(t, err)
	require.Equal(t, gpu.TrustScore(500), trust, "no history")
	_, err = n.v.Verify(early)
	require.ErrorIs(t, err, iog.ErrUnauthorized, "the nonce was issued to the earlier registration")
	_, err = n.v.Verify(n.signed(t, key, "rig-1", n.moved(inv)))
	require.NoError(t, err, "the same hardware reports again")
}

// Restore takes any decoded records without panicking, and either refuses
// them as invalid or restores a state that restores again to itself.
func FuzzVerifierRestore(f *testing.F) {
	good, err := json.Marshal(goodRecords(f))
	require.NoError(f, err)
	f.Add(good)
	f.Add([]byte(`[{"device":"rig-1","owner":"11111111111111111111111111111111"}]`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var records []gpu.DeviceRecord
		if json.Unmarshal(data, &records) != nil {
			return
		}
		v := gpu.NewVerifier(gpu.VerifierConfig{Random: seeded(1), Logger: slog.New(slog.DiscardHandler)})
		if err := v.Restore(records); err != nil {
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.Empty(t, v.Records())
			return
		}
		again := gpu.NewVerifier(gpu.VerifierConfig{Random: seeded(1), Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, again.Restore(v.Records()))
		require.Equal(t, v.Records(), again.Records())
	})
}
