package refserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/pricing"
	"github.com/internetofgpus/iog/refserver"
)

// withFaucet gives the network a faucet, for renters' funds.
func withFaucet(c *refserver.Config) { c.Faucet = true }

// deployBody asks for gpus H100-SXM GPUs for hours, paid in USDC.
func deployBody(t *testing.T, gpus, hours int) api.DeployRequest {
	var r pricing.Request
	require.NoError(t, json.Unmarshal([]byte(`{"gpu_model": "H100-SXM", "gpu_count": 1, "hours": 1, "currency": "USDC"}`), &r))
	r.GPUCount, r.Hours = gpus, hours
	return api.DeployRequest{Request: r, Name: "train", Workload: api.Workload{
		Entrypoint: []string{"python3", "train.py"}, Env: []api.EnvVar{{Name: "EPOCHS", Value: "3"}}, Ports: []uint16{8265},
	}}
}

// balance is a wallet's USDC holdings, zero for a wallet never credited.
func (e *env) balance(w iog.WalletAddress) api.Balance {
	acct, err := e.client(nil).Account(ctx, w)
	if err != nil {
		require.ErrorIs(e.t, err, iog.ErrNotFound)
		return api.Balance{Currency: iog.USDC, Available: iog.Zero(iog.USDC), Held: iog.Zero(iog.USDC)}
	}
	for _, b := range acct.Balances {
		if b.Currency == iog.USDC {
			return b
		}
	}
	e.t.Fatalf("no USDC balance for %v", w)
	return api.Balance{}
}

// holdings is a wallet's available balance of c, zero for a wallet or a
// currency never credited.
func (e *env) holdings(w iog.WalletAddress, c iog.Currency) iog.Amount {
	acct, err := e.client(nil).Account(ctx, w)
	if err != nil {
		require.ErrorIs(e.t, err, iog.ErrNotFound)
		return iog.Zero(c)
	}
	for _, b := range acct.Balances {
		if b.Currency == c {
			return b.Available
		}
	}
	return iog.Zero(c)
}

// asCredits is a of USDC as IOSD credits, one for one (1 credit = 1 USD).
func asCredits(t *testing.T, a iog.Amount) iog.Amount {
	require.Equal(t, iog.USDC, a.Currency())
	c, err := iog.ParseDecimal(a.Decimal(), iog.IOSD)
	require.NoError(t, err)
	return c
}

func add(t *testing.T, amounts ...iog.Amount) iog.Amount {
	sum := iog.Zero(iog.USDC)
	for _, a := range amounts {
		var err error
		sum, err = sum.Add(a)
		require.NoError(t, err)
	}
	return sum
}

// upDevice registers a supplier's device and heartbeats it up.
func upDevice(t *testing.T, e *env, n byte, gpus int) (*supplier, api.Device) {
	s := newSupplier(t, e, n, "H100-SXM", gpus)
	d := s.register(t)
	_, err := s.c.Heartbeat(ctx, d.ID, api.Heartbeat{})
	require.NoError(t, err)
	return s, d
}

