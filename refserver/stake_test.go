package refserver_test

import (
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver"
	"github.com/internetofgpus/iog/tokenomics"
)

func ioAmount(s string) iog.Amount { return iog.MustParseAmount(s + " IO") }

// funded returns a client of wallet n that took from the faucet.
func funded(t *testing.T, e *env, n byte) *iogsdk.Client {
	c := e.client(walletKey(n))
	_, err := c.Faucet(ctx)
	require.NoError(t, err)
	return c
}

// balance returns a wallet's available and held IO.
func balance(t *testing.T, e *env, w iog.WalletAddress) (available, held iog.Amount) {
	acct, err := e.client(nil).Account(ctx, w)
	require.NoError(t, err)
	for _, b := range acct.Balances {
		if b.Currency == iog.IO {
			return b.Available, b.Held
		}
	}
	t.Fatalf("no IO balance for %v", w)
	return
}

// requireBalance checks a wallet's available and held IO.
func requireBalance(t *testing.T, e *env, w iog.WalletAddress, available, held string) {
	t.Helper()
	a, h := balance(t, e, w)
	require.Equal(t, ioAmount(available), a, "available")
	require.Equal(t, ioAmount(held), h, "held")
}

// supply returns the ledger's supply of IO.
func supply(t *testing.T, e *env) iog.Amount {
	s, err := e.server.Store().Ledger().Supply(ctx, iog.IO)
	require.NoError(t, err)
	return s
}

// requireConserved checks that the ledger verifies and that, in every
// currency, the balances of all accounts add up to the supply.
func requireConserved(t *testing.T, e *env) {
	t.Helper()
	l := e.server.Store().Ledger()
	require.NoError(t, l.Verify(ctx))
	for _, c := range iog.Currencies() {
		var sum int64
		require.NoError(t, e.server.Store().DB().QueryRowContext(ctx,
			"SELECT CAST(COALESCE(SUM(available + held), 0) AS BIGINT) FROM ledger_balances WHERE currency = $1", int64(c)).Scan(&sum))
		s, err := l.Supply(ctx, c)
		require.NoError(t, err)
		require.Equal(t, s.Units(), sum, "%v: the balances add up to the supply", c)
	}
}

