package gpu_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

var epoch = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

// net is a Verifier on a manual clock with seeded randomness.
type net struct {
	clock *iog.ManualClock
	v     *gpu.Verifier
	rng   *rand.Rand
	src   *rand.ChaCha8
}

func newNet(seed uint64) *net { return newNetProof(seed, gpu.ProofConfig{N: 16}) }

// newNetProof is newNet with proofs sized by proof.
func newNetProof(seed uint64, proof gpu.ProofConfig) *net {
	clock := iog.NewManualClock(epoch)
	src := seeded(seed)
	return &net{
		clock: clock,
		v:     gpu.NewVerifier(gpu.VerifierConfig{Clock: clock, Random: seeded(seed + 1), Proof: proof}),
		rng:   rand.New(src),
		src:   src,
	}
}

// supplier registers a new device with a new key and n H100s.
func (n *net) supplier(t testing.TB, device iog.DeviceID, gpus int) (gpu.Keypair, gpu.Inventory) {
	t.Helper()
	key, err := gpu.NewKeypair(n.src)
	require.NoError(t, err)
	require.NoError(t, n.v.Register(device, key.Address()))
	return key, h100Host(n.rng, gpus)
}

// signed answers a fresh challenge for device with inv, signed by key.
func (n *net) signed(t testing.TB, key gpu.Keypair, device iog.DeviceID, inv gpu.Inventory) gpu.SignedReport {
	t.Helper()
	ch, err := n.v.Challenge(device)
	require.NoError(t, err)
	s, err := key.SignReport(gpu.Report{Device: device, Nonce: ch.Nonce, Inventory: inv})
	require.NoError(t, err)
	return s
}

// forge encodes r as given and signs it with key, whoever r names.
func forge(t testing.TB, key gpu.Keypair, r gpu.Report) gpu.SignedReport {
	t.Helper()
	payload, err := gpu.EncodeReport(r)
	require.NoError(t, err)
	sig, err := key.Sign(payload)
	require.NoError(t, err)
	return gpu.SignedReport(append(payload, sig...))
}

// moved returns inv with fresh telemetry, as the next probe would.
func (n *net) moved(inv gpu.Inventory) gpu.Inventory {
	out := inv
	out.GPUs = append([]gpu.GPUReading(nil), inv.GPUs...)
	for i := range out.GPUs {
		out.GPUs[i].Telemetry = liveTelemetry(n.rng)
	}
	return out
}

func TestVerifierAcceptsHonestReports(t *testing.T) {
	n := newNet(1)
	key, inv := n.supplier(t, "rig-1", 8)
	for range 5 {
		inv = n.moved(inv)
		r, err := n.v.Verify(n.signed(t, key, "rig-1", inv))
		require.NoError(t, err)
		want := inv
		want.GPUs = slices.Clone(inv.GPUs)
		for i := range want.GPUs {
			want.GPUs[i].GPU.Model = "H100-SXM" // the catalog's name for it
		}
		require.Equal(t, want, r.Inventory)
		n.clock.Advance(time.Hour)
	}
	trust, err := n.v.Trust("rig-1")
	require.NoError(t, err)
	require.Equal(t, gpu.TrustScore(1000*6/7), trust)
	require.False(t, n.v.Eligible("rig-1"), "no proof of compute yet")
}