// TestClusterLifecycle: deploy → placed → running → extend → terminate,
// with exact amounts: what the renter lost is what the supplier and the
// fee account gained, hour by hour as pricing's fee lines divide it.
func TestClusterLifecycle(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		round := e.server.ClusterRounds()
		sup, dev := upDevice(t, e, 1, 2)
		renter := e.client(walletKey(7))
		_, err := renter.Faucet(ctx)
		require.NoError(t, err)
		start := e.balance(renter.Wallet())

		body := deployBody(t, 2, 3)
		q, err := e.client(nil).Quote(ctx, body)
		require.NoError(t, err)
		require.Equal(t, 3, q.Hours)
		require.Equal(t, q.RenterPays, add(t, q.SupplierReceives, q.FeesTotal))

		cl, err := renter.Deploy(ctx, body)
		require.NoError(t, err)
		require.Equal(t, api.ClusterPending, cl.Status)
		require.Equal(t, q.RenterPays, cl.Held)
		require.Equal(t, q.RenterPays, e.balance(renter.Wallet()).Held)

		require.NoError(t, round(ctx))
		cl, err = renter.Cluster(ctx, cl.ID)
		require.NoError(t, err)
		require.Equal(t, api.ClusterPlaced, cl.Status, cl.Reason)
		require.Len(t, cl.Devices, 1)
		require.Equal(t, dev.ID, cl.Devices[0].Device)
		require.Equal(t, []api.Endpoint{{Device: dev.ID, Port: 8265}}, cl.Endpoints)
		rentals, err := e.server.RentalRecords(ctx)
		require.NoError(t, err)
		require.Len(t, rentals, 1)
		require.Equal(t, renter.Wallet(), rentals[0].Renter)
		require.Equal(t, cl.Expires.UTC(), rentals[0].Expires)

		// The worker learns its rental and starts it.
		list, err := sup.c.DeviceRentals(ctx, dev.ID)
		require.NoError(t, err)
		require.Len(t, list.Rentals, 1)
		require.Equal(t, body.Workload, list.Rentals[0].Workload)
		require.Equal(t, []int{0, 1}, list.Rentals[0].GPUs)
		_, err = sup.c.RentalStarted(ctx, dev.ID, cl.ID)
		require.NoError(t, err)
		cl, err = renter.Cluster(ctx, cl.ID)
		require.NoError(t, err)
		require.Equal(t, api.ClusterRunning, cl.Status)

		// Its device reads hired, on a read, a page and a write alike.
		hired := api.Readiness{State: iog.ReadinessHired, Reasons: []string{"hired: a cluster runs on it, and it takes no other until that one ends"}}
		got, err := e.client(nil).Device(ctx, dev.ID)
		require.NoError(t, err)
		require.Equal(t, hired, got.Readiness)
		page, err := e.client(nil).Devices(ctx, iogsdk.DeviceQuery{})
		require.NoError(t, err)
		require.Len(t, page.Devices, 1)
		require.Equal(t, hired, page.Devices[0].Readiness)
		got, err = sup.c.RenameDevice(ctx, dev.ID, "busy rig")
		require.NoError(t, err)
		require.Equal(t, hired, got.Readiness)

		// An hour runs and is paid: a third of the price.
		e.clock.Advance(time.Hour)
		require.NoError(t, round(ctx))
		cl, err = renter.Cluster(ctx, cl.ID)
		require.NoError(t, err)
		require.Equal(t, 1, cl.HoursSettled)
		require.False(t, cl.Cost.IsZero())
		supplierGot := e.balance(walletOf(sup.key)).Available
		feesGot := e.balance(e.server.FeeAccount()).Available
		require.Equal(t, cl.Cost, add(t, supplierGot, feesGot))

		ext, err := renter.ExtendCluster(ctx, cl.ID, 2)
		require.NoError(t, err)
		require.Equal(t, 5, ext.Hours)
		require.Equal(t, cl.Expires.Add(2*time.Hour), *ext.Expires)

		// Terminated half-way through hour 2: two hours are paid.
		e.clock.Advance(30 * time.Minute)
		end, err := renter.TerminateCluster(ctx, cl.ID)
		require.NoError(t, err)
		require.Equal(t, api.ClusterEnded, end.Status)
		require.Equal(t, 2, end.HoursSettled)
		require.Equal(t, end.Held, add(t, end.Cost, end.Refunded))
		after := e.balance(renter.Wallet())
		require.True(t, after.Held.IsZero())
		supplierGot = e.balance(walletOf(sup.key)).Available
		feesGot = e.balance(e.server.FeeAccount()).Available
		require.Equal(t, end.Cost, add(t, supplierGot, feesGot))
		// The 3 hours unused come back as IOSD credits, 1 credit = 1 USD;
		// the USDC they were goes to the credits account.
		require.False(t, end.Refunded.IsZero())
		require.Equal(t, asCredits(t, end.Refunded), end.RefundedCredits)
		require.Equal(t, end.RefundedCredits, e.holdings(renter.Wallet(), iog.IOSD))
		require.Equal(t, end.Refunded, e.balance(e.server.CreditsAccount()).Available)
		require.Equal(t, start.Available, add(t, after.Available, supplierGot, feesGot, end.Refunded),
			"renter + supplier + fees + refunded as credits = what the renter had")
		list, err = sup.c.DeviceRentals(ctx, dev.ID)
		require.NoError(t, err)
		require.Empty(t, list.Rentals)
		rentals, err = e.server.RentalRecords(ctx)
		require.NoError(t, err)
		require.Empty(t, rentals)
		_, err = renter.TerminateCluster(ctx, cl.ID)
		require.ErrorIs(t, err, iog.ErrConflict)
	}, withFaucet)
}