// TestStakeLifecycle: an owner stakes on its device and a co-staker on
// it; the IO is held; an unstake keeps it held while it cools; a
// withdrawal after the cooldown pays it back; no wallet can unstake or
// withdraw another's stake.
func TestStakeLifecycle(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		alice := newSupplier(t, e, 1, "H100-SXM", 2)
		_, err := alice.c.Faucet(ctx)
		require.NoError(t, err)
		bob, mallory := funded(t, e, 2), funded(t, e, 3)
		aliceW, bobW := walletOf(alice.key), bob.Wallet()
		d := alice.register(t)

		st, err := e.client(nil).DeviceStake(ctx, d.ID)
		require.NoError(t, err)
		require.Equal(t, ioAmount("4000"), st.Required, "two H100-SXM, multiplier 10, 200 IO each")
		require.False(t, st.Meets)

		st, err = alice.c.Stake(ctx, d.ID, ioAmount("3000"))
		require.NoError(t, err)
		require.False(t, st.Meets)
		st, err = bob.Stake(ctx, d.ID, ioAmount("1000.5"))
		require.NoError(t, err, "a co-stake on another's device")
		require.True(t, st.Meets)
		require.Equal(t, ioAmount("4000.5"), st.Active)
		require.Equal(t, []api.StakePosition{{Staker: aliceW, Active: ioAmount("3000")}, {Staker: bobW, Active: ioAmount("1000.5")}}, st.Positions)
		requireBalance(t, e, aliceW, "47000", "3000")
		requireBalance(t, e, bobW, "48999.5", "1000.5")

		// Past the co-staker's 50% of the 4000 required: 409, and why.
		_, err = bob.Stake(ctx, d.ID, ioAmount("49000"))
		require.ErrorIs(t, err, iog.ErrConflict)
		var apiErr *api.Error
		require.ErrorAs(t, err, &apiErr)
		require.Equal(t, 409, apiErr.Status)
		require.Contains(t, apiErr.Message, "co-stakers may provide at most 2000 IO (50% of the 4000 IO required)")
		_, err = bob.Stake(ctx, d.ID, iog.MustParseAmount("5 USDC"))
		require.ErrorIs(t, err, iog.ErrInvalid)
		_, err = e.client(walletKey(9)).Stake(ctx, d.ID, ioAmount("1"))
		require.ErrorIs(t, err, iog.ErrConflict, "a second co-staker, refused before its funds are looked at")
		requireBalance(t, e, bobW, "48999.5", "1000.5")

		un, err := bob.Unstake(ctx, d.ID, ioAmount("200"))
		require.NoError(t, err)
		require.Equal(t, ioAmount("200"), un.Cooldown.Amount)
		require.Equal(t, e.clock.Now().Add(tokenomics.DefaultCoStakerCooldown), un.Cooldown.Ready, "a co-staker's cooldown")
		require.Equal(t, ioAmount("200"), un.Stake.Cooling)
		requireBalance(t, e, bobW, "48999.5", "1000.5")

		// Mallory has no stake there to unstake; nobody's cooldown has
		// matured; Mallory has none at all.
		_, err = mallory.Unstake(ctx, d.ID, ioAmount("200"))
		require.ErrorIs(t, err, iog.ErrNotFound)
		_, err = bob.Unstake(ctx, d.ID, ioAmount("801"))
		require.ErrorIs(t, err, iog.ErrInsufficientFunds)
		_, err = bob.WithdrawStake(ctx)
		require.ErrorIs(t, err, iog.ErrNotFound, "not matured")
		e.clock.Advance(tokenomics.DefaultCoStakerCooldown)
		_, err = mallory.WithdrawStake(ctx)
		require.ErrorIs(t, err, iog.ErrNotFound, "another's cooldown")
		_, err = alice.c.WithdrawStake(ctx)
		require.ErrorIs(t, err, iog.ErrNotFound, "the owner's stake is not the co-staker's")
		requireBalance(t, e, bobW, "48999.5", "1000.5")

		stakes, err := e.client(nil).Stakes(ctx, bobW)
		require.NoError(t, err)
		require.Equal(t, []api.WalletPosition{{Device: d.ID, Active: ioAmount("800.5")}}, stakes.Positions)
		require.Len(t, stakes.Cooldowns, 1)
		require.Equal(t, ioAmount("200"), stakes.Cooling)

		out, err := bob.WithdrawStake(ctx)
		require.NoError(t, err)
		require.Equal(t, ioAmount("200"), out.Withdrawn)
		require.Len(t, out.Cooldowns, 1)
		requireBalance(t, e, bobW, "49199.5", "800.5")
		_, err = bob.WithdrawStake(ctx)
		require.ErrorIs(t, err, iog.ErrNotFound, "withdrawn once")

		// An API key of the read scope cannot stake; one of the worker
		// scope can.
		key, err := alice.c.CreateAPIKey(ctx, "dash", []api.Scope{api.ScopeRead}, time.Hour)
		require.NoError(t, err)
		_, err = e.keyClient(key.Token).Stake(ctx, d.ID, ioAmount("1"))
		require.ErrorIs(t, err, iog.ErrForbidden)
		key, err = alice.c.CreateAPIKey(ctx, "fleet", []api.Scope{api.ScopeWorker}, time.Hour)
		require.NoError(t, err)
		_, err = e.keyClient(key.Token).Stake(ctx, d.ID, ioAmount("1"))
		require.NoError(t, err)

		// Removing the device starts every position's cooldown, still
		// held; it takes no more stake.
		_, err = alice.c.RemoveDevice(ctx, d.ID)
		require.NoError(t, err)
		st, err = e.client(nil).DeviceStake(ctx, d.ID)
		require.NoError(t, err)
		require.True(t, st.Deregistered)
		require.Equal(t, ioAmount("3801.5"), st.Cooling)
		_, err = bob.Stake(ctx, d.ID, ioAmount("1"))
		require.ErrorIs(t, err, iog.ErrConflict)
		requireBalance(t, e, aliceW, "46999", "3001")
		e.clock.Advance(tokenomics.DefaultCoStakerCooldown)
		out, err = alice.c.WithdrawStake(ctx)
		require.NoError(t, err)
		require.Equal(t, ioAmount("3001"), out.Withdrawn)
		requireBalance(t, e, aliceW, "50000", "0")
		_, err = bob.WithdrawStake(ctx)
		require.NoError(t, err)
		requireBalance(t, e, bobW, "50000", "0")
		_, err = e.client(nil).DeviceStake(ctx, d.ID)
		require.ErrorIs(t, err, iog.ErrNotFound, "the book forgot the device once its stake left")
		requireConserved(t, e)
	}, func(c *refserver.Config) { c.Faucet = true })
}

