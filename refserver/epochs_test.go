package refserver_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/internal/sqltest"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/pricing"
	"github.com/internetofgpus/iog/refserver"
	"github.com/internetofgpus/iog/refserver/store"
	"github.com/internetofgpus/iog/tokenomics"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// epochConfig runs hourly epochs from t0, with a heartbeat timeout long
// enough for the tests to beat every half hour.
func epochConfig(c *refserver.Config) {
	c.Genesis, c.EpochLength, c.HeartbeatTimeout = t0, time.Hour, 2*time.Hour
}

// beat sends the device a heartbeat and answers the proofs it owes when
// prove is set.
func (s *supplier) beat(t *testing.T, e *env, d iog.DeviceID, prove bool) {
	resp, err := s.c.Heartbeat(ctx, d, api.Heartbeat{})
	require.NoError(t, err)
	if !prove || len(resp.Tasks) == 0 {
		return
	}
	var answers []gpu.ProofAnswer
	for _, task := range resp.Tasks {
		id, err := gpu.ParseNonce(task.ID)
		require.NoError(t, err)
		a, err := gpu.Solve(ctx, gpu.ProofTask{ID: id, Device: d, GPU: task.GPU, Model: task.Model, N: task.N, Steps: task.Steps, Issued: task.Issued, Deadline: task.Deadline})
		require.NoError(t, err)
		answers = append(answers, a)
	}
	results, err := s.c.SubmitProofs(ctx, d, answers)
	require.NoError(t, err)
	for _, r := range results.Results {
		require.True(t, r.Accepted, r.Reason)
	}
}

// stake stakes amount of the owner's IO on a device, minted to the owner
// and held, as the staking area does; the device is in the stake book
// from its registration, with the requirement of its hardware from its
// first accepted report.
func stake(t *testing.T, s *store.Store, d api.Device, amount string) {
	owner := d.Owner
	a := iog.MustParseAmount(amount)
	require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
		records, err := tx.LoadStake([]iog.DeviceID{d.ID})
		if err != nil {
			return err
		}
		book := tokenomics.NewStakeBook(tokenomics.StakingConfig{})
		if err := book.Restore(records); err != nil {
			return err
		}
		if err := book.Stake(d.ID, owner, a); err != nil {
			return err
		}
		if _, err := tx.Apply(ledger.Op{Kind: ledger.Open, Key: "open:" + owner.String(), Reason: "test", To: owner}); err != nil && !errors.Is(err, ledger.ErrReplayed) {
			return err
		}
		_, err = tx.Apply(
			ledger.Op{Kind: ledger.Mint, Key: "test-stake-mint:" + string(d.ID), Reason: "test", To: owner, Amount: a},
			ledger.Op{Kind: ledger.Hold, Key: "test-stake:" + string(d.ID), Reason: "test", From: owner, Amount: a},
		)
		if err != nil {
			return err
		}
		return tx.SaveStake([]iog.DeviceID{d.ID}, book.Records())
	}))
}

// ioSupply is the IO on the server's ledger.
func ioSupply(t *testing.T, e *env) iog.Amount {
	a, err := e.server.Store().Ledger().Supply(ctx, iog.IO)
	require.NoError(t, err)
	return a
}

func ioBalance(t *testing.T, e *env, w iog.WalletAddress) iog.Amount {
	b, err := e.server.Store().Ledger().Balance(ctx, w, iog.IO)
	require.NoError(t, err)
	return b.Available
}

func reasonOf(t *testing.T, detail api.BlockDetail, d iog.DeviceID) (bool, string) {
	for _, bd := range detail.Devices {
		if bd.Device == d {
			return bd.Rewarded, bd.Reason
		}
	}
	t.Fatalf("device %s is not in block %d", d, detail.Block.Number)
	return false, ""
}