func TestVerifierRejects(t *testing.T) {
	tests := []struct {
		name   string
		report func(t *testing.T, s setup) gpu.SignedReport
		check  gpu.Check
		kind   error
	}{
		{"unregistered device", func(t *testing.T, s setup) gpu.SignedReport {
			return forge(t, s.key, gpu.Report{Device: "rig-9", Owner: s.key.Address(), Inventory: s.inv})
		}, gpu.CheckOwner, iog.ErrNotFound},
		{"report names another owner", func(t *testing.T, s setup) gpu.SignedReport {
			ch, _ := s.n.v.Challenge("rig-2")
			return forge(t, s.key, gpu.Report{Device: "rig-2", Owner: s.key.Address(), Nonce: ch.Nonce, Inventory: s.inv})
		}, gpu.CheckOwner, iog.ErrForbidden},
		{"forged signature for another owner's device", func(t *testing.T, s setup) gpu.SignedReport {
			ch, _ := s.n.v.Challenge("rig-2")
			return forge(t, s.key, gpu.Report{Device: "rig-2", Owner: s.victimKey.Address(), Nonce: ch.Nonce, Inventory: s.inv})
		}, gpu.CheckSignature, iog.ErrUnauthorized},
		{"tampered after signing", func(t *testing.T, s setup) gpu.SignedReport {
			sr := s.n.signed(t, s.key, "rig-1", s.inv)
			sr[len(sr)-100] ^= 1 // inside the last GPU's telemetry
			return sr
		}, gpu.CheckSignature, iog.ErrUnauthorized},
		{"nonce never issued", func(t *testing.T, s setup) gpu.SignedReport {
			return forge(t, s.key, gpu.Report{Device: "rig-1", Owner: s.key.Address(), Nonce: gpu.Nonce{1, 2, 3}, Inventory: s.inv})
		}, gpu.CheckNonce, iog.ErrUnauthorized},
		{"nonce issued to another device", func(t *testing.T, s setup) gpu.SignedReport {
			ch, _ := s.n.v.Challenge("rig-2")
			return forge(t, s.key, gpu.Report{Device: "rig-1", Owner: s.key.Address(), Nonce: ch.Nonce, Inventory: s.inv})
		}, gpu.CheckNonce, iog.ErrUnauthorized},
		{"expired nonce", func(t *testing.T, s setup) gpu.SignedReport {
			sr := s.n.signed(t, s.key, "rig-1", s.inv)
			s.n.clock.Advance(gpu.DefaultNonceTTL)
			return sr
		}, gpu.CheckNonce, iog.ErrExpired},
		{"replayed report", func(t *testing.T, s setup) gpu.SignedReport {
			sr := s.n.signed(t, s.key, "rig-1", s.inv)
			_, err := s.n.v.Verify(sr)
			require.NoError(t, err)
			return sr
		}, gpu.CheckNonce, iog.ErrConflict},
		{"malformed UUID", withGPU(func(g *gpu.GPUReading) { g.GPU.UUID = "GPU-not-a-uuid" }), gpu.CheckUUID, iog.ErrInvalid},
		{"upper-case UUID", withGPU(func(g *gpu.GPUReading) { g.GPU.UUID = "GPU-ABCDEF01-2345-6789-ABCD-EF0123456789" }), gpu.CheckUUID, iog.ErrInvalid},
		{"placeholder UUID", withGPU(func(g *gpu.GPUReading) { g.GPU.UUID = "GPU-00000000-0000-0000-0000-000000000000" }), gpu.CheckUUID, iog.ErrInvalid},
		{"NVLink peer not on the host", withGPU(func(g *gpu.GPUReading) { g.GPU.NVLinkPeers = []string{"GPU-11111111-2222-4333-8444-555555555555"} }), gpu.CheckUUID, iog.ErrInvalid},
		{"unknown model", withGPU(func(g *gpu.GPUReading) { g.GPU.Model = "NVIDIA Z9000" }), gpu.CheckSpec, iog.ErrInvalid},
		{"memory too large for the model", withGPU(func(g *gpu.GPUReading) { g.GPU.MemoryBytes = 160 << 30 }), gpu.CheckSpec, iog.ErrInvalid},
		{"memory too small for the model", withGPU(func(g *gpu.GPUReading) { g.GPU.MemoryBytes = 70 << 30 }), gpu.CheckSpec, iog.ErrInvalid},
		{"compute capability of another generation", withGPU(func(g *gpu.GPUReading) { g.GPU.ComputeCapability = iog.ComputeCapability{Major: 8} }), gpu.CheckSpec, iog.ErrInvalid},
		{"wrong vendor", withGPU(func(g *gpu.GPUReading) { g.GPU.Vendor = iog.VendorAMD }), gpu.CheckSpec, iog.ErrInvalid},
		{"impossible temperature", withGPU(func(g *gpu.GPUReading) { g.Telemetry.TemperatureC = 200 }), gpu.CheckSpec, iog.ErrInvalid},
		{"more memory used than the GPU has", withGPU(func(g *gpu.GPUReading) { g.Telemetry.MemoryUsedBytes = 100 << 30 }), gpu.CheckSpec, iog.ErrInvalid},
		{"power far past the limit", withGPU(func(g *gpu.GPUReading) { g.Telemetry.PowerMilliwatts = 2_000_000 }), gpu.CheckSpec, iog.ErrInvalid},
		{"more GPUs than a host holds", func(t *testing.T, s setup) gpu.SignedReport {
			inv := s.inv
			inv.GPUs = append(inv.GPUs, h100Host(s.n.rng, 13).GPUs...)
			return s.n.signed(t, s.key, "rig-1", inv)
		}, gpu.CheckCapacity, iog.ErrInvalid},
		{"GPU cloned from another device", func(t *testing.T, s setup) gpu.SignedReport {
			inv := s.n.moved(s.inv)
			inv.GPUs[3].GPU.UUID = s.victim.GPUs[5].GPU.UUID
			return s.n.signed(t, s.key, "rig-1", inv)
		}, gpu.CheckDuplicate, iog.ErrConflict},
		{"telemetry that never changes", func(t *testing.T, s setup) gpu.SignedReport {
			for range 2 {
				_, err := s.n.v.Verify(s.n.signed(t, s.key, "rig-1", s.inv))
				require.NoError(t, err)
			}
			return s.n.signed(t, s.key, "rig-1", s.inv)
		}, gpu.CheckTelemetry, iog.ErrInvalid},
		{"not a report", func(*testing.T, setup) gpu.SignedReport { return make(gpu.SignedReport, 200) }, gpu.CheckFormat, iog.ErrInvalid},
		{"a GPU the device did not have", func(t *testing.T, s setup) gpu.SignedReport {
			_, err := s.n.v.Verify(s.n.signed(t, s.key, "rig-1", s.inv))
			require.NoError(t, err)
			inv := s.n.moved(s.inv)
			inv.GPUs = append(inv.GPUs, h100Host(s.n.rng, 1).GPUs...)
			return s.n.signed(t, s.key, "rig-1", inv)
		}, gpu.CheckUUID, iog.ErrConflict},
		{"a GPU that changed model", func(t *testing.T, s setup) gpu.SignedReport {
			_, err := s.n.v.Verify(s.n.signed(t, s.key, "rig-1", s.inv))
			require.NoError(t, err)
			inv := s.n.moved(s.inv)
			inv.GPUs[2].GPU.Model, inv.GPUs[2].GPU.ComputeCapability = "NVIDIA B200", iog.ComputeCapability{Major: 10}
			inv.GPUs[2].GPU.MemoryBytes = 180 << 30
			inv.GPUs[2].Specs = gpu.PublishedSpecs(mustVariant("B200"))
			return s.n.signed(t, s.key, "rig-1", inv)
		}, gpu.CheckUUID, iog.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNet(2)
			key, inv := n.supplier(t, "rig-1", 4)
			victimKey, victim := n.supplier(t, "rig-2", 8)
			_, err := n.v.Verify(n.signed(t, victimKey, "rig-2", victim))
			require.NoError(t, err)

			_, err = n.v.Verify(tt.report(t, setup{n: n, key: key, inv: inv, victimKey: victimKey, victim: victim}))
			require.Error(t, err)
			require.Equal(t, tt.check, gpu.FailedCheck(err), "%v", err)
			require.ErrorIs(t, err, tt.kind)

			// Whatever was refused, the honest owners still report.
			_, err = n.v.Verify(n.signed(t, key, "rig-1", n.moved(inv)))
			require.NoError(t, err)
			_, err = n.v.Verify(n.signed(t, victimKey, "rig-2", n.moved(victim)))
			require.NoError(t, err)
		})
	}
}