// TestSlashes: a governor proposes a slash with evidence, taken pro rata
// from the device's stakers; the owner appeals; upheld, the stake is
// burned and the supply falls; another slash overturned gives the stake
// back. Only governors propose and decide; only stakers appeal.
// TestCoStakesPerAccount: the server holds one wallet to co-staking on at
// most 2 devices (io.net's documentation): a third co-stake is 409 and
// takes nothing; once the wallet's stake on one of the two is all cooling,
// it is not co-staking there, and the third is taken.
func TestCoStakesPerAccount(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		var devices []iog.DeviceID
		for n := byte(1); n <= 3; n++ {
			owner := newSupplier(t, e, n, "H100-SXM", 2)
			_, err := owner.c.Faucet(ctx)
			require.NoError(t, err)
			d := owner.register(t)
			_, err = owner.c.Stake(ctx, d.ID, ioAmount("2000"))
			require.NoError(t, err, "the owner's 50% of the 4000 IO required, first")
			devices = append(devices, d.ID)
		}
		bob := funded(t, e, 9)
		for _, d := range devices[:2] {
			_, err := bob.Stake(ctx, d, ioAmount("1"))
			require.NoError(t, err)
		}
		_, err := bob.Stake(ctx, devices[2], ioAmount("1"))
		var apiErr *api.Error
		require.ErrorAs(t, err, &apiErr)
		require.Equal(t, 409, apiErr.Status)
		require.Contains(t, apiErr.Message, "co-stakes on 2 devices already")
		requireBalance(t, e, bob.Wallet(), "49998", "2")
		st, err := e.client(nil).DeviceStake(ctx, devices[2])
		require.NoError(t, err)
		require.Len(t, st.Positions, 1, "the refused co-stake left no position")

		_, err = bob.Unstake(ctx, devices[0], ioAmount("1"))
		require.NoError(t, err)
		_, err = bob.Stake(ctx, devices[2], ioAmount("1"))
		require.NoError(t, err, "stake cooling down on a device is not a co-stake there")
		requireConserved(t, e)
	}, withFaucet)
}