// TestEpochNomination: the epoch nominates by tokenomics.Nominate, and
// pays by io.net's two pools: a hired device skips the proof of work, a
// device below the Low connectivity tier is not nominated, enterprise
// cards share the Enterprise pool and a consumer card has the Community
// pool.
func TestEpochNomination(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		alice := newSupplier(t, e, 1, "H100-SXM", 1) // proven: Enterprise
		bob := newSupplier(t, e, 2, "A100-80GB", 1)  // never proven, hired: Enterprise
		// proven, slow: not nominated. Its 76 Mb/s up meets the worker
		// minimums' 75 Mb/s, but not the Low tier's 10 MB/s (80 Mb/s).
		carol := newSupplier(t, e, 3, "RTX-4090", 1)
		dave := newSupplier(t, e, 4, "RTX-4090", 1) // proven: Community
		da, db, dd := alice.register(t), bob.register(t), dave.register(t)
		reg, err := carol.c.RegisterDevice(ctx, api.RegisterDeviceRequest{
			Name: "rig", TunnelKey: carol.key.Public().(ed25519.PublicKey), Location: "US/Virginia",
			Bandwidth: api.Bandwidth{DownBytesPerSec: 50 << 20, UpBytesPerSec: 9_500_000},
		})
		require.NoError(t, err)
		dc, err := carol.report(reg.Challenge)
		require.NoError(t, err)
		stake(t, e.server.Store(), da, "2000 IO")
		stake(t, e.server.Store(), db, "1000 IO")
		stake(t, e.server.Store(), dc, "250 IO")
		stake(t, e.server.Store(), dd, "250 IO")
		require.NoError(t, e.server.Store().Tx(ctx, func(tx *store.Tx) error {
			return tx.SetClusterDevices("cluster-1", []store.ClusterDevice{{Cluster: "cluster-1", Device: db.ID, GPUs: []int{0}, Share: 1000}})
		}))
		anon := e.client(nil)
		for hour := 1; hour <= 5; hour++ {
			for half := 0; half < 2; half++ {
				alice.beat(t, e, da.ID, true)
				bob.beat(t, e, db.ID, false)
				carol.beat(t, e, dc.ID, true)
				dave.beat(t, e, dd.ID, true)
				e.clock.Advance(30 * time.Minute)
			}
			require.NoError(t, e.server.SettleEpoch(ctx))
		}
		detail, err := anon.Block(ctx, 5, iogsdk.Page{})
		require.NoError(t, err)
		pools := map[iog.DeviceID]string{}
		for _, d := range detail.Devices {
			pools[d.Device] = d.Pool
		}
		require.Equal(t, map[iog.DeviceID]string{da.ID: "Enterprise", db.ID: "Enterprise", dc.ID: "", dd.ID: "Community"}, pools)
		_, reason := reasonOf(t, detail, dc.ID)
		require.Equal(t, "connectivity below the Low tier", reason)
		require.True(t, detail.Block.Unpaid.IsZero(), "both pools paid")
		enterprise, err := detail.Block.Emission.MulRate(tokenomics.DefaultEnterpriseShare, iog.RoundDown)
		require.NoError(t, err)
		var alicePaid, bobPaid, davePaid iog.Amount
		for _, d := range detail.Devices {
			switch d.Device {
			case da.ID:
				alicePaid = d.Reward
			case db.ID:
				bobPaid = d.Reward
			case dd.ID:
				davePaid = d.Reward
			}
		}
		sum, err := alicePaid.Add(bobPaid)
		require.NoError(t, err)
		require.Equal(t, enterprise, sum, "the H100 and the A100 share the Enterprise pool")
		require.InDelta(t, 2*bobPaid.Units(), alicePaid.Units(), 2, "multiplier 10 against 5")
		community, err := detail.Block.Emission.Sub(enterprise)
		require.NoError(t, err)
		require.Equal(t, community, davePaid, "the only consumer card has the Community pool")
	}, epochConfig)
}

