package refserver_test

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/pricing"
	"github.com/internetofgpus/iog/refserver"
	"github.com/internetofgpus/iog/refserver/store"
)

// What the crash and failover tests check after the kills, beside the
// ledger (checkStore): through the API, that each acknowledged stake and
// deployment is there exactly once; in the store, with no server running,
// the escrow of every cluster, the fee account, the epochs and the
// placements.

// crashStoreConfig is the store configuration of where (a data directory
// or a PostgreSQL DSN).
func crashStoreConfig(where string) store.Config {
	cfg := store.Config{Authority: crashAuthority}
	if strings.Contains(where, "host=") || strings.HasPrefix(where, "postgres") {
		cfg.PostgresDSN = where
	} else {
		cfg.Dir = where
	}
	return cfg
}

// caughtUp waits until the leader at e has settled every epoch that has
// ended but the last, one a round after the downtimes: then no epoch was
// lost, and the loops' writes leave the checks' reads alone.
func caughtUp(t *testing.T, e *env) {
	start := time.Now()
	for {
		list, err := e.realClient(nil).Blocks(ctx, iogsdk.Page{Limit: 1})
		if err == nil && len(list.Blocks) > 0 && time.Since(list.Blocks[0].Ended) < 2*crashEpoch {
			return
		}
		// A bound on a hang: the loop settles an epoch every tenth of one.
		require.Less(t, time.Since(start), 2*time.Minute, "the leader never caught up with the epochs: %v", err)
		time.Sleep(10 * time.Millisecond)
	}
}

// checkAcked checks, through a running server at e, that every stake,
// unstake and deployment the server acknowledged is there exactly once,
// and that what was asked for but not acknowledged is there at most once.
func checkAcked(t *testing.T, e *env, got *acked) {
	rest, err := crashStake.Sub(crashUnstake)
	require.NoError(t, err)
	zero := iog.Zero(iog.IO)
	for w, st := range got.stakes {
		ws, err := e.realClient(nil).Stakes(ctx, w)
		require.NoError(t, err)
		active, cooling := zero, zero
		for _, p := range ws.Positions {
			if p.Device == st.device {
				active = p.Active
			}
		}
		for _, c := range ws.Cooldowns {
			require.Equal(t, st.device, c.Device, "wallet %v cools only its own device's stake", w)
			require.Equal(t, crashUnstake, c.Amount, "wallet %v's one unstake", w)
		}
		require.LessOrEqual(t, len(ws.Cooldowns), 1, "wallet %v unstaked once", w)
		if len(ws.Cooldowns) == 1 {
			cooling = crashUnstake
		}
		total, err := active.Add(cooling)
		require.NoError(t, err)
		switch {
		case st.unstakeAcked:
			require.Equal(t, rest, active, "wallet %v's acknowledged stake less its acknowledged unstake, once", w)
			require.Equal(t, crashUnstake, cooling, "wallet %v's acknowledged unstake cools", w)
		case st.stakeAcked:
			require.Equal(t, crashStake, total, "wallet %v's acknowledged stake, once", w)
		default:
			require.Contains(t, []iog.Amount{zero, crashStake}, total, "wallet %v's stake asked for, at most once", w)
		}
		if !st.unstaking {
			require.True(t, cooling.IsZero(), "wallet %v never asked to unstake", w)
		}
		// Staked and cooling IO stays held in its staker's account.
		acct, err := e.realClient(nil).Account(ctx, w)
		require.NoError(t, err)
		for _, b := range acct.Balances {
			if b.Currency == iog.IO {
				require.Equal(t, total, b.Held, "wallet %v's stake is held in its account", w)
			}
		}
	}
	for w, ca := range got.clusters {
		list, err := e.realClient(ca.key).Clusters(ctx, "")
		require.NoError(t, err)
		require.LessOrEqual(t, len(list.Clusters), 1, "wallet %v deployed once", w)
		if !ca.acked {
			continue
		}
		require.Len(t, list.Clusters, 1, "wallet %v's acknowledged deployment", w)
		cl := list.Clusters[0]
		require.Equal(t, ca.id, cl.ID, "wallet %v's acknowledged deployment", w)
		if ca.terminate {
			require.Equal(t, api.ClusterEnded, cl.Status, "cluster %s's acknowledged termination", cl.ID)
		}
		if cl.Status == api.ClusterEnded {
			require.Equal(t, cl.Held, add(t, cl.Cost, cl.Refunded), "ended cluster %s: held = paid + refunded", cl.ID)
		}
	}
}