func TestSlashes(t *testing.T) {
	gov := walletKey(50)
	eachDialect(t, func(t *testing.T, e *env) {
		alice := newSupplier(t, e, 1, "H100-SXM", 1) // 2000 IO required: Bob's 1000 is the co-stake's 50%
		_, err := alice.c.Faucet(ctx)
		require.NoError(t, err)
		bob, mallory := funded(t, e, 2), funded(t, e, 3)
		governor := e.client(gov)
		aliceW, bobW := walletOf(alice.key), bob.Wallet()
		d := alice.register(t)
		_, err = alice.c.Stake(ctx, d.ID, ioAmount("3000"))
		require.NoError(t, err)
		_, err = bob.Stake(ctx, d.ID, ioAmount("1000"))
		require.NoError(t, err)
		before := supply(t, e)

		propose := api.ProposeSlashRequest{Device: d.ID, Amount: ioAmount("400"), Reason: api.SlashSpoofedHardware, Evidence: "its report claimed an A100 it does not have"}
		_, err = mallory.ProposeSlash(ctx, propose)
		require.ErrorIs(t, err, iog.ErrForbidden, "not a governor")
		bad := propose
		bad.Reason = "bad vibes"
		_, err = governor.ProposeSlash(ctx, bad)
		require.ErrorIs(t, err, iog.ErrInvalid)
		bad = propose
		bad.Amount = ioAmount("4001")
		_, err = governor.ProposeSlash(ctx, bad)
		require.ErrorIs(t, err, iog.ErrInsufficientFunds)
		sl, err := governor.ProposeSlash(ctx, propose)
		require.NoError(t, err)
		require.Equal(t, api.SlashPending, sl.State)
		require.Equal(t, []api.SlashShare{{Wallet: aliceW, Amount: ioAmount("300")}, {Wallet: bobW, Amount: ioAmount("100")}}, sl.Shares)
		st, err := e.client(nil).DeviceStake(ctx, d.ID)
		require.NoError(t, err)
		require.Equal(t, ioAmount("3600"), st.Active)
		require.Equal(t, ioAmount("400"), st.Held)
		requireBalance(t, e, aliceW, "47000", "3000")

		_, err = alice.c.RemoveDevice(ctx, d.ID)
		require.ErrorIs(t, err, iog.ErrConflict, "a slash is decided before the device goes")
		_, err = governor.DecideSlash(ctx, sl.ID, true)
		require.ErrorIs(t, err, iog.ErrConflict, "upheld only after an appeal or the window")
		_, err = mallory.DecideSlash(ctx, sl.ID, true)
		require.ErrorIs(t, err, iog.ErrForbidden)
		_, err = mallory.AppealSlash(ctx, sl.ID, "not mine, but still")
		require.ErrorIs(t, err, iog.ErrForbidden, "no stake on the device")
		sl, err = alice.c.AppealSlash(ctx, sl.ID, "the report was right")
		require.NoError(t, err)
		require.Equal(t, api.SlashAppealed, sl.State)
		require.Equal(t, aliceW, *sl.AppealedBy)

		sl, err = governor.DecideSlash(ctx, sl.ID, true)
		require.NoError(t, err)
		require.Equal(t, api.SlashBurned, sl.State)
		burned, err := before.Sub(supply(t, e))
		require.NoError(t, err)
		require.Equal(t, ioAmount("400"), burned, "the supply fell by the slash")
		requireBalance(t, e, aliceW, "47000", "2700")
		requireBalance(t, e, bobW, "49000", "900")
		_, err = governor.DecideSlash(ctx, sl.ID, false)
		require.ErrorIs(t, err, iog.ErrConflict, "decided once")

		// A slash that takes from cooling stake too, overturned after its
		// window: the stake goes back where it came from, nothing burned.
		_, err = bob.Unstake(ctx, d.ID, ioAmount("450"))
		require.NoError(t, err)
		second, err := governor.ProposeSlash(ctx, api.ProposeSlashRequest{Device: d.ID, Amount: ioAmount("360"), Reason: api.SlashServiceInconsistency, Evidence: "missed rentals"})
		require.NoError(t, err)
		e.clock.Advance(tokenomics.DefaultAppealWindow)
		_, err = alice.c.AppealSlash(ctx, second.ID, "too late")
		require.ErrorIs(t, err, iog.ErrExpired)
		second, err = governor.DecideSlash(ctx, second.ID, false)
		require.NoError(t, err)
		require.Equal(t, api.SlashReturned, second.State)
		st, err = e.client(nil).DeviceStake(ctx, d.ID)
		require.NoError(t, err)
		require.Equal(t, ioAmount("3150"), st.Active)
		require.Equal(t, ioAmount("450"), st.Cooling)
		require.True(t, st.Held.IsZero())
		require.Equal(t, ioAmount("400"), mustSub(t, before, supply(t, e)), "nothing more burned")
		out, err := bob.WithdrawStake(ctx)
		require.NoError(t, err)
		require.Equal(t, ioAmount("450"), out.Withdrawn)
		requireBalance(t, e, bobW, "49450", "450")

		// A slash upheld unappealed once its window passed, taking from a
		// cooldown too: the cooldown pays back only what is left of it.
		_, err = bob.Unstake(ctx, d.ID, ioAmount("300"))
		require.NoError(t, err)
		third, err := governor.ProposeSlash(ctx, api.ProposeSlashRequest{Device: d.ID, Amount: ioAmount("315"), Reason: api.SlashFalsifiedData, Evidence: "forged telemetry"})
		require.NoError(t, err)
		require.Equal(t, []api.SlashShare{{Wallet: aliceW, Amount: ioAmount("270")}, {Wallet: bobW, Amount: ioAmount("45")}}, third.Shares)
		e.clock.Advance(tokenomics.DefaultAppealWindow)
		third, err = governor.DecideSlash(ctx, third.ID, true)
		require.NoError(t, err)
		require.Equal(t, api.SlashBurned, third.State)
		require.Equal(t, ioAmount("715"), mustSub(t, before, supply(t, e)))
		out, err = bob.WithdrawStake(ctx)
		require.NoError(t, err)
		require.Equal(t, ioAmount("270"), out.Withdrawn, "the cooldown less its share of the slash")
		requireBalance(t, e, bobW, "49720", "135")
		requireBalance(t, e, aliceW, "47000", "2430")

		list, err := e.client(nil).Slashes(ctx, iogsdk.SlashQuery{Device: d.ID})
		require.NoError(t, err)
		require.Len(t, list.Slashes, 3)
		list, err = e.client(nil).Slashes(ctx, iogsdk.SlashQuery{State: api.SlashBurned})
		require.NoError(t, err)
		require.Len(t, list.Slashes, 2)
		got, err := e.client(nil).Slash(ctx, second.ID)
		require.NoError(t, err)
		require.Equal(t, second, got)
		_, err = e.client(nil).Slash(ctx, 999)
		require.ErrorIs(t, err, iog.ErrNotFound)
		requireConserved(t, e)
	}, func(c *refserver.Config) { c.Faucet = true; c.Governors = []iog.WalletAddress{walletOf(gov)} })
}