// TestEpochRewardsFollowTheConfig: the server's reward rules are its
// configuration's: a shorter uptime rule nominates a device sooner.
func TestEpochRewardsFollowTheConfig(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		alice := newSupplier(t, e, 1, "H100-SXM", 1)
		da := alice.register(t)
		stake(t, e.server.Store(), da, "2000 IO")
		for half := 0; half < 2; half++ {
			alice.beat(t, e, da.ID, true)
			e.clock.Advance(30 * time.Minute)
		}
		require.NoError(t, e.server.SettleEpoch(ctx))
		detail, err := e.client(nil).Block(ctx, 1, iogsdk.Page{})
		require.NoError(t, err)
		rewarded, reason := reasonOf(t, detail, da.ID)
		require.True(t, rewarded, reason)
		require.Equal(t, detail.Block.Emission, detail.Block.Paid, "the whole emission to the Enterprise pool")
	}, epochConfig, func(c *refserver.Config) {
		c.Rewards = tokenomics.RewardConfig{EnterpriseShare: iog.BasisPoints(10_000), Nomination: tokenomics.NominationRules{MinUptime: time.Hour}}
	})
}

// TestEpochRewards: epochs settle in order and once; the eligible device
// earns from the hour it has five hours of unbroken uptime; the others
// fail with their reasons; what is minted is what is paid plus what is
// unpaid, and the supply on the ledger grows by exactly the emission.
func TestEpochRewards(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		alice := newSupplier(t, e, 1, "H100-SXM", 1) // proven, staked: earns
		bob := newSupplier(t, e, 2, "A100-80GB", 1)  // staked, never proven
		carol := newSupplier(t, e, 3, "L40S", 1)     // proven, no stake
		dave := newSupplier(t, e, 4, "RTX-4090", 1)  // proven, staked too little
		da, db, dc, dd := alice.register(t), bob.register(t), carol.register(t), dave.register(t)
		stake(t, e.server.Store(), da, "2000 IO")
		stake(t, e.server.Store(), db, "2000 IO")
		stake(t, e.server.Store(), dd, "10 IO")
		anon := e.client(nil)

		before := ioSupply(t, e)
		aliceBefore := ioBalance(t, e, da.Owner)
		var emitted iog.Amount = iog.Zero(iog.IO)
		for hour := 1; hour <= 6; hour++ {
			for half := 0; half < 2; half++ {
				alice.beat(t, e, da.ID, true)
				bob.beat(t, e, db.ID, false)
				carol.beat(t, e, dc.ID, true)
				dave.beat(t, e, dd.ID, true)
				e.clock.Advance(30 * time.Minute)
			}
			require.NoError(t, e.server.SettleEpoch(ctx))
			require.NoError(t, e.server.SettleEpoch(ctx), "a second run finds nothing due")
			detail, err := anon.Block(ctx, uint64(hour), iogsdk.Page{})
			require.NoError(t, err)
			require.Equal(t, 4, detail.Block.Nominated)
			require.Equal(t, detail.Block.Nominated, detail.Block.Rewarded+detail.Block.Failed)
			sum, err := detail.Block.Paid.Add(detail.Block.Unpaid)
			require.NoError(t, err)
			require.Equal(t, detail.Block.Emission, sum, "minted = paid + unpaid")
			require.Equal(t, tokenomics.IONet().Emission(uint64(hour)), detail.Block.Emission)
			emitted, err = emitted.Add(detail.Block.Emission)
			require.NoError(t, err)

			rewarded, reason := reasonOf(t, detail, da.ID)
			if hour < 5 {
				require.False(t, rewarded)
				require.Contains(t, reason, fmt.Sprintf("uptime %d h of the 5 h needed", hour), "tokenomics.Nominate's words")
			} else {
				require.True(t, rewarded, reason)
				require.Equal(t, 1, detail.Block.Rewarded)
				enterprise, err := detail.Block.Emission.MulRate(tokenomics.DefaultEnterpriseShare, iog.RoundDown)
				require.NoError(t, err)
				require.Equal(t, enterprise, detail.Block.Paid, "the one eligible device, an H100, earns the Enterprise pool; the empty Community pool is unpaid")
				for _, d := range detail.Devices {
					if d.Device == da.ID {
						require.Equal(t, "Enterprise", d.Pool)
					}
				}
			}
			_, reason = reasonOf(t, detail, db.ID)
			require.Contains(t, reason, tokenomics.ProofReason)
			require.Contains(t, reason, "has never passed a proof of compute", "the verifier's word on why")
			if hour == 6 {
				_, reason = reasonOf(t, detail, dc.ID)
				require.Contains(t, reason, "stake 0 IO of the 600 IO required", "registered with its hardware's requirement (an L40S, 3), and no stake")
				_, reason = reasonOf(t, detail, dd.ID)
				require.Contains(t, reason, "stake 10 IO of the 250 IO required", "an RTX-4090, 1.25")
			}
		}
		detail, err := anon.Block(ctx, 6, iogsdk.Page{})
		require.NoError(t, err)
		five, err := anon.Block(ctx, 5, iogsdk.Page{})
		require.NoError(t, err)

		after := ioSupply(t, e)
		grown, err := after.Sub(before)
		require.NoError(t, err)
		require.Equal(t, emitted, grown, "minted − burned = supply change")
		both, err := detail.Block.Paid.Add(five.Block.Paid)
		require.NoError(t, err)
		acct, err := anon.Account(ctx, da.Owner)
		require.NoError(t, err)
		require.Equal(t, both, acct.Unclaimed, "Alice earned epochs 5 and 6, to claim")
		require.Equal(t, aliceBefore, ioBalance(t, e, da.Owner), "not in her balance until she claims")
		claim, err := alice.c.ClaimRewards(ctx)
		require.NoError(t, err)
		require.Equal(t, both, claim.Amount)
		require.Equal(t, 2, claim.Shares, "one a device and epoch")
		require.Equal(t, []uint64{5, 6}, []uint64{claim.FirstEpoch, claim.LastEpoch})
		require.True(t, claim.Account.Unclaimed.IsZero())
		earned, err := ioBalance(t, e, da.Owner).Sub(aliceBefore)
		require.NoError(t, err)
		require.Equal(t, both, earned, "the claim paid epochs 5 and 6")
		_, err = alice.c.ClaimRewards(ctx)
		require.ErrorIs(t, err, iog.ErrNotFound, "nothing left to claim")
		earned, err = ioBalance(t, e, da.Owner).Sub(aliceBefore)
		require.NoError(t, err)
		require.Equal(t, both, earned, "and a second claim pays nothing")
		_, err = bob.c.ClaimRewards(ctx)
		require.ErrorIs(t, err, iog.ErrNotFound, "Bob earned nothing")

		blocks, err := anon.Blocks(ctx, iogsdk.Page{Limit: 4})
		require.NoError(t, err)
		require.Len(t, blocks.Blocks, 4)
		for i, b := range blocks.Blocks {
			require.Equal(t, uint64(6-i), b.Number, "the latest first")
			require.Equal(t, t0.Add(time.Duration(b.Number)*time.Hour), b.Ended.UTC())
		}
		require.Equal(t, uint64(3), blocks.Next)
		rest, err := anon.Blocks(ctx, iogsdk.Page{Cursor: "3"})
		require.NoError(t, err)
		require.Len(t, rest.Blocks, 2)
		require.Zero(t, rest.Next)

		supply, err := anon.Supply(ctx)
		require.NoError(t, err)
		require.Equal(t, uint64(6), supply.Epoch)
		require.Equal(t, tokenomics.IONet().Supply(6), supply.Total)
		require.Equal(t, emitted, supply.Emitted)
		require.Equal(t, after, supply.Circulating)
		require.Len(t, supply.Curve, 20)
		require.Equal(t, tokenomics.IONetMaxSupply, supply.Curve[19].Supply)
		require.Equal(t, tokenomics.IONet().Emission(7), supply.NextEmission)

		_, err = anon.Block(ctx, 7, iogsdk.Page{})
		require.ErrorIs(t, err, iog.ErrNotFound)
	}, epochConfig)
}

