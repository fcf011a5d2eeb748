package refserver_test

import (
	"context"
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver"
	"github.com/internetofgpus/iog/refserver/store"
)

// supplier is a wallet with a device to register: a simulated probe and
// the keypair that signs its reports.
type supplier struct {
	key   ed25519.PrivateKey
	pair  gpu.Keypair
	probe *gpu.SimulatedProbe
	c     *iogsdk.Client
}

func newSupplier(t testing.TB, e *env, n byte, model string, gpus int) *supplier {
	key := walletKey(n)
	pair, err := gpu.KeypairFromSeed(key.Seed())
	require.NoError(t, err)
	probe, err := gpu.NewSimulatedProbe(model, gpus, uint64(n))
	require.NoError(t, err)
	return &supplier{key: key, pair: pair, probe: probe, c: e.client(key)}
}

// register registers a device and submits its first report.
func (s *supplier) register(t testing.TB) api.Device {
	reg, err := s.c.RegisterDevice(ctx, api.RegisterDeviceRequest{
		Name: "rig", TunnelKey: s.key.Public().(ed25519.PublicKey), Location: "US/Virginia",
		Bandwidth: api.Bandwidth{DownBytesPerSec: 500 << 20, UpBytesPerSec: 400 << 20},
	})
	require.NoError(t, err)
	require.Equal(t, api.DevicePending, reg.Device.State)
	d, err := s.report(reg.Challenge)
	require.NoError(t, err)
	return d
}

func (s *supplier) signedReport(ch api.Challenge) (gpu.SignedReport, error) {
	nonce, err := gpu.ParseNonce(ch.Nonce)
	if err != nil {
		return nil, err
	}
	inv, err := s.probe.Probe(ctx)
	if err != nil {
		return nil, err
	}
	return s.pair.SignReport(gpu.Report{Device: ch.Device, Nonce: nonce, Inventory: inv})
}

func (s *supplier) report(ch api.Challenge) (api.Device, error) {
	signed, err := s.signedReport(ch)
	if err != nil {
		return api.Device{}, err
	}
	return s.c.SubmitReport(ctx, ch.Device, signed)
}

// TestDeviceLifecycle: register, report, heartbeat, prove, rename,
// remove; the device's public view along the way.
func TestDeviceLifecycle(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		alice := newSupplier(t, e, 1, "H100-SXM", 2)
		d := alice.register(t)
		require.Equal(t, api.DeviceActive, d.State)
		require.Equal(t, 2, d.GPUCount)
		require.Equal(t, "H100-SXM", d.Model, "the catalog name, not the driver's")

		resp, err := alice.c.Heartbeat(ctx, d.ID, api.Heartbeat{})
		require.NoError(t, err)
		require.Len(t, resp.Tasks, 2, "a proof for each GPU is due at once")
		var answers []gpu.ProofAnswer
		for _, task := range resp.Tasks {
			id, err := gpu.ParseNonce(task.ID)
			require.NoError(t, err)
			a, err := gpu.Solve(ctx, gpu.ProofTask{ID: id, Device: d.ID, GPU: task.GPU, Model: task.Model, N: task.N, Steps: task.Steps, Issued: task.Issued, Deadline: task.Deadline})
			require.NoError(t, err)
			answers = append(answers, a)
		}
		e.clock.Advance(time.Second)
		results, err := alice.c.SubmitProofs(ctx, d.ID, answers)
		require.NoError(t, err)
		for _, r := range results.Results {
			require.True(t, r.Accepted, r.Reason)
		}
		e.clock.Advance(10 * time.Second)
		resp, err = alice.c.Heartbeat(ctx, d.ID, api.Heartbeat{})
		require.NoError(t, err)
		require.Empty(t, resp.Tasks, "proven this hour")

		got, err := e.client(nil).Device(ctx, d.ID)
		require.NoError(t, err)
		require.True(t, got.Up)
		require.Equal(t, e.clock.Now(), got.LastSeen.UTC())

		renamed, err := alice.c.RenameDevice(ctx, d.ID, "rack 4")
		require.NoError(t, err)
		require.Equal(t, "rack 4", renamed.Name)
		require.NoError(t, e.server.Store().Tx(ctx, func(tx *store.Tx) error {
			log, err := tx.AuditLog(walletOf(alice.key), 100)
			require.NoError(t, err)
			var actions []string
			for _, a := range log {
				actions = append(actions, a.Action)
			}
			require.NotEmpty(t, actions, "registration, proofs and renaming are audited")
			require.NotContains(t, strings.Join(actions, " | "), "heartbeat", "heartbeats are not")
			return nil
		}))
		list, err := e.client(nil).Devices(ctx, iogsdk.DeviceQuery{Owner: walletOf(alice.key)})
		require.NoError(t, err)
		require.Len(t, list.Devices, 1)

		removed, err := alice.c.RemoveDevice(ctx, d.ID)
		require.NoError(t, err)
		require.Equal(t, api.DeviceRemoved, removed.State)
		_, err = alice.c.Heartbeat(ctx, d.ID, api.Heartbeat{})
		require.ErrorIs(t, err, iog.ErrNotFound)

		// The same hardware registers again as a new device.
		again := alice.register(t)
		require.NotEqual(t, d.ID, again.ID)
		require.Equal(t, api.DeviceActive, again.State)
	})
}