func mustSub(t *testing.T, a, b iog.Amount) iog.Amount {
	d, err := a.Sub(b)
	require.NoError(t, err)
	return d
}

// TestWithdrawals: a withdrawal off the network is pending and moves its
// amount out of the available balance; more than is available is refused
// and changes nothing; only the wallet's own signature withdraws, and a
// wallet lists only its own.
func TestWithdrawals(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		alice, bob := funded(t, e, 1), funded(t, e, 2)
		to := walletOf(walletKey(77))
		w, err := alice.Withdraw(ctx, ioAmount("1250.5"), to)
		require.NoError(t, err)
		require.Equal(t, api.WithdrawalPending, w.Status)
		require.Equal(t, to, w.To)
		requireBalance(t, e, alice.Wallet(), "48749.5", "0")
		_, err = alice.Withdraw(ctx, iog.MustParseAmount("10 USDC"), to)
		require.NoError(t, err)

		_, err = alice.Withdraw(ctx, ioAmount("48749.50000001"), to)
		require.ErrorIs(t, err, iog.ErrInsufficientFunds)
		_, err = alice.Withdraw(ctx, iog.MustParseAmount("1 USD"), to)
		require.ErrorIs(t, err, iog.ErrInvalid)
		_, err = alice.Withdraw(ctx, ioAmount("0"), to)
		require.ErrorIs(t, err, iog.ErrInvalid)
		_, err = e.client(walletKey(9)).Withdraw(ctx, ioAmount("1"), to)
		require.ErrorIs(t, err, iog.ErrInsufficientFunds)
		requireBalance(t, e, alice.Wallet(), "48749.5", "0")

		key, err := alice.CreateAPIKey(ctx, "dash", []api.Scope{api.ScopeRead, api.ScopeWorker, api.ScopeDeploy}, time.Hour)
		require.NoError(t, err)
		_, err = e.keyClient(key.Token).Withdraw(ctx, ioAmount("1"), to)
		require.ErrorIs(t, err, iog.ErrForbidden, "an API key cannot withdraw")
		list, err := e.keyClient(key.Token).Withdrawals(ctx, "")
		require.NoError(t, err)
		require.Len(t, list.Withdrawals, 2)
		require.Equal(t, w, list.Withdrawals[1], "newest first")
		list, err = bob.Withdrawals(ctx, "")
		require.NoError(t, err)
		require.Empty(t, list.Withdrawals)
		_, err = e.client(nil).Withdrawals(ctx, "")
		require.ErrorIs(t, err, iog.ErrUnauthorized)
		requireBalance(t, e, bob.Wallet(), "50000", "0")
		requireConserved(t, e)
	}, func(c *refserver.Config) { c.Faucet = true })
}