// TestEpochBuyBack: the fee account's IO is burned and its USDC buys IO
// from the market, as far as the market holds IO, and is burned; the
// supply falls by what was burned.
func TestEpochBuyBack(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		s := e.server.Store()
		fees, market := refserver.NetworkAccounts(e.server)
		require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
			var ops []ledger.Op
			for _, w := range []iog.WalletAddress{fees, market} {
				ops = append(ops, ledger.Op{Kind: ledger.Open, Key: "open:" + w.String(), Reason: "test", To: w})
			}
			ops = append(ops,
				ledger.Op{Kind: ledger.Mint, Key: "fees-io", Reason: "test", To: fees, Amount: iog.MustParseAmount("3 IO")},
				ledger.Op{Kind: ledger.Mint, Key: "fees-usdc", Reason: "test", To: fees, Amount: iog.MustParseAmount("37 USDC")},
				ledger.Op{Kind: ledger.Mint, Key: "market-io", Reason: "test", To: market, Amount: iog.MustParseAmount("10 IO")},
			)
			_, err := tx.Apply(ops...)
			return err
		}))
		before := ioSupply(t, e)
		e.clock.Advance(time.Hour)
		require.NoError(t, e.server.SettleEpoch(ctx))
		blocks, err := e.client(nil).Blocks(ctx, iogsdk.Page{})
		require.NoError(t, err)
		require.Len(t, blocks.Blocks, 1)
		b := blocks.Blocks[0]
		require.Equal(t, "1.85", b.IOPrice.String())
		require.Equal(t, iog.MustParseAmount("3 IO"), b.RevenueIO)
		require.Equal(t, iog.MustParseAmount("18.5 USDC"), b.RevenueUSDC, "the market's 10 IO is worth 18.50 USDC")
		require.Equal(t, iog.MustParseAmount("13 IO"), b.Burned)
		after := ioSupply(t, e)
		want, err := before.Add(b.Emission)
		require.NoError(t, err)
		want, err = want.Sub(b.Burned)
		require.NoError(t, err)
		require.Equal(t, want, after, "minted − burned = supply change")
		supply, err := e.client(nil).Supply(ctx)
		require.NoError(t, err)
		require.Equal(t, b.Burned, supply.Burned)
		total, err := tokenomics.IONet().Supply(1).Sub(b.Burned)
		require.NoError(t, err)
		require.Equal(t, total, supply.Total)
	}, epochConfig)
}