// setup is the state of a rejection test: rig-1 (key, inv) is about to
// report, rig-2 (victimKey, victim) has reported.
type setup struct {
	n         *net
	key       gpu.Keypair
	inv       gpu.Inventory
	victimKey gpu.Keypair
	victim    gpu.Inventory
}

// withGPU returns a properly signed report of rig-1 with its GPU 1 changed.
func withGPU(change func(g *gpu.GPUReading)) func(t *testing.T, s setup) gpu.SignedReport {
	return func(t *testing.T, s setup) gpu.SignedReport {
		inv := s.n.moved(s.inv)
		change(&inv.GPUs[1])
		return s.n.signed(t, s.key, "rig-1", inv)
	}
}

// A forger who holds an honest worker's nonce cannot spend it: a report
// that fails the signature check changes nothing.
func TestVerifierForgeryChangesNothing(t *testing.T) {
	n := newNet(3)
	key, inv := n.supplier(t, "rig-1", 2)
	attacker, err := gpu.NewKeypair(n.src)
	require.NoError(t, err)
	ch, err := n.v.Challenge("rig-1")
	require.NoError(t, err)
	before, err := n.v.Trust("rig-1")
	require.NoError(t, err)

	_, err = n.v.Verify(forge(t, attacker, gpu.Report{Device: "rig-1", Owner: key.Address(), Nonce: ch.Nonce, Inventory: inv}))
	require.ErrorIs(t, err, iog.ErrUnauthorized)
	after, err := n.v.Trust("rig-1")
	require.NoError(t, err)
	require.Equal(t, before, after, "a forgery does not touch the victim's trust")

	s, err := key.SignReport(gpu.Report{Device: "rig-1", Nonce: ch.Nonce, Inventory: inv})
	require.NoError(t, err)
	_, err = n.v.Verify(s)
	require.NoError(t, err, "the honest worker's nonce is still good")
}