// TestDeviceSecurity: another wallet cannot act on a device, not even
// with its owner's API key on owner-signed routes; a report is not
// accepted twice; a GPU counts for one device only.
func TestDeviceSecurity(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		alice := newSupplier(t, e, 1, "A100-80GB", 1)
		mallory := newSupplier(t, e, 2, "A100-80GB", 1)
		d := alice.register(t)

		_, err := mallory.c.Heartbeat(ctx, d.ID, api.Heartbeat{})
		require.ErrorIs(t, err, iog.ErrForbidden)
		_, err = mallory.c.RenameDevice(ctx, d.ID, "mine now")
		require.ErrorIs(t, err, iog.ErrForbidden)
		_, err = mallory.c.RemoveDevice(ctx, d.ID)
		require.ErrorIs(t, err, iog.ErrForbidden)

		// Mallory signs a report for Alice's device: not the owner's key.
		ch, err := alice.c.DeviceChallenge(ctx, d.ID)
		require.NoError(t, err)
		forged, err := mallory.signedReport(ch)
		require.NoError(t, err)
		_, err = alice.c.SubmitReport(ctx, d.ID, forged)
		require.ErrorIs(t, err, iog.ErrUnauthorized, "the owner's key did not sign it")

		// A report accepted once is refused when replayed.
		signed, err := alice.signedReport(ch)
		require.NoError(t, err)
		_, err = alice.c.SubmitReport(ctx, d.ID, signed)
		require.NoError(t, err)
		_, err = alice.c.SubmitReport(ctx, d.ID, signed)
		require.ErrorIs(t, err, iog.ErrConflict, "a replayed nonce")

		// Mallory registers a device and reports Alice's GPU as hers.
		reg, err := mallory.c.RegisterDevice(ctx, api.RegisterDeviceRequest{Name: "x", TunnelKey: mallory.key.Public().(ed25519.PublicKey), Location: "DE", Bandwidth: api.Bandwidth{}})
		require.NoError(t, err)
		nonce, err := gpu.ParseNonce(reg.Challenge.Nonce)
		require.NoError(t, err)
		inv, err := alice.probe.Probe(ctx)
		require.NoError(t, err)
		stolen, err := mallory.pair.SignReport(gpu.Report{Device: reg.Device.ID, Nonce: nonce, Inventory: inv})
		require.NoError(t, err)
		_, err = mallory.c.SubmitReport(ctx, reg.Device.ID, stolen)
		require.ErrorIs(t, err, iog.ErrConflict, "a GPU another device holds")
		got, err := e.client(nil).Device(ctx, reg.Device.ID)
		require.NoError(t, err)
		require.Equal(t, api.DevicePending, got.State)

		// Alice's API key with the worker scope heartbeats, but cannot
		// rename or remove.
		minted, err := alice.c.CreateAPIKey(ctx, "fleet", []api.Scope{api.ScopeWorker}, time.Hour)
		require.NoError(t, err)
		fleet := e.keyClient(minted.Token)
		_, err = fleet.Heartbeat(ctx, d.ID, api.Heartbeat{})
		require.NoError(t, err)
		_, err = fleet.RenameDevice(ctx, d.ID, "x")
		require.ErrorIs(t, err, iog.ErrForbidden)
		readOnly, err := alice.c.CreateAPIKey(ctx, "dash", []api.Scope{api.ScopeRead}, time.Hour)
		require.NoError(t, err)
		_, err = e.keyClient(readOnly.Token).Heartbeat(ctx, d.ID, api.Heartbeat{})
		require.ErrorIs(t, err, iog.ErrForbidden, "a read key cannot act for a worker")
	})
}