// TestEpochCatchUp: after a downtime the step settles the missed epochs
// one a round, oldest first, and then nothing until the next is due.
func TestEpochCatchUp(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		e.clock.Advance(30 * time.Minute)
		require.NoError(t, e.server.SettleEpoch(ctx))
		blocks, err := e.client(nil).Blocks(ctx, iogsdk.Page{})
		require.NoError(t, err)
		require.Empty(t, blocks.Blocks, "epoch 1 has not ended")
		e.clock.Advance(3 * time.Hour)
		for n := 1; n <= 3; n++ {
			require.NoError(t, e.server.SettleEpoch(ctx))
			blocks, err := e.client(nil).Blocks(ctx, iogsdk.Page{})
			require.NoError(t, err)
			require.Len(t, blocks.Blocks, n)
			require.Equal(t, uint64(n), blocks.Blocks[0].Number)
		}
		require.NoError(t, e.server.SettleEpoch(ctx))
		blocks, err = e.client(nil).Blocks(ctx, iogsdk.Page{})
		require.NoError(t, err)
		require.Len(t, blocks.Blocks, 3, "epoch 4 ends at 4h")
	}, epochConfig)
}

// TestEpochGenesisStored: without a configured genesis the first step
// stores the server's time, and a restart keeps the numbering; a
// configured genesis other than the stored one is refused.
func TestEpochGenesisStored(t *testing.T) {
	dir := t.TempDir()
	clock := iog.NewManualClock(t0)
	open := func(genesis time.Time) *refserver.Server {
		s, err := refserver.New(ctx, refserver.Config{DataDir: dir, Authority: walletKey(9), Logger: slog.New(slog.DiscardHandler), Clock: clock, Genesis: genesis})
		require.NoError(t, err)
		return s
	}
	s := open(time.Time{})
	require.NoError(t, s.SettleEpoch(ctx))
	require.NoError(t, s.Close())
	clock.Advance(90 * time.Minute)
	s = open(time.Time{})
	require.NoError(t, s.SettleEpoch(ctx))
	require.NoError(t, s.Store().Tx(ctx, func(tx *store.Tx) error {
		last, ok, err := tx.LastEpoch()
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, uint64(1), last.Number)
		require.Equal(t, t0.Add(time.Hour), last.Ended)
		return nil
	}))
	require.NoError(t, s.Close())
	s = open(t0.Add(time.Minute))
	defer s.Close()
	require.ErrorIs(t, s.SettleEpoch(ctx), iog.ErrConflict)
}

