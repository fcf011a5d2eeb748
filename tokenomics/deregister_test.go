package tokenomics_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics"
)

// A deregistered device's stake leaves as an unstake does: the active
// positions start their cooldowns and are paid at their end, with the
// cooldowns already running. Meanwhile the device earns nothing, takes
// no stake and cannot be registered again, but its cooling stake can be
// slashed; once the last cooldown is withdrawn the book forgets it.
func TestDeregisterStartsTheCooldowns(t *testing.T) {
	b, clock, owner := newStakedDevice(t, "rig", "600")
	co := wallet(2)
	require.NoError(t, b.Stake("rig", co, io("200")))
	early, err := b.Unstake("rig", owner, io("100"))
	require.NoError(t, err)
	clock.Advance(24 * time.Hour)

	started, err := b.Deregister("rig")
	require.NoError(t, err)
	// Each cooldown as long as its staker's role says.
	require.Equal(t, []tokenomics.Cooldown{
		{ID: early.ID + 1, Device: "rig", Staker: owner, Amount: io("500"), Ready: clock.Now().Add(tokenomics.DefaultCooldown)},
		{ID: early.ID + 2, Device: "rig", Staker: co, Amount: io("200"), Ready: clock.Now().Add(tokenomics.DefaultCoStakerCooldown)},
	}, started)
	d, err := b.Device("rig")
	require.NoError(t, err)
	require.Equal(t, tokenomics.DeviceStake{Device: "rig", Owner: owner, Required: io("600"), Active: io("0"), Cooling: io("800"), Held: io("0"), Deregistered: true}, d)
	_, err = b.ShareReward("rig", io("1"))
	require.ErrorIs(t, err, iog.ErrConflict, "no one to pay: Settle counts the payout unpaid")
	for name, err := range map[string]error{
		"stake":      b.Stake("rig", owner, io("1")),
		"register":   b.Register("rig", wallet(3), io("200")),
		"deregister": second(b.Deregister("rig")),
	} {
		require.ErrorIs(t, err, iog.ErrConflict, name)
	}

	// Leaving escapes no case: the cooling stake is slashed pro rata.
	s, err := b.ProposeSlash("rig", io("80"), tokenomics.FalsifiedData, "results found forged after it left")
	require.NoError(t, err)
	require.Equal(t, []tokenomics.Share{{Wallet: owner, Amount: io("60")}, {Wallet: co, Amount: io("20")}}, s.Shares)
	clock.AdvanceTo(s.Deadline)
	_, err = b.ResolveSlash(s.ID, true)
	require.NoError(t, err)

	got, err := b.Withdraw(owner)
	require.NoError(t, err)
	require.Equal(t, io("540"), got, "both of the owner's cooldowns, less the slash")
	_, ok := b.DeviceRecord("rig")
	require.True(t, ok, "the co-staker's cooldown is still there")
	got, err = b.Withdraw(co)
	require.NoError(t, err)
	require.Equal(t, io("180"), got)
	_, ok = b.DeviceRecord("rig")
	require.False(t, ok, "nothing left: the book forgot the device")
	_, err = b.Device("rig")
	require.ErrorIs(t, err, iog.ErrNotFound)
	require.NoError(t, b.Register("rig", wallet(3), io("200")), "and the ID is free again")
}

// A device with no stake at all leaves at once.
func TestDeregisterWithoutStake(t *testing.T) {
	b, _ := newBook()
	require.NoError(t, b.Register("rig", wallet(1), io("200")))
	started, err := b.Deregister("rig")
	require.NoError(t, err)
	require.Empty(t, started)
	_, ok := b.DeviceRecord("rig")
	require.False(t, ok)
	_, err = b.Deregister("nowhere")
	require.ErrorIs(t, err, iog.ErrNotFound)
}

// A slash pending or appealed is decided before the device can go, so
// deregistering does not escape it; once decided, the device goes.
func TestDeregisterWaitsForTheSlash(t *testing.T) {
	for _, upheld := range []bool{true, false} {
		b, clock, owner := newStakedDevice(t, "rig", "800")
		s, err := b.ProposeSlash("rig", io("400"), tokenomics.SpoofedHardware, "benchmark below the model")
		require.NoError(t, err)
		before := b.Records()
		_, err = b.Deregister("rig")
		require.ErrorIs(t, err, iog.ErrConflict)
		_, err = b.Appeal(s.ID, owner, "a throttled fan")
		require.NoError(t, err)
		_, err = b.Deregister("rig")
		require.ErrorIs(t, err, iog.ErrConflict)
		require.NotEqual(t, before, b.Records(), "the appeal changed the slash")
		mid := b.Records()
		_, err = b.Deregister("rig")
		require.ErrorIs(t, err, iog.ErrConflict)
		require.Equal(t, mid, b.Records(), "a refused Deregister changes nothing")

		_, err = b.ResolveSlash(s.ID, upheld)
		require.NoError(t, err)
		started, err := b.Deregister("rig")
		require.NoError(t, err)
		want := io("800")
		if upheld {
			want = io("400")
		}
		require.Len(t, started, 1)
		require.Equal(t, want, started[0].Amount)
		clock.AdvanceTo(started[0].Ready)
		got, err := b.Withdraw(owner)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
}
