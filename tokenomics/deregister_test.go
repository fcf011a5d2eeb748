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
// cooldowns already running; none of it counts for the device again.
func TestDeregisterStartsTheCooldowns(t *testing.T) {
	b, clock, owner := newStakedDevice(t, "rig", "600")
	co := wallet(2)
	require.NoError(t, b.Stake("rig", co, io("200")))
	early, err := b.Unstake("rig", owner, io("100"))
	require.NoError(t, err)
	clock.Advance(24 * time.Hour)

	started, err := b.Deregister("rig")
	require.NoError(t, err)
	ready := clock.Now().Add(tokenomics.DefaultCooldown)
	require.Equal(t, []tokenomics.Cooldown{
		{ID: early.ID + 1, Device: "rig", Staker: owner, Amount: io("500"), Ready: ready},
		{ID: early.ID + 2, Device: "rig", Staker: co, Amount: io("200"), Ready: ready},
	}, started)
	_, err = b.Device("rig")
	require.ErrorIs(t, err, iog.ErrNotFound)
	_, err = b.ShareReward("rig", io("1"))
	require.ErrorIs(t, err, iog.ErrNotFound, "Settle counts its payout unpaid")
	_, err = b.Deregister("rig")
	require.ErrorIs(t, err, iog.ErrNotFound)

	// Registered again under the same ID, it starts with no stake, and
	// the old cooldowns can be neither counted nor slashed.
	require.NoError(t, b.Register("rig", wallet(3), io("200")))
	d, err := b.Device("rig")
	require.NoError(t, err)
	require.True(t, d.Cooling.IsZero())
	require.True(t, d.Active.IsZero())
	_, err = b.ProposeSlash("rig", io("1"), tokenomics.FalsifiedData, "lied")
	require.ErrorIs(t, err, iog.ErrInsufficientFunds)

	clock.AdvanceTo(early.Ready)
	got, err := b.Withdraw(owner)
	require.NoError(t, err)
	require.Equal(t, io("100"), got, "the cooldown begun before runs its course")
	clock.AdvanceTo(ready)
	for w, want := range map[iog.WalletAddress]string{owner: "500", co: "200"} {
		got, err := b.Withdraw(w)
		require.NoError(t, err)
		require.Equal(t, io(want), got)
	}
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