// checkNetwork opens the store at where, with no server running, and
// checks what no acknowledgement says: for every cluster, what was held
// is what was paid, refunded and is still held, to the unit, each hour's
// fees are what the cluster's terms say, and the fee account holds those
// fees less what the buy-backs spent; each faucet grant is minted once;
// the epochs are numbered and timed without a gap or a repeat; no device
// holds more GPUs in clusters than it has and no live cluster more
// devices than it asked for. It returns what it checked.
func checkNetwork(t *testing.T, where string, got *acked) networkChecked {
	cfg := crashStoreConfig(where)
	srv, err := refserver.New(ctx, refserver.Config{DataDir: cfg.Dir, PostgresDSN: cfg.PostgresDSN, Authority: crashAuthority, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	feeAccount, rewardsAccount := srv.FeeAccount(), srv.RewardsAccount()
	require.NoError(t, srv.Close())
	st, err := store.Open(ctx, cfg)
	require.NoError(t, err)
	defer st.Close()
	led := st.Ledger()

	for w := range got.faucets {
		var n int
		require.NoError(t, st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM ledger_entries WHERE key LIKE $1", "faucet:"+w.String()+":%").Scan(&n))
		require.Equal(t, 2, n, "wallet %v's faucet grant (IO and USDC), once", w)
	}

	var clusters []store.Cluster
	var epochs []store.Epoch
	devices := map[iog.DeviceID]store.Device{}
	placed := map[iog.ClusterID][]store.ClusterDevice{}
	require.NoError(t, st.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if clusters, err = tx.Clusters(store.ClusterFilter{Limit: 1 << 20}); err != nil {
			return err
		}
		if epochs, err = tx.Epochs(0, 1<<20); err != nil {
			return err
		}
		for _, c := range clusters {
			ds, err := tx.ClusterDevices(c.ID)
			if err != nil {
				return err
			}
			placed[c.ID] = ds
			for _, d := range ds {
				if devices[d.Device], err = tx.Device(d.Device); err != nil {
					return err
				}
			}
		}
		return nil
	}))

	fees := map[iog.Currency]iog.Amount{iog.IO: iog.Zero(iog.IO), iog.USDC: iog.Zero(iog.USDC)}
	for _, c := range clusters {
		held, paid, refunded := iog.Zero(c.Paid.Currency()), c.Paid, c.Refunded
		stillHeld := iog.Zero(c.Paid.Currency())
		for _, term := range c.Terms {
			held = addOne(t, held, term.Held)
			var remaining int64
			err := st.DB().QueryRowContext(ctx, "SELECT remaining FROM ledger_holds WHERE key = $1", term.Hold).Scan(&remaining)
			require.NoError(t, err, "cluster %s's hold %s", c.ID, term.Hold)
			stillHeld = addOne(t, stillHeld, iog.NewAmount(remaining, held.Currency()))
		}
		require.Equal(t, held, addOne(t, addOne(t, paid, refunded), stillHeld), "cluster %s: held = paid + refunded + still held", c.ID)
		if c.Status == string(api.ClusterEnded) {
			require.True(t, stillHeld.IsZero(), "ended cluster %s holds nothing", c.ID)
		}
		for h := 1; h <= c.Settled; h++ {
			key := fmt.Sprintf("cluster:%s:hour:%d", c.ID, h)
			_, err := led.Entry(ctx, key+":refund")
			if err == nil {
				continue // an hour on no device went back to the renter
			}
			require.ErrorIs(t, err, iog.ErrNotFound)
			want := hourFees(t, c, h)
			entry, err := led.Entry(ctx, key+":fees")
			if want.IsZero() {
				require.ErrorIs(t, err, iog.ErrNotFound, "cluster %s hour %d pays no fees", c.ID, h)
				continue
			}
			require.NoError(t, err, "cluster %s hour %d's fees", c.ID, h)
			require.Equal(t, feeAccount, entry.Op.To)
			require.Equal(t, want, entry.Op.Amount, "cluster %s hour %d's fees, by its terms", c.ID, h)
			fees[want.Currency()] = addOne(t, fees[want.Currency()], want)
		}
		// A live cluster is on at most the GPUs it asked for.
		var req pricing.Request
		require.NoError(t, req.UnmarshalJSON(c.Request))
		gpus := 0
		for _, d := range placed[c.ID] {
			gpus += len(d.GPUs)
		}
		require.LessOrEqual(t, gpus, req.GPUCount, "cluster %s placed once", c.ID)
	}
	// No device gives more than it has to the clusters placed on it now
	// (an ended cluster keeps the record of where it ran).
	share := map[iog.DeviceID]int{}
	for _, c := range clusters {
		if c.Status != string(api.ClusterPlaced) && c.Status != string(api.ClusterRunning) {
			continue
		}
		for _, d := range placed[c.ID] {
			share[d.Device] += len(d.GPUs) * d.Share
		}
	}
	for id, s := range share {
		require.LessOrEqual(t, s, devices[id].GPUCount*1000, "device %s is not placed twice", id)
	}

	// The epochs follow one another from 1, each EpochLength long.
	for i, e := range epochs {
		want := uint64(len(epochs) - i)
		require.Equal(t, want, e.Number, "epochs settled once each, none skipped")
		require.Equal(t, crashEpoch, e.Ended.Sub(e.Started), "epoch %d's length", e.Number)
		require.False(t, e.Settled.Before(e.Ended), "epoch %d settled after it ended", e.Number)
		if i > 0 {
			require.Equal(t, epochs[i].Ended, epochs[i-1].Started, "epoch %d starts where %d ended", e.Number+1, e.Number)
		}
	}
	spent := map[iog.Currency]iog.Amount{iog.IO: iog.Zero(iog.IO), iog.USDC: iog.Zero(iog.USDC)}
	for _, e := range epochs {
		spent[iog.IO] = addOne(t, spent[iog.IO], e.RevenueIO)
		spent[iog.USDC] = addOne(t, spent[iog.USDC], e.RevenueUSDC)
	}
	for _, cur := range []iog.Currency{iog.IO, iog.USDC} {
		b, err := led.Balance(ctx, feeAccount, cur)
		if errors.Is(err, iog.ErrNotFound) {
			require.True(t, fees[cur].IsZero(), "fees in %v but no fee account", cur)
			continue
		}
		require.NoError(t, err)
		want, err := fees[cur].Sub(spent[cur])
		require.NoError(t, err)
		require.Equal(t, want, addOne(t, b.Available, b.Held), "the fee account's %v: the clusters' fees less the buy-backs", cur)
	}
	checkRewards(t, st, rewardsAccount, epochs)
	return networkChecked{epochs: len(epochs), clusters: len(clusters), fees: fees[iog.USDC]}
}

// checkRewards checks the block rewards against the epochs: each epoch
// minted what it allotted its stakers, once, into the rewards account,
// and what it left unpaid into the unpaid account; its shares add up to
// what it allotted; every claim was paid once, by its own ledger entry,
// exactly the shares it took; and the rewards account holds exactly what
// is allotted and unclaimed.
func checkRewards(t *testing.T, st *store.Store, rewardsAccount iog.WalletAddress, epochs []store.Epoch) {
	led := st.Ledger()
	allotted := iog.Zero(iog.IO)
	for _, e := range epochs {
		for _, m := range []struct {
			key  string
			want iog.Amount
		}{{fmt.Sprintf("epoch-%d:rewards", e.Number), e.Paid}, {fmt.Sprintf("epoch-%d:unpaid", e.Number), e.Unpaid}} {
			entry, err := led.Entry(ctx, m.key)
			if m.want.IsZero() {
				require.ErrorIs(t, err, iog.ErrNotFound, "epoch %d mints nothing under %s", e.Number, m.key)
				continue
			}
			require.NoError(t, err, "epoch %d's mint %s", e.Number, m.key)
			require.Equal(t, m.want, entry.Op.Amount, "epoch %d's mint %s", e.Number, m.key)
		}
		var shares int64
		require.NoError(t, st.DB().QueryRowContext(ctx, "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM reward_shares WHERE epoch = $1", int64(e.Number)).Scan(&shares))
		require.Equal(t, e.Paid.Units(), shares, "epoch %d's shares add up to what it allotted", e.Number)
		allotted = addOne(t, allotted, e.Paid)
	}
	var totals store.RewardTotals
	require.NoError(t, st.ReadTx(ctx, func(tx *store.Tx) (err error) {
		totals, err = tx.RewardTotals()
		return err
	}))
	require.Equal(t, allotted, totals.Allotted, "no share without its epoch")
	require.Equal(t, totals.Claimed, totals.Paid, "every claim paid the shares it took")
	rows, err := st.DB().QueryContext(ctx, "SELECT id, amount FROM reward_claims")
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var c store.RewardClaim
		var units int64
		require.NoError(t, rows.Scan(&c.ID, &units))
		entry, err := led.Entry(ctx, c.Key())
		require.NoError(t, err, "claim %d's payment", c.ID)
		require.Equal(t, iog.NewAmount(units, iog.IO), entry.Op.Amount, "claim %d's payment", c.ID)
		require.Equal(t, rewardsAccount, entry.Op.From)
	}
	require.NoError(t, rows.Err())
	held := iog.Zero(iog.IO)
	b, err := led.Balance(ctx, rewardsAccount, iog.IO)
	if !errors.Is(err, iog.ErrNotFound) {
		require.NoError(t, err)
		held = addOne(t, b.Available, b.Held)
	}
	unclaimed, err := totals.Allotted.Sub(totals.Claimed)
	require.NoError(t, err)
	require.Equal(t, unclaimed, held, "the rewards account holds what is allotted and unclaimed")
}

// networkChecked is what checkNetwork found to check.
type networkChecked struct {
	epochs, clusters int
	fees             iog.Amount // in USDC, the clusters' payment
}

// hourFees is what hour h of c pays the fee account by its terms: the
// fee lines of h hours of the term's price pro rata, less those of h-1.
func hourFees(t *testing.T, c store.Cluster, h int) iog.Amount {
	for _, term := range c.Terms {
		if h <= term.From || h > term.From+term.Hours {
			continue
		}
		after := func(k int) iog.Amount {
			r, err := iog.NewRate(uint64(k), uint64(term.Hours))
			require.NoError(t, err)
			price, err := term.Price.MulRate(r, iog.RoundDown)
			require.NoError(t, err)
			f, err := term.Fees.Apply(price, term.Payout)
			require.NoError(t, err)
			return f.Total
		}
		fee, err := after(h - term.From).Sub(after(h - term.From - 1))
		require.NoError(t, err)
		return fee
	}
	t.Fatalf("cluster %s has no term for hour %d", c.ID, h)
	return iog.Amount{}
}

func addOne(t *testing.T, a, b iog.Amount) iog.Amount {
	sum, err := a.Add(b)
	require.NoError(t, err)
	return sum
}