// TestEpochTwoServers: two servers on one PostgreSQL running the step at
// the same time settle each epoch once.
func TestEpochTwoServers(t *testing.T) {
	_, dsn := sqltest.OpenDSN(t, sqldb.Postgres)
	clock := iog.NewManualClock(t0)
	var servers []*refserver.Server
	for range 2 {
		s, err := refserver.New(ctx, refserver.Config{PostgresDSN: dsn, Authority: walletKey(9), Logger: slog.New(slog.DiscardHandler), Clock: clock, Genesis: t0})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		servers = append(servers, s)
	}
	clock.Advance(3*time.Hour + time.Minute)
	for range 4 {
		var wg sync.WaitGroup
		errs := make([]error, len(servers))
		for i, s := range servers {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = s.SettleEpoch(ctx) }()
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
	}
	require.NoError(t, servers[0].Store().Tx(ctx, func(tx *store.Tx) error {
		epochs, err := tx.Epochs(0, 10)
		require.NoError(t, err)
		require.Len(t, epochs, 3)
		return nil
	}))
	want := tokenomics.Emitted(tokenomics.IONet(), 1, 3)
	got, err := servers[1].Store().Ledger().Supply(ctx, iog.IO)
	require.NoError(t, err)
	require.Equal(t, want, got, "each epoch minted once")
	require.NoError(t, servers[0].Store().Ledger().Verify(ctx))
}

// TestExplorer: devices by model, region and state, verified suppliers
// and the price board, against the document's schemas.
func TestExplorer(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		alice := newSupplier(t, e, 1, "H100-SXM", 2)
		bob := newSupplier(t, e, 2, "A100-80GB", 1)
		da := alice.register(t)
		bob.register(t)
		_, err := bob.c.RegisterDevice(ctx, api.RegisterDeviceRequest{Name: "later", TunnelKey: bob.key.Public().(ed25519.PublicKey), Location: "DE/Berlin"})
		require.NoError(t, err)
		alice.beat(t, e, da.ID, false)
		anon := e.client(nil)

		stats, err := anon.DeviceStats(ctx)
		require.NoError(t, err)
		require.Equal(t, 3, stats.Devices)
		require.Equal(t, 3, stats.GPUs)
		require.Equal(t, 1, stats.Up)
		require.Equal(t, []api.Count{{Name: "active", Devices: 2, GPUs: 3}, {Name: "pending", Devices: 1}}, stats.ByState)
		require.Equal(t, []api.Count{{Name: "DE", Devices: 1}, {Name: "US", Devices: 2, GPUs: 3}}, stats.ByRegion)
		require.Len(t, stats.ByModel, 3)

		list, err := anon.Suppliers(ctx, iogsdk.Page{Limit: 1})
		require.NoError(t, err)
		require.Equal(t, 2, list.Total)
		require.Len(t, list.Suppliers, 1)
		next, err := anon.Suppliers(ctx, iogsdk.Page{Cursor: list.Next.String()})
		require.NoError(t, err)
		require.Len(t, next.Suppliers, 1)
		require.NotEqual(t, list.Suppliers[0].Wallet, next.Suppliers[0].Wallet)
		_, err = anon.Suppliers(ctx, iogsdk.Page{Cursor: "not a wallet"})
		require.ErrorIs(t, err, iog.ErrInvalid)
		_, err = anon.Blocks(ctx, iogsdk.Page{Limit: 501})
		require.ErrorIs(t, err, iog.ErrInvalid)

		board, err := anon.PriceBoard(ctx)
		require.NoError(t, err)
		require.Len(t, board.Rows, len(iog.GPUModels()))
		for _, r := range board.Rows {
			require.Equal(t, iog.IO, r.Hourly.Currency(), r.Model)
			require.True(t, r.HourlyUSD.Sign() > 0, r.Model)
		}

		// Nothing private: no tunnel keys or owner keys in any answer.
		for _, path := range []string{"/v1/explorer/devices", "/v1/explorer/suppliers", "/v1/explorer/supply"} {
			status, _, body := e.raw("GET", path, nil, nil)
			require.Equal(t, 200, status, path)
			require.False(t, bytes.Contains(body, []byte("tunnel")), path)
			require.False(t, strings.Contains(string(body), fmt.Sprint(alice.key.Public())), path)
		}
	}, epochConfig)
}