// TestDeployInsufficientFunds: a renter short of the payment is refused
// with 402, and nothing changes.
func TestDeployInsufficientFunds(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		renter := e.client(walletKey(7))
		_, err := renter.Deploy(ctx, deployBody(t, 8, 24*30))
		require.ErrorIs(t, err, iog.ErrInsufficientFunds)
		require.Equal(t, api.KindInsufficientFunds, iogsdk.ErrorKind(err))
		list, err := renter.Clusters(ctx, "")
		require.NoError(t, err)
		require.Empty(t, list.Clusters)
		_, err = e.client(nil).Account(ctx, renter.Wallet())
		require.ErrorIs(t, err, iog.ErrNotFound, "not even an account was opened")

		_, err = renter.Faucet(ctx)
		require.NoError(t, err)
		before := e.balance(renter.Wallet())
		_, err = renter.Deploy(ctx, deployBody(t, 8, 24*30))
		require.ErrorIs(t, err, iog.ErrInsufficientFunds)
		require.Equal(t, before, e.balance(renter.Wallet()))
		public, err := e.client(nil).PublicClusters(ctx, "", "")
		require.NoError(t, err)
		require.Empty(t, public.Clusters)
	}, withFaucet)
}

// TestClusterNeverPlaced: a cluster no device fits waits with the
// scheduler's reason, and at its deadline ends with its hold refunded.
func TestClusterNeverPlaced(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		round := e.server.ClusterRounds()
		upDevice(t, e, 1, 1)
		renter := e.client(walletKey(7))
		_, err := renter.Faucet(ctx)
		require.NoError(t, err)
		before := e.balance(renter.Wallet())
		cl, err := renter.Deploy(ctx, deployBody(t, 4, 2))
		require.NoError(t, err)
		require.NoError(t, round(ctx))
		cl, err = renter.Cluster(ctx, cl.ID)
		require.NoError(t, err)
		require.Equal(t, api.ClusterPending, cl.Status)
		require.Contains(t, cl.Reason, "nodes", "the scheduler's reason")

		e.clock.Advance(30 * time.Minute)
		require.NoError(t, round(ctx))
		cl, err = renter.Cluster(ctx, cl.ID)
		require.NoError(t, err)
		require.Equal(t, api.ClusterPending, cl.Status, "its deadline is an hour")

		e.clock.Advance(30 * time.Minute)
		require.NoError(t, round(ctx))
		cl, err = renter.Cluster(ctx, cl.ID)
		require.NoError(t, err)
		require.Equal(t, api.ClusterEnded, cl.Status)
		require.Contains(t, cl.Reason, "not placed within 1h0m0s")
		require.Equal(t, cl.Held, cl.Refunded)
		// The hold comes back whole, as credits.
		after := e.balance(renter.Wallet())
		require.True(t, after.Held.IsZero())
		require.Equal(t, before.Available, add(t, after.Available, cl.Held))
		require.Equal(t, asCredits(t, cl.Held), cl.RefundedCredits)
		require.Equal(t, cl.RefundedCredits, e.holdings(renter.Wallet(), iog.IOSD))
		require.Equal(t, cl.Held, e.balance(e.server.CreditsAccount()).Available)
	}, withFaucet)
}

// TestClusterRefundCredits: a refund is returned as IOSD credits at 1
// credit = 1 USD: one paid in IO at the server's IO price (1.85 USD),
// rounded down, its IO kept by the credits account; one paid in IOSD
// comes back as the same credits.
func TestClusterRefundCredits(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		round := e.server.ClusterRounds()
		upDevice(t, e, 1, 1)
		renter := e.client(walletKey(7))
		_, err := renter.Faucet(ctx)
		require.NoError(t, err)
		never := func(body api.DeployRequest) api.Cluster {
			cl, err := renter.Deploy(ctx, body)
			require.NoError(t, err)
			require.NoError(t, round(ctx))
			e.clock.Advance(time.Hour)
			require.NoError(t, round(ctx))
			cl, err = renter.Cluster(ctx, cl.ID)
			require.NoError(t, err)
			require.Equal(t, api.ClusterEnded, cl.Status)
			require.Equal(t, cl.Held, cl.Refunded)
			return cl
		}

		body := deployBody(t, 4, 2)
		body.Request.Currency = iog.IO
		cl := never(body)
		require.Equal(t, iog.IO, cl.Held.Currency())
		want := iog.NewAmount(cl.Held.Units()*185/100, iog.IOSD) // IO and IOSD both have 8 places
		require.Equal(t, want, cl.RefundedCredits)
		require.Equal(t, want, e.holdings(renter.Wallet(), iog.IOSD))
		require.Equal(t, cl.Held, e.holdings(e.server.CreditsAccount(), iog.IO))

		body = deployBody(t, 4, 1)
		body.Request.Currency = iog.IOSD
		cl = never(body)
		require.Equal(t, iog.IOSD, cl.Held.Currency())
		require.Equal(t, cl.Held, cl.RefundedCredits, "credits come back as they are")
		require.Equal(t, want, e.holdings(renter.Wallet(), iog.IOSD))
		require.True(t, e.holdings(e.server.CreditsAccount(), iog.IOSD).IsZero())
	}, withFaucet)
}

