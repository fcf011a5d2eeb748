package refserver_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// TestEarningsHistory: a wallet's earnings of its last days, a UTC day a
// bucket, are exactly the block rewards its device was allotted, the
// payouts of the cluster hours it ran, and, for the renter, the fees its
// cluster paid.
func TestEarningsHistory(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		round := e.server.ClusterRounds()
		alice := newSupplier(t, e, 1, "H100-SXM", 1)
		d := alice.register(t)
		stake(t, e.server.Store(), d, "2000 IO")
		anon := e.client(nil)
		for range 6 {
			for range 2 {
				alice.beat(t, e, d.ID, true)
				e.clock.Advance(30 * time.Minute)
			}
			require.NoError(t, e.server.SettleEpoch(ctx))
		}
		rewards := iog.Zero(iog.IO)
		for _, n := range []uint64{5, 6} {
			b, err := anon.Block(ctx, n, iogsdk.Page{})
			require.NoError(t, err)
			var err2 error
			rewards, err2 = rewards.Add(b.Block.Paid)
			require.NoError(t, err2)
		}
		require.False(t, rewards.IsZero(), "alice earned epochs 5 and 6")

		renter := e.client(walletKey(7))
		_, err := renter.Faucet(ctx)
		require.NoError(t, err)
		cl, err := renter.Deploy(ctx, deployBody(t, 1, 1))
		require.NoError(t, err)
		require.NoError(t, round(ctx))
		alice.beat(t, e, d.ID, false)
		e.clock.Advance(time.Hour)
		alice.beat(t, e, d.ID, false)
		require.NoError(t, round(ctx))
		cl, err = renter.Cluster(ctx, cl.ID)
		require.NoError(t, err)
		require.Equal(t, 1, cl.HoursSettled, cl.Reason)
		paid := e.balance(walletOf(alice.key)).Available
		fees := e.balance(e.server.FeeAccount()).Available
		require.Equal(t, cl.Cost, add(t, paid, fees))

		day := time.Date(t0.Year(), t0.Month(), t0.Day(), 0, 0, 0, 0, time.UTC)
		require.Equal(t, day, time.Date(e.clock.Now().Year(), e.clock.Now().Month(), e.clock.Now().Day(), 0, 0, 0, 0, time.UTC), "the test runs in a day")
		zero := iog.Zero(iog.IO)
		history := func(w iog.WalletAddress, days int) api.EarningsHistory {
			t.Helper()
			h, err := anon.EarningsHistory(ctx, w, days)
			require.NoError(t, err)
			for i := range h.Days {
				h.Days[i].Day = h.Days[i].Day.UTC()
			}
			return h
		}
		require.Equal(t, api.EarningsHistory{Wallet: walletOf(alice.key), Days: []api.EarningsDay{
			{Day: day.AddDate(0, 0, -1), Rewards: zero, Rentals: []iog.Amount{}, Fees: []iog.Amount{}},
			{Day: day, Rewards: rewards, Rentals: []iog.Amount{paid}, Fees: []iog.Amount{}},
		}}, history(walletOf(alice.key), 2))
		require.Equal(t, api.EarningsHistory{Wallet: renter.Wallet(), Days: []api.EarningsDay{
			{Day: day, Rewards: zero, Rentals: []iog.Amount{}, Fees: []iog.Amount{fees}},
		}}, history(renter.Wallet(), 1))
		require.Len(t, history(renter.Wallet(), 0).Days, 30, "30 days by default")
		require.Len(t, history(renter.Wallet(), 90).Days, 90)
		for _, bad := range []string{"0", "91", "x", "-1"} {
			status, _, _ := e.raw("GET", "/v1/accounts/"+renter.Wallet().String()+"/earnings?days="+bad, nil, nil)
			require.Equal(t, http.StatusBadRequest, status, bad)
		}
	}, withFaucet, epochConfig)
}