// TestSilentDeviceGoesDown: the leader's loop marks a device whose
// heartbeats stopped down, and its silence does not count as up time.
func TestSilentDeviceGoesDown(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		alice := newSupplier(t, e, 1, "L40S", 1)
		d := alice.register(t)
		_, err := alice.c.Heartbeat(ctx, d.ID, api.Heartbeat{})
		require.NoError(t, err)
		run, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- e.server.Run(run) }()
		defer func() { stop(); require.NoError(t, <-done) }()
		for i := 0; e.clock.Waiters() < refserver.LoopCount(e.server); i++ {
			require.Less(t, i, 1000, "the loops never started")
			time.Sleep(time.Millisecond)
		}
		require.True(t, e.server.Leading())
		e.clock.Advance(2 * time.Minute)
		for i := 0; ; i++ {
			got, err := e.client(nil).Device(ctx, d.ID)
			require.NoError(t, err)
			if !got.Up {
				break
			}
			require.Less(t, i, 2000, "the device stayed up")
			time.Sleep(time.Millisecond)
		}
	})
}

// TestProofOrder: the tasks a heartbeat issues are of the configured
// order (Config.ProofN), gpu's default without one, and an answer to
// either proves the device.
func TestProofOrder(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n, want int
	}{
		{"default", 0, gpu.DefaultProofN},
		{"configured", 16, 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, sqldb.SQLite, func(c *refserver.Config) { c.ProofN = tc.n })
			alice := newSupplier(t, e, 1, "H100-SXM", 2)
			d := alice.register(t)
			resp, err := alice.c.Heartbeat(ctx, d.ID, api.Heartbeat{})
			require.NoError(t, err)
			require.Len(t, resp.Tasks, 2)
			for _, task := range resp.Tasks {
				require.Equal(t, tc.want, task.N)
			}
			alice.beat(t, e, d.ID, true)
			resp, err = alice.c.Heartbeat(ctx, d.ID, api.Heartbeat{})
			require.NoError(t, err)
			require.Empty(t, resp.Tasks, "proven")
		})
	}
}

// TestDeviceListQueries: the listing refuses a state or a cursor the API
// does not define, rather than answering an empty page.
func TestDeviceListQueries(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		newSupplier(t, e, 1, "H100-SXM", 1).register(t)
		tests := []struct {
			query  string
			status int
		}{
			{"", 200},
			{"?state=active", 200},
			{"?state=bogus", 400},
			{"?after=not%20an%20ID", 400},
		}
		for _, tt := range tests {
			status, body, _ := e.raw("GET", "/v1/devices"+tt.query, nil, nil)
			require.Equal(t, tt.status, status, "%s: %+v", tt.query, body)
		}
	})
}

// TestDeviceGPUUUIDCase: another vendor's GPU UUID in another case is the
// same GPU, which a second device cannot claim.
func TestDeviceGPUUUIDCase(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		report := func(s *supplier, uuid string) error {
			reg, err := s.c.RegisterDevice(ctx, api.RegisterDeviceRequest{Name: "rig", TunnelKey: s.key.Public().(ed25519.PublicKey), Location: "DE"})
			require.NoError(t, err)
			nonce, err := gpu.ParseNonce(reg.Challenge.Nonce)
			require.NoError(t, err)
			inv, err := s.probe.Probe(ctx)
			require.NoError(t, err)
			inv.GPUs[0].GPU.UUID = uuid
			signed, err := s.pair.SignReport(gpu.Report{Device: reg.Device.ID, Nonce: nonce, Inventory: inv})
			require.NoError(t, err)
			_, err = s.c.SubmitReport(ctx, reg.Device.ID, signed)
			return err
		}
		require.NoError(t, report(newSupplier(t, e, 1, "MI300X", 1), "0xabcdef0123456789"))
		err := report(newSupplier(t, e, 2, "MI300X", 1), "0xABCDEF0123456789")
		require.ErrorIs(t, err, iog.ErrConflict, "the first device's GPU, in upper case")
		require.ErrorContains(t, err, "already registered with another device")
	})
}