// TestClusterMinimumRental: a deploy, and its quote, shorter than the
// billing's minimum rental is refused and nothing is held.
func TestClusterMinimumRental(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		renter := e.client(walletKey(7))
		_, err := renter.Faucet(ctx)
		require.NoError(t, err)
		before := e.balance(renter.Wallet())
		_, err = e.client(nil).Quote(ctx, deployBody(t, 1, 1))
		require.ErrorIs(t, err, iog.ErrInvalid)
		_, err = renter.Deploy(ctx, deployBody(t, 1, 1))
		require.ErrorIs(t, err, iog.ErrInvalid)
		require.ErrorContains(t, err, "hours 1: a rental lasts at least 2 h, the minimum rental")
		require.Equal(t, before, e.balance(renter.Wallet()))
		_, err = renter.Deploy(ctx, deployBody(t, 1, 2))
		require.NoError(t, err, "exactly the minimum")
	}, withFaucet, func(c *refserver.Config) {
		c.Billing = pricing.DefaultBilling()
		c.Billing.MinimumRental = 2 * time.Hour
	})
}

// TestClusterReplaced: a device that goes down has its cluster placed on
// another, and the database follows; the hour that ran is paid to the
// supplier that ran it.
func TestClusterReplaced(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		round := e.server.ClusterRounds()
		alice, a := upDevice(t, e, 1, 1)
		renter := e.client(walletKey(7))
		_, err := renter.Faucet(ctx)
		require.NoError(t, err)
		cl, err := renter.Deploy(ctx, deployBody(t, 1, 4))
		require.NoError(t, err)
		require.NoError(t, round(ctx))
		cl, err = renter.Cluster(ctx, cl.ID)
		require.NoError(t, err)
		require.Equal(t, a.ID, cl.Devices[0].Device)

		bob, b := upDevice(t, e, 2, 1)
		e.clock.Advance(70 * time.Minute)
		_, err = bob.c.Heartbeat(ctx, b.ID, api.Heartbeat{})
		require.NoError(t, err)
		require.NoError(t, e.server.MarkSilentDevices(ctx))
		require.NoError(t, round(ctx))
		cl, err = renter.Cluster(ctx, cl.ID)
		require.NoError(t, err)
		require.Equal(t, api.ClusterPlaced, cl.Status, cl.Reason)
		require.Len(t, cl.Devices, 1)
		require.Equal(t, b.ID, cl.Devices[0].Device, "re-placed on the device that is up")
		list, err := alice.c.DeviceRentals(ctx, a.ID)
		require.NoError(t, err)
		require.Empty(t, list.Rentals)
		list, err = bob.c.DeviceRentals(ctx, b.ID)
		require.NoError(t, err)
		require.Len(t, list.Rentals, 1)
		rentals, err := e.server.RentalRecords(ctx)
		require.NoError(t, err)
		require.Equal(t, []iog.DeviceID{b.ID}, rentals[0].Devices)
		require.Equal(t, 1, cl.HoursSettled)
	}, withFaucet)
}

