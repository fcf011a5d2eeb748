package refserver

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/internal/sqltest"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
	"github.com/internetofgpus/iog/tokenomics"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// BenchmarkEpoch settles one epoch over 10,000 devices on SQLite, and on
// PostgreSQL when IOG_TEST_POSTGRES names one, every device proven,
// staked by its owner and up for six hours: all of them rewarded, each
// reward a share to claim. IOG_EPOCH_BENCH_DEVICES sets another number of devices
// (100000 for the target). Run it with -benchtime=1x: every round
// builds its network again. Beside the wall time it reports the CPU time
// the process spent in the epoch (cpu-s/op), steadier on a shared machine.
func BenchmarkEpoch(b *testing.B) {
	for _, d := range sqltest.Dialects {
		b.Run(d.String(), func(b *testing.B) { benchmarkEpoch(b, d) })
	}
}

func benchmarkEpoch(b *testing.B, d sqldb.Dialect) {
	n := 10_000
	if v := os.Getenv("IOG_EPOCH_BENCH_DEVICES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("IOG_EPOCH_BENCH_DEVICES=%q: want a number of devices", v)
		}
	}
	ctx := context.Background()
	var cpu time.Duration
	measured := true
	for range b.N {
		b.StopTimer()
		s := benchNetwork(b, d, n)
		before, ok := processCPU()
		b.StartTimer()
		if err := s.settleEpoch(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		after, _ := processCPU()
		cpu += after - before
		measured = measured && ok
		err := s.store.Tx(ctx, func(tx *store.Tx) error {
			e, ok, err := tx.LastEpoch()
			if err == nil && (!ok || e.Rewarded != n) {
				b.Fatalf("epoch %d rewarded %d of %d devices", e.Number, e.Rewarded, n)
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
	b.ReportMetric(float64(n), "devices")
	if measured {
		// The process's CPU time in the epoch, on every core: the database
		// driver runs in the process, so this is the epoch's whole cost.
		b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	}
}

// benchNetwork builds a server on a database of dialect d with n devices
// eligible for the epoch ending at its clock's time plus ten minutes. Its
// rate limits are out of the way: a benchmark's requests come from one
// address as fast as the server answers.
func benchNetwork(b testing.TB, d sqldb.Dialect, n int) *Server {
	ctx := context.Background()
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	proven := t0.Add(5*time.Hour + 50*time.Minute)
	clock := iog.NewManualClock(proven)
	cfg := Config{
		DataDir: b.TempDir(), Authority: ed25519.NewKeyFromSeed(make([]byte, 32)), Clock: clock,
		Logger: slog.New(slog.DiscardHandler), Genesis: t0.Add(5 * time.Hour), HeartbeatTimeout: 10 * time.Hour,
		Limits: Limits{PerWallet: 1e9, PerKey: 1e9, PerIP: 1e9, Burst: 1e9},
	}
	if d == sqldb.Postgres {
		_, cfg.PostgresDSN = sqltest.OpenDSN(b, d)
	}
	s, err := New(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	v := gpu.NewVerifier(gpu.VerifierConfig{Clock: clock, NonceKey: s.nonceKey, Proof: gpu.ProofConfig{N: 8}})
	stakeAmount := iog.MustParseAmount("2000 IO")
	const chunk = 500
	for start := 0; start < n; start += chunk {
		var devices []store.Device
		book := tokenomics.NewStakeBook(tokenomics.StakingConfig{Clock: clock})
		var ops []ledger.Op
		var ids []iog.DeviceID
		for i := start; i < min(start+chunk, n); i++ {
			d := benchDevice(b, v, i, t0, proven)
			devices = append(devices, d)
			ids = append(ids, d.ID)
			if err := book.Register(d.ID, d.Owner, stakeAmount); err == nil {
				err = book.Stake(d.ID, d.Owner, stakeAmount)
			}
			if err != nil {
				b.Fatal(err)
			}
			ops = append(ops,
				ledger.Op{Kind: ledger.Open, Key: "open:" + d.Owner.String(), Reason: "bench", To: d.Owner},
				ledger.Op{Kind: ledger.Mint, Key: "mint:" + string(d.ID), Reason: "bench", To: d.Owner, Amount: stakeAmount},
				ledger.Op{Kind: ledger.Hold, Key: "stake:" + string(d.ID), Reason: "bench", From: d.Owner, Amount: stakeAmount})
		}
		err := s.store.Tx(ctx, func(tx *store.Tx) error {
			for _, d := range devices {
				if err := tx.InsertDevice(d); err != nil {
					return err
				}
			}
			if _, err := tx.Apply(ops...); err != nil {
				return err
			}
			return tx.SaveStake(ids, book.Records())
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	clock.AdvanceTo(t0.Add(6*time.Hour + time.Minute))
	return s
}

// benchDevice attests and proves device number i with v, up from t0 to
// proven.
func benchDevice(b testing.TB, v *gpu.Verifier, i int, t0, proven time.Time) store.Device {
	ctx := context.Background()
	seed := make([]byte, 32)
	binary.BigEndian.PutUint64(seed, uint64(i)+1)
	key := ed25519.NewKeyFromSeed(seed)
	owner, err := iog.WalletAddressOf(key.Public().(ed25519.PublicKey))
	if err != nil {
		b.Fatal(err)
	}
	pair, err := gpu.KeypairFromSeed(seed)
	if err != nil {
		b.Fatal(err)
	}
	probe, err := gpu.NewSimulatedProbe("H100-SXM", 1, uint64(i))
	if err != nil {
		b.Fatal(err)
	}
	id := iog.DeviceID("bench-" + strconv.Itoa(i))
	ch, err := func() (gpu.Challenge, error) {
		if err := v.Register(id, owner); err != nil {
			return gpu.Challenge{}, err
		}
		return v.Challenge(id)
	}()
	if err != nil {
		b.Fatal(err)
	}
	inv, err := probe.Probe(ctx)
	if err != nil {
		b.Fatal(err)
	}
	signed, err := pair.SignReport(gpu.Report{Device: id, Nonce: ch.Nonce, Inventory: inv})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := v.Verify(signed); err != nil {
		b.Fatal(err)
	}
	task, err := v.ProofTask(id, inv.GPUs[0].GPU.UUID)
	if err != nil {
		b.Fatal(err)
	}
	answer, err := gpu.Solve(ctx, task)
	if err == nil {
		err = v.SubmitProof(answer)
	}
	if err != nil {
		b.Fatal(err)
	}
	rec, _ := v.Record(id)
	h, err := iog.NewHealth(t0).Heartbeat(t0)
	if err == nil {
		h, err = h.Heartbeat(proven)
	}
	if err != nil {
		b.Fatal(err)
	}
	return store.Device{
		ID: id, Owner: owner, Name: "rig", State: string(api.DeviceActive), TunnelKey: key.Public().(ed25519.PublicKey),
		Location: iog.Location{Country: "US"}, Registered: t0, Updated: proven, Model: inv.GPUs[0].GPU.Model, GPUCount: 1,
		// Nomination asks for a connectivity tier: the Medium one.
		Bandwidth: iog.Bandwidth{DownBytesPerSec: 500 << 20, UpBytesPerSec: 400 << 20},
		Verifier:  rec, Health: h,
	}
}