// An authentic report with impossible hardware uses up its nonce and costs
// the device trust.
func TestVerifierFailureCostsTrust(t *testing.T) {
	n := newNet(4)
	key, inv := n.supplier(t, "rig-1", 2)
	_, err := n.v.Verify(n.signed(t, key, "rig-1", inv))
	require.NoError(t, err)
	good, _ := n.v.Trust("rig-1")
	require.Equal(t, gpu.TrustScore(666), good)

	bad := n.moved(inv)
	bad.GPUs[0].GPU.MemoryBytes = 200 << 30
	s := n.signed(t, key, "rig-1", bad)
	_, err = n.v.Verify(s)
	require.Equal(t, gpu.CheckSpec, gpu.FailedCheck(err))
	_, err = n.v.Verify(s)
	require.Equal(t, gpu.CheckNonce, gpu.FailedCheck(err), "the nonce was used")
	lower, _ := n.v.Trust("rig-1")
	require.Equal(t, gpu.TrustScore(1000*2/8), lower)

	n.clock.Advance(gpu.TrustWindow + time.Hour)
	forgotten, _ := n.v.Trust("rig-1")
	require.Equal(t, gpu.TrustScore(500), forgotten, "outcomes older than the window no longer count")
}

func TestVerifierRegistration(t *testing.T) {
	n := newNet(5)
	key, inv := n.supplier(t, "rig-1", 2)
	other, err := gpu.NewKeypair(n.src)
	require.NoError(t, err)
	require.NoError(t, n.v.Register("rig-1", key.Address()), "registering again is a no-op")
	require.ErrorIs(t, n.v.Register("rig-1", other.Address()), iog.ErrConflict)
	require.ErrorIs(t, n.v.Register("rig/1", other.Address()), iog.ErrInvalid)
	require.ErrorIs(t, n.v.Register("rig-2", iog.WalletAddress{}), iog.ErrInvalid)
	_, err = n.v.Challenge("rig-3")
	require.ErrorIs(t, err, iog.ErrNotFound)
	_, err = n.v.Trust("rig-3")
	require.ErrorIs(t, err, iog.ErrNotFound)
	require.ErrorIs(t, n.v.Remove("rig-3"), iog.ErrNotFound)

	_, err = n.v.Verify(n.signed(t, key, "rig-1", inv))
	require.NoError(t, err)
	require.NoError(t, n.v.Register("rig-2", other.Address()))
	_, err = n.v.Verify(n.signed(t, other, "rig-2", n.moved(inv)))
	require.ErrorIs(t, err, iog.ErrConflict, "rig-1 holds these GPUs")

	require.NoError(t, n.v.Remove("rig-1"))
	_, err = n.v.Verify(n.signed(t, other, "rig-2", n.moved(inv)))
	require.NoError(t, err, "the GPUs moved to a new machine once the old one left")
}