// TestClusterPrivacy: one wallet cannot see another's private cluster
// views nor act on its clusters; a worker acts only for its own devices;
// the explorer shows public details only.
func TestClusterPrivacy(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		round := e.server.ClusterRounds()
		_, dev := upDevice(t, e, 1, 1)
		renter := e.client(walletKey(7))
		mallory := newSupplier(t, e, 8, "H100-SXM", 1)
		_, err := renter.Faucet(ctx)
		require.NoError(t, err)
		cl, err := renter.Deploy(ctx, deployBody(t, 1, 2))
		require.NoError(t, err)
		require.NoError(t, round(ctx))

		_, err = mallory.c.Cluster(ctx, cl.ID)
		require.ErrorIs(t, err, iog.ErrForbidden)
		_, err = mallory.c.TerminateCluster(ctx, cl.ID)
		require.ErrorIs(t, err, iog.ErrForbidden)
		_, err = mallory.c.ExtendCluster(ctx, cl.ID, 1)
		require.ErrorIs(t, err, iog.ErrForbidden)
		list, err := mallory.c.Clusters(ctx, "")
		require.NoError(t, err)
		require.Empty(t, list.Clusters)
		_, err = mallory.c.DeviceRentals(ctx, dev.ID)
		require.ErrorIs(t, err, iog.ErrForbidden)
		_, err = mallory.c.RentalStarted(ctx, dev.ID, cl.ID)
		require.ErrorIs(t, err, iog.ErrForbidden)
		_, err = e.client(nil).Cluster(ctx, cl.ID)
		require.ErrorIs(t, err, iog.ErrUnauthorized)

		// A read key sees the renter's clusters but cannot deploy.
		key, err := renter.CreateAPIKey(ctx, "dash", []api.Scope{api.ScopeRead}, time.Hour)
		require.NoError(t, err)
		_, err = e.keyClient(key.Token).Cluster(ctx, cl.ID)
		require.NoError(t, err)
		_, err = e.keyClient(key.Token).Deploy(ctx, deployBody(t, 1, 1))
		require.ErrorIs(t, err, iog.ErrForbidden)

		pub, err := e.client(nil).PublicCluster(ctx, cl.ID)
		require.NoError(t, err)
		require.Equal(t, renter.Wallet(), pub.Renter)
		require.Equal(t, []iog.DeviceID{dev.ID}, pub.Devices)
		placed, err := e.client(nil).PublicClusters(ctx, api.ClusterPlaced, "")
		require.NoError(t, err)
		require.Len(t, placed.Clusters, 1)
		_, err = e.client(nil).PublicClusters(ctx, "lost", "")
		require.ErrorIs(t, err, iog.ErrInvalid)
	}, withFaucet)
}

// TestClusterRestart: a new server on the same database continues placed
// clusters where they run, and ends them when their paid time is over,
// every hour paid.
func TestClusterRestart(t *testing.T) {
	var cfg *refserver.Config
	eachDialect(t, func(t *testing.T, e *env) {
		sup, dev := upDevice(t, e, 1, 1)
		renter := e.client(walletKey(7))
		_, err := renter.Faucet(ctx)
		require.NoError(t, err)
		cl, err := renter.Deploy(ctx, deployBody(t, 1, 2))
		require.NoError(t, err)
		require.NoError(t, e.server.ClusterRounds()(ctx))
		_, err = sup.c.RentalStarted(ctx, dev.ID, cl.ID)
		require.NoError(t, err)

		// Another device comes up: a scheduler built from nothing could
		// place the cluster there; the restored one keeps it.
		upDevice(t, e, 2, 1)
		require.NoError(t, e.server.Close())
		again, err := refserver.New(ctx, *cfg)
		require.NoError(t, err)
		t.Cleanup(func() { again.Close() })
		hs := httptest.NewServer(validating(t, again.Handler()))
		t.Cleanup(hs.Close)
		e.server, e.url = again, hs.URL
		renter = e.client(walletKey(7))

		round := again.ClusterRounds()
		require.NoError(t, round(ctx))
		got, err := renter.Cluster(ctx, cl.ID)
		require.NoError(t, err)
		require.Equal(t, api.ClusterRunning, got.Status, got.Reason)
		require.Equal(t, dev.ID, got.Devices[0].Device)
		require.True(t, got.Devices[0].Started)

		e.clock.Advance(2 * time.Hour)
		require.NoError(t, round(ctx))
		got, err = renter.Cluster(ctx, cl.ID)
		require.NoError(t, err)
		require.Equal(t, api.ClusterEnded, got.Status)
		require.Equal(t, "its paid time ended", got.Reason)
		require.Equal(t, 2, got.HoursSettled)
		require.Equal(t, got.Held, got.Cost)
		require.True(t, got.Refunded.IsZero())
		require.True(t, got.RefundedCredits.IsZero())
		require.Equal(t, iog.IOSD, got.RefundedCredits.Currency())
	}, withFaucet, func(c *refserver.Config) { cfg = c })
}