// TestEarnings: a wallet's ledger entries, by kind and reason with what
// each changed of its balances, a page at a time, and its totals in and
// out per currency; its own only.
func TestEarnings(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		alice := newSupplier(t, e, 1, "L40S", 1)
		_, err := alice.c.Faucet(ctx)
		require.NoError(t, err)
		d := alice.register(t)
		_, err = alice.c.Stake(ctx, d.ID, ioAmount("800"))
		require.NoError(t, err)
		_, err = alice.c.Withdraw(ctx, ioAmount("100"), walletOf(walletKey(77)))
		require.NoError(t, err)

		got, err := alice.c.Earnings(ctx, 0, 0)
		require.NoError(t, err)
		var kinds []string
		for _, en := range got.Entries {
			kinds = append(kinds, en.Kind)
		}
		require.Equal(t, []string{"mint", "mint", "hold", "transfer"}, kinds)
		hold := got.Entries[2]
		require.Equal(t, "stake on device "+string(d.ID), hold.Reason)
		require.Equal(t, ioAmount("-800"), hold.Available)
		require.Equal(t, ioAmount("800"), hold.Held)
		require.Equal(t, []api.Flow{
			{Currency: iog.IO, In: ioAmount("50000"), Out: ioAmount("100")},
			{Currency: iog.USDC, In: iog.MustParseAmount("10000 USDC"), Out: iog.Zero(iog.USDC)},
		}, got.Totals)

		page, err := alice.c.Earnings(ctx, 0, 3)
		require.NoError(t, err)
		require.Len(t, page.Entries, 3)
		require.NotEmpty(t, page.Next)
		rest, err := alice.c.Earnings(ctx, page.Entries[2].Seq, 3)
		require.NoError(t, err)
		require.Equal(t, got.Entries[3:], rest.Entries)

		key, err := alice.c.CreateAPIKey(ctx, "dash", []api.Scope{api.ScopeRead}, time.Hour)
		require.NoError(t, err)
		viaKey, err := e.keyClient(key.Token).Earnings(ctx, 0, 0)
		require.NoError(t, err)
		require.Equal(t, got, viaKey)
		bob, err := e.client(walletKey(2)).Earnings(ctx, 0, 0)
		require.NoError(t, err)
		require.Empty(t, bob.Entries, "a wallet sees its own entries only")
		_, err = e.client(nil).Earnings(ctx, 0, 0)
		require.ErrorIs(t, err, iog.ErrUnauthorized)
		_, err = alice.c.Earnings(ctx, 0, 5000)
		require.ErrorIs(t, err, iog.ErrInvalid)
	}, func(c *refserver.Config) { c.Faucet = true })
}

// TestRequiredStake: a registered device requires no stake until its
// first accepted report attests its hardware; then it requires what its
// hardware does, by the configured multipliers, and the baseline for a
// model they do not know.
func TestRequiredStake(t *testing.T) {
	tests := []struct {
		name        string
		multipliers tokenomics.Multipliers
		want        string
	}{
		{"default multipliers", nil, "4000"},
		{"a table without the model", tokenomics.Multipliers{}, "400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachDialect(t, func(t *testing.T, e *env) {
				alice := newSupplier(t, e, 1, "H100-SXM", 2)
				reg, err := alice.c.RegisterDevice(ctx, api.RegisterDeviceRequest{Name: "rig", TunnelKey: alice.key.Public().(ed25519.PublicKey), Location: "US"})
				require.NoError(t, err)
				st, err := e.client(nil).DeviceStake(ctx, reg.Device.ID)
				require.NoError(t, err)
				require.Equal(t, ioAmount("0"), st.Required, "pending: hardware not attested")
				_, err = alice.report(reg.Challenge)
				require.NoError(t, err)
				st, err = e.client(nil).DeviceStake(ctx, reg.Device.ID)
				require.NoError(t, err)
				require.Equal(t, ioAmount(tt.want), st.Required)
			}, func(c *refserver.Config) { c.Multipliers = tt.multipliers })
		})
	}
}