// TestDeviceBlocked: a device used above the idle caps while not hired,
// below the worker minimums, or whose GPUs change is blocked, with its
// reason on its public view.
func TestDeviceBlocked(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		alice := newSupplier(t, e, 1, "H100-SXM", 2)
		d := alice.register(t)
		require.Equal(t, api.DeviceActive, d.State)
		// Exactly 30% of the CPU and 5% of an enterprise GPU are allowed.
		_, err := alice.c.Heartbeat(ctx, d.ID, api.Heartbeat{CPUPercent: 30, GPUs: []api.GPUTelemetry{{UtilizationPercent: 5}}})
		require.NoError(t, err)
		got, err := e.client(nil).Device(ctx, d.ID)
		require.NoError(t, err)
		require.Equal(t, api.DeviceActive, got.State)
		require.Empty(t, got.BlockedReason)

		_, err = alice.c.Heartbeat(ctx, d.ID, api.Heartbeat{CPUPercent: 101})
		require.ErrorIs(t, err, iog.ErrInvalid)

		e.clock.Advance(time.Second)
		_, err = alice.c.Heartbeat(ctx, d.ID, api.Heartbeat{CPUPercent: 31})
		require.NoError(t, err)
		got, err = e.client(nil).Device(ctx, d.ID)
		require.NoError(t, err)
		require.Equal(t, api.DeviceBlocked, got.State)
		require.Equal(t, "CPU used 31% while not hired, above the 30% cap: stop other work (gaming, mining) on a device lent to the network", got.BlockedReason)
		require.Equal(t, e.clock.Now(), got.BlockedAt.UTC())
		require.Equal(t, api.Readiness{State: iog.ReadinessBlocked, Reasons: []string{"blocked: " + got.BlockedReason}}, got.Readiness,
			"the readiness says the rule that blocks it")
		list, err := e.client(nil).Devices(ctx, iogsdk.DeviceQuery{State: api.DeviceBlocked})
		require.NoError(t, err)
		require.Len(t, list.Devices, 1)

		// Below the minimums: 100 Mb/s is 12,500,000 bytes a second.
		bob := newSupplier(t, e, 2, "RTX-4090", 1)
		reg, err := bob.c.RegisterDevice(ctx, api.RegisterDeviceRequest{
			Name: "slow", TunnelKey: bob.key.Public().(ed25519.PublicKey), Location: "DE",
			Bandwidth: api.Bandwidth{DownBytesPerSec: 12_499_999, UpBytesPerSec: 50 << 20},
		})
		require.NoError(t, err)
		b, err := bob.report(reg.Challenge)
		require.NoError(t, err)
		require.Equal(t, api.DeviceBlocked, b.State)
		require.Contains(t, b.BlockedReason, "below the worker minimums: download 99.9 Mb/s, 100 Mb/s needed")

		// A GPU gone from its report.
		carol := newSupplier(t, e, 3, "H100-SXM", 2)
		c := carol.register(t)
		ch, err := carol.c.DeviceChallenge(ctx, c.ID)
		require.NoError(t, err)
		nonce, err := gpu.ParseNonce(ch.Nonce)
		require.NoError(t, err)
		inv, err := carol.probe.Probe(ctx)
		require.NoError(t, err)
		inv.GPUs = inv.GPUs[:1]
		signed, err := carol.pair.SignReport(gpu.Report{Device: c.ID, Nonce: nonce, Inventory: inv})
		require.NoError(t, err)
		c, err = carol.c.SubmitReport(ctx, c.ID, signed)
		require.NoError(t, err)
		require.Equal(t, api.DeviceBlocked, c.State)
		require.Contains(t, c.BlockedReason, "hardware changed: GPU ")
	})
}