// TestClusterAcrossDevices: a cluster of more GPUs than a device has is
// placed across devices as a gang; each hour's suppliers' share splits by
// the GPUs each gives it; a reserved cluster terminated early pays all
// its hours.
func TestClusterAcrossDevices(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		round := e.server.ClusterRounds()
		alice, _ := upDevice(t, e, 1, 1)
		bob, _ := upDevice(t, e, 2, 1)
		renter := e.client(walletKey(7))
		_, err := renter.Faucet(ctx)
		require.NoError(t, err)
		start := e.balance(renter.Wallet())
		body := deployBody(t, 2, 3)
		body.Request.Commitment = pricing.Reserved
		cl, err := renter.Deploy(ctx, body)
		require.NoError(t, err)
		require.NoError(t, round(ctx))
		cl, err = renter.Cluster(ctx, cl.ID)
		require.NoError(t, err)
		require.Equal(t, api.ClusterPlaced, cl.Status, cl.Reason)
		require.Len(t, cl.Devices, 2)

		e.clock.Advance(10 * time.Minute)
		end, err := renter.TerminateCluster(ctx, cl.ID)
		require.NoError(t, err)
		require.Equal(t, 3, end.HoursSettled, "reserved: every hour is paid")
		require.Equal(t, end.Held, end.Cost)
		a, b := e.balance(walletOf(alice.key)).Available, e.balance(walletOf(bob.key)).Available
		diff, err := a.Sub(b)
		require.NoError(t, err)
		require.LessOrEqual(t, diff.Units()*diff.Units(), int64(9), "one GPU each: equal shares, to the base unit an hour")
		fees := e.balance(e.server.FeeAccount()).Available
		require.Equal(t, end.Cost, add(t, a, b, fees))
		require.Equal(t, start.Available, add(t, e.balance(renter.Wallet()).Available, a, b, fees))
	}, withFaucet)
}

// TestSchedulingLoop: the leader's loops place a deployed cluster on
// their own, on the server's clock.
func TestSchedulingLoop(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		upDevice(t, e, 1, 1)
		renter := e.client(walletKey(7))
		_, err := renter.Faucet(ctx)
		require.NoError(t, err)
		cl, err := renter.Deploy(ctx, deployBody(t, 1, 1))
		require.NoError(t, err)
		run, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- e.server.Run(run) }()
		defer func() { stop(); require.NoError(t, <-done) }()
		for i := 0; ; i++ {
			got, err := renter.Cluster(ctx, cl.ID)
			require.NoError(t, err)
			if got.Status == api.ClusterPlaced {
				break
			}
			require.Less(t, i, 500, "the cluster was never placed: %s", got.Reason)
			e.clock.Advance(time.Second)
			time.Sleep(10 * time.Millisecond)
		}
	}, withFaucet)
}

// TestClusterManifest: a renter reads its placed cluster as Config.Manifest
// writes it, from the cluster's view and its devices' public views;
// another wallet cannot; a server without Manifest exports none.
func TestClusterManifest(t *testing.T) {
	manifest := func(c api.Cluster, devices []api.Device) ([]byte, error) {
		if len(c.Devices) == 0 {
			return nil, fmt.Errorf("cluster %s is not placed: %w", c.ID, iog.ErrInvalid)
		}
		out := fmt.Sprintf("cluster: %s\n", c.ID)
		for _, d := range devices {
			out += fmt.Sprintf("device: %s %s %d\n", d.ID, d.Model, d.GPUCount)
		}
		return []byte(out), nil
	}
	eachDialect(t, func(t *testing.T, e *env) {
		round := e.server.ClusterRounds()
		_, d := upDevice(t, e, 1, 2)
		renter := e.client(walletKey(7))
		_, err := renter.Faucet(ctx)
		require.NoError(t, err)
		cl, err := renter.Deploy(ctx, deployBody(t, 2, 1))
		require.NoError(t, err)
		_, err = renter.ClusterManifest(ctx, cl.ID)
		require.ErrorIs(t, err, iog.ErrInvalid, "not placed yet")
		require.NoError(t, round(ctx))
		got, err := renter.ClusterManifest(ctx, cl.ID)
		require.NoError(t, err)
		require.Equal(t, api.ClusterManifest{Cluster: cl.ID, YAML: fmt.Sprintf("cluster: %s\ndevice: %s H100-SXM 2\n", cl.ID, d.ID)}, got)
		_, err = e.client(walletKey(8)).ClusterManifest(ctx, cl.ID)
		require.ErrorIs(t, err, iog.ErrForbidden, "another wallet's cluster")
	}, withFaucet, func(c *refserver.Config) { c.Manifest = manifest })

	e := newEnv(t, sqldb.SQLite, withFaucet)
	_, err := e.client(walletKey(7)).ClusterManifest(ctx, "5f0c6c1e-2d4b-4c51-9a8e-3b7f2e1d0a99")
	require.ErrorIs(t, err, iog.ErrNotFound)
	require.ErrorContains(t, err, "exports no cluster manifests")
}