func TestNonceBook(t *testing.T) {
	clock := iog.NewManualClock(epoch)
	book := gpu.NewNonceBook(gpu.NonceBookConfig{Clock: clock, Random: seeded(6), TTL: time.Minute})
	a, err := book.Issue("d1")
	require.NoError(t, err)
	require.Equal(t, epoch.Add(time.Minute), a.Expires)
	b, err := book.Issue("d1")
	require.NoError(t, err)
	require.NotEqual(t, a.Nonce, b.Nonce, "two nonces issued at one instant differ")
	for range 100 {
		_, err := book.Issue("d1")
		require.NoError(t, err)
	}
	require.NoError(t, book.Check("d1", a.Nonce), "issuing more withdraws none")

	require.ErrorIs(t, book.Use("d2", a.Nonce), iog.ErrUnauthorized, "bound to its device")
	forged := a.Nonce
	forged[0]++ // a later expiry
	require.ErrorIs(t, book.Check("d1", forged), iog.ErrUnauthorized)
	require.ErrorIs(t, book.Check("d1", gpu.Nonce{}), iog.ErrUnauthorized)
	require.ErrorIs(t, gpu.NewNonceBook(gpu.NonceBookConfig{Clock: clock, Random: seeded(6), TTL: time.Minute}).Check("d1", a.Nonce), iog.ErrUnauthorized,
		"another book, even one with the same random source, has not issued it yet")
	require.NoError(t, book.Use("d1", a.Nonce))
	require.ErrorIs(t, book.Use("d1", a.Nonce), iog.ErrConflict)
	require.ErrorIs(t, book.Check("d1", a.Nonce), iog.ErrConflict)

	clock.Advance(time.Minute)
	require.ErrorIs(t, book.Use("d1", b.Nonce), iog.ErrExpired)
	require.ErrorIs(t, book.Use("d1", a.Nonce), iog.ErrConflict, "a used nonce stays used past its expiry")
	c, err := book.Issue("d1")
	require.NoError(t, err)
	require.NoError(t, book.Check("d1", c.Nonce))
	clock.Advance(time.Minute)
	require.ErrorIs(t, book.Use("d1", a.Nonce), iog.ErrExpired, "forgotten as used after twice the TTL, still expired")

	failing := gpu.NewNonceBook(gpu.NonceBookConfig{Clock: clock, Random: iotestErrReader{}})
	_, err = failing.Issue("d1")
	require.ErrorIs(t, err, iog.ErrUnavailable)
	require.ErrorIs(t, failing.Check("d1", a.Nonce), iog.ErrUnauthorized, "a book without a key accepts nothing")
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, iog.ErrUnavailable }

// Many copies of one signed report arriving at once: exactly one is
// accepted, whatever the interleaving.
func TestVerifierConcurrentReplays(t *testing.T) {
	n := newNet(8)
	keys := map[iog.DeviceID]gpu.SignedReport{}
	for i := range 8 {
		dev := iog.DeviceID(fmt.Sprintf("rig-%d", i))
		key, inv := n.supplier(t, dev, 2)
		keys[dev] = n.signed(t, key, dev, inv)
	}
	var wg sync.WaitGroup
	var accepted, replays atomic.Int32
	for _, s := range keys {
		for range 8 {
			wg.Go(func() {
				_, err := n.v.Verify(s)
				switch {
				case err == nil:
					accepted.Add(1)
				case errors.Is(err, iog.ErrConflict) && gpu.FailedCheck(err) == gpu.CheckNonce:
					replays.Add(1)
				default:
					t.Errorf("unexpected error: %v", err)
				}
			})
		}
	}
	wg.Wait()
	require.Equal(t, int32(8), accepted.Load())
	require.Equal(t, int32(56), replays.Load())

	// Challenges, proofs and trust queries from many goroutines at once,
	// on the seeded (not concurrency-safe) random source.
	for dev := range keys {
		wg.Go(func() {
			for range 4 {
				_, err := n.v.Challenge(dev)
				require.NoError(t, err)
				_, err = n.v.Trust(dev)
				require.NoError(t, err)
			}
		})
	}
	wg.Wait()
}