// TestEpochsFollowTheConfig: the epochs reward by the configured earning
// multipliers, the table staking requires stake by (a model the table
// lacks earns nothing, whatever the default table says), and hold GPUs
// eligible by the configured proof interval, the one the heartbeats ask
// proofs by; the price board is the configured price model's.
func TestEpochsFollowTheConfig(t *testing.T) {
	twenty, err := iog.ParseRate("20")
	require.NoError(t, err)
	prices, err := pricing.NewModel(pricing.Config{})
	require.NoError(t, err)
	ioPrice, err := iog.ParseRate("3.7")
	require.NoError(t, err)
	require.NoError(t, prices.SetMarket(pricing.MarketState{AsOf: t0, IOPriceUSD: ioPrice}))
	eachDialect(t, func(t *testing.T, e *env) {
		alice := newSupplier(t, e, 1, "H100-SXM", 1) // in the table, at 20
		bob := newSupplier(t, e, 2, "L40S", 1)       // in the default table, not in this one
		da, db := alice.register(t), bob.register(t)
		anon := e.client(nil)
		st, err := anon.DeviceStake(ctx, da.ID)
		require.NoError(t, err)
		require.Equal(t, ioAmount("4000"), st.Required, "200 IO a GPU times 20")
		stake(t, e.server.Store(), da, "4000 IO")
		stake(t, e.server.Store(), db, "2000 IO")

		// Proofs are asked at 0:00 and 3:00; at 5:00 the last is two
		// hours old: stale by the default interval, fresh by three hours.
		for hour := 1; hour <= 5; hour++ {
			for half := 0; half < 2; half++ {
				alice.beat(t, e, da.ID, true)
				bob.beat(t, e, db.ID, true)
				e.clock.Advance(30 * time.Minute)
			}
			require.NoError(t, e.server.SettleEpoch(ctx))
		}
		detail, err := anon.Block(ctx, 5, iogsdk.Page{})
		require.NoError(t, err)
		rewarded, reason := reasonOf(t, detail, da.ID)
		require.True(t, rewarded, reason)
		for _, d := range detail.Devices {
			if d.Device == da.ID {
				require.Equal(t, uint64(20e9), d.Weight, "one GPU at the configured multiplier")
			}
		}
		rewarded, reason = reasonOf(t, detail, db.ID)
		require.False(t, rewarded)
		require.Contains(t, reason, "no earning multiplier")

		board, err := anon.PriceBoard(ctx)
		require.NoError(t, err)
		var models []string
		for _, g := range iog.GPUModels() {
			models = append(models, g.Name)
		}
		want, err := pricing.BuildBoard(prices, e.clock.Now().UTC(), models, []iog.Location{{}}, iog.IO, pricing.Request{})
		require.NoError(t, err)
		require.Len(t, board.Rows, len(want.Rows))
		for i, r := range want.Rows {
			require.Equal(t, r.Hourly, board.Rows[i].Hourly, r.Model)
		}
	}, epochConfig, func(c *refserver.Config) {
		c.Multipliers = tokenomics.Multipliers{"H100-SXM": twenty}
		c.ProofInterval = 3 * time.Hour
		c.Prices = prices
	})
}
