package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/refserver/store"
	"github.com/internetofgpus/iog/tokenomics"
)

// TestRewardShares: an epoch's shares are recorded unclaimed; a claim
// takes every unclaimed share of its wallet, and only its wallet's, once;
// a wallet with nothing to claim is refused and writes nothing; an epoch's
// shares cannot be recorded twice.
func TestRewardShares(t *testing.T) {
	eachStore(t, func(t *testing.T, s *store.Store) {
		t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		share := func(device string, w byte, units int64) tokenomics.DeviceShare {
			return tokenomics.DeviceShare{Device: iog.DeviceID(device), Share: tokenomics.Share{Wallet: wallet(w), Amount: iog.NewAmount(units, iog.IO)}}
		}
		// More shares than one INSERT carries, so that both the full
		// statement and the last one's are used.
		var many []tokenomics.DeviceShare
		for i := range 120 {
			many = append(many, share(fmt.Sprintf("rig-%03d", i), 3, 1))
		}
		require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
			if err := tx.InsertRewardShares(4, []tokenomics.DeviceShare{share("a", 1, 100), share("a", 2, 50), share("b", 1, 7)}); err != nil {
				return err
			}
			if err := tx.InsertRewardShares(5, append([]tokenomics.DeviceShare{share("a", 1, 30)}, many...)); err != nil {
				return err
			}
			return tx.InsertRewardShares(6, nil)
		}))
		err := s.Tx(ctx, func(tx *store.Tx) error {
			return tx.InsertRewardShares(4, []tokenomics.DeviceShare{share("a", 1, 100)})
		})
		require.Error(t, err, "an epoch's share recorded twice")

		unclaimed := func(w byte) (iog.Amount, int) {
			var a iog.Amount
			var n int
			require.NoError(t, s.ReadTx(ctx, func(tx *store.Tx) (err error) {
				a, n, err = tx.Unclaimed(wallet(w))
				return err
			}))
			return a, n
		}
		a, n := unclaimed(1)
		require.Equal(t, iog.NewAmount(137, iog.IO), a)
		require.Equal(t, 3, n)
		a, n = unclaimed(3)
		require.Equal(t, iog.NewAmount(120, iog.IO), a)
		require.Equal(t, 120, n)

		claim := func(w byte, at time.Time) (c store.RewardClaim, err error) {
			err = s.Tx(ctx, func(tx *store.Tx) (err error) {
				c, err = tx.ClaimRewards(wallet(w), at)
				return err
			})
			return c, err
		}
		c, err := claim(1, t0)
		require.NoError(t, err)
		require.Positive(t, c.ID)
		require.Equal(t, store.RewardClaim{ID: c.ID, Wallet: wallet(1), Amount: iog.NewAmount(137, iog.IO), Shares: 3, FirstEpoch: 4, LastEpoch: 5, Claimed: t0}, c)
		require.Equal(t, fmt.Sprintf("rewards-claim:%d", c.ID), c.Key())
		a, n = unclaimed(1)
		require.True(t, a.IsZero())
		require.Zero(t, n)
		a, _ = unclaimed(2)
		require.Equal(t, iog.NewAmount(50, iog.IO), a, "another wallet's shares stay unclaimed")

		totals := func() store.RewardTotals {
			var r store.RewardTotals
			require.NoError(t, s.ReadTx(ctx, func(tx *store.Tx) (err error) {
				r, err = tx.RewardTotals()
				return err
			}))
			return r
		}
		before := totals()
		_, err = claim(1, t0.Add(time.Hour))
		require.ErrorIs(t, err, iog.ErrNotFound, "nothing left to claim")
		require.Equal(t, before, totals(), "and the refused claim wrote nothing")
		require.Equal(t, store.RewardTotals{Allotted: iog.NewAmount(307, iog.IO), Claimed: iog.NewAmount(137, iog.IO), Paid: iog.NewAmount(137, iog.IO)}, before)

		c2, err := claim(3, t0.Add(time.Hour))
		require.NoError(t, err)
		require.Greater(t, c2.ID, c.ID)
		require.Equal(t, 120, c2.Shares)
		require.Equal(t, []uint64{5, 5}, []uint64{c2.FirstEpoch, c2.LastEpoch})
		r := totals()
		require.Equal(t, r.Claimed, r.Paid)
		require.Equal(t, iog.NewAmount(257, iog.IO), r.Paid)
	})
}