func TestVerifierLogsRejections(t *testing.T) {
	var buf bytes.Buffer
	clock := iog.NewManualClock(epoch)
	v := gpu.NewVerifier(gpu.VerifierConfig{Clock: clock, Random: seeded(1), Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	key, err := gpu.NewKeypair(seeded(2))
	require.NoError(t, err)
	require.NoError(t, v.Register("rig-1", key.Address()))
	_, err = v.Verify(forge(t, key, gpu.Report{Device: "rig-1", Owner: key.Address()}))
	require.Error(t, err)
	require.Contains(t, buf.String(), `level=WARN msg="device report rejected" device=rig-1 check=nonce`)
}

// FuzzVerifierVerify: whatever arrives, Verify neither panics nor accepts
// anything but the one honest report.
func FuzzVerifierVerify(f *testing.F) {
	n := newNet(12)
	key, inv := n.supplier(f, "rig-1", 2)
	honest := n.signed(f, key, "rig-1", inv)
	other := n.signed(f, key, "rig-1", n.moved(inv))
	f.Add([]byte(other))
	f.Add([]byte(honest[:len(honest)-1]))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := n.v.Verify(data); err == nil {
			require.True(t, bytes.Equal(data, other) || bytes.Equal(data, honest), "only the owner's signed reports with live nonces pass")
		}
	})
}

// A device may lose a GPU (it failed, or was taken out) and keep
// reporting the others.
func TestVerifierDeviceLosesAGPU(t *testing.T) {
	n := newNet(13)
	key, inv := n.supplier(t, "rig-1", 4)
	_, err := n.v.Verify(n.signed(t, key, "rig-1", inv))
	require.NoError(t, err)
	inv = n.moved(inv)
	inv.GPUs = inv.GPUs[1:]
	_, err = n.v.Verify(n.signed(t, key, "rig-1", inv))
	require.NoError(t, err)
}

// Challenge does not know who asks, so anyone may ask for a device's
// nonces, as often as they like: that withdraws nothing, and the nonce the
// worker holds still works.
func TestVerifierChallengesWithdrawNothing(t *testing.T) {
	n := newNet(14)
	key, inv := n.supplier(t, "rig-1", 2)
	held := n.signed(t, key, "rig-1", inv)
	for range 1000 {
		_, err := n.v.Challenge("rig-1")
		require.NoError(t, err)
	}
	_, err := n.v.Verify(held)
	require.NoError(t, err)
}

// An accepted report costs its device nothing but a signature, so a
// device must not be able to flush a failure out of its trust history by
// sending reports in a burst: at most one accepted report a quarter hour
// counts toward trust.
func TestVerifierReportBurstDoesNotWashOutFailures(t *testing.T) {
	n := newNet(15)
	key, inv := n.supplier(t, "rig-1", 2)
	_, err := n.v.Verify(n.signed(t, key, "rig-1", inv))
	require.NoError(t, err)
	task, err := n.v.ProofTask("rig-1", inv.GPUs[0].GPU.UUID)
	require.NoError(t, err)
	wrong := gpu.ProofAnswer{ID: task.ID, Product: make([]uint32, task.N*task.N)}
	require.Equal(t, gpu.CheckProof, gpu.FailedCheck(n.v.SubmitProof(wrong)))
	failed, err := n.v.Trust("rig-1")
	require.NoError(t, err)
	require.Equal(t, gpu.TrustScore(1000*2/8), failed)

	for range 200 {
		inv = n.moved(inv)
		_, err := n.v.Verify(n.signed(t, key, "rig-1", inv))
		require.NoError(t, err)
		n.clock.Advance(time.Second)
	}
	burst, err := n.v.Trust("rig-1")
	require.NoError(t, err)
	require.Equal(t, failed, burst, "200 reports within four minutes earn nothing")

	// Reported a quarter hour apart, they earn trust back as before.
	for range 4 {
		n.clock.Advance(15 * time.Minute)
		inv = n.moved(inv)
		_, err := n.v.Verify(n.signed(t, key, "rig-1", inv))
		require.NoError(t, err)
	}
	later, err := n.v.Trust("rig-1")
	require.NoError(t, err)
	require.Equal(t, gpu.TrustScore(1000*6/12), later)
}
