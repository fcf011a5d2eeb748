package tokenomics_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics"
)

// TestAllot: the shares of every payout go to its device's stakers pro
// rata, device by device; a device with no stake left on the books is
// unpaid; and the shares plus the unpaid are the emission exactly, with
// no ledger involved.
func TestAllot(t *testing.T) {
	owner, co, other := wallet(1), wallet(2), wallet(3)
	_, book := settleFixture(t)
	require.NoError(t, book.Register("rig", owner, io("800")))
	require.NoError(t, book.Stake("rig", owner, io("600")))
	require.NoError(t, book.Stake("rig", co, io("200")))
	require.NoError(t, book.Register("gone", other, io("200")))
	emission := tokenomics.IONet().Emission(1)
	d, err := tokenomics.Distribute(1, emission, []tokenomics.RewardCandidate{candidate(t, "rig", "0.25", 4), candidate(t, "gone", "1", 1)}, tokenomics.RewardConfig{})
	require.NoError(t, err)
	require.Len(t, d.Payouts, 2)

	a, err := tokenomics.Allot(book, d)
	require.NoError(t, err)
	require.Equal(t, uint64(1), a.Epoch)
	require.Len(t, a.Shares, 2, "the rig's two stakers; the stakeless device none")
	for i, want := range []iog.WalletAddress{owner, co} {
		require.Equal(t, iog.DeviceID("rig"), a.Shares[i].Device)
		require.Equal(t, want, a.Shares[i].Wallet)
	}
	rig := d.Payouts[0].Amount
	require.InDelta(t, rig.Units()*3/4, a.Shares[0].Amount.Units(), 1, "600 of the 800 staked, to the base unit")
	require.Equal(t, rig.Units(), a.Shares[0].Amount.Units()+a.Shares[1].Amount.Units())
	require.Equal(t, rig, a.Paid)
	require.Equal(t, d.Unpaid.Units()+d.Payouts[1].Amount.Units(), a.Unpaid.Units(), "the Community pool and the stakeless device")
	total, err := a.Paid.Add(a.Unpaid)
	require.NoError(t, err)
	require.Equal(t, emission, total)
}
