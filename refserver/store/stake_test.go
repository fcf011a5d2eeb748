package store_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/sqltest"
	"github.com/internetofgpus/iog/refserver/store"
	"github.com/internetofgpus/iog/tokenomics"
)

var ctx = context.Background()

// eachStore runs test on a new store over SQLite and over PostgreSQL.
func eachStore(t *testing.T, test func(t *testing.T, s *store.Store)) {
	for _, d := range sqltest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			s, err := store.OpenDB(ctx, sqltest.Open(t, d), store.Config{Authority: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, 32))})
			require.NoError(t, err)
			test(t, s)
		})
	}
}

func wallet(b byte) iog.WalletAddress { return iog.WalletAddress{b, 1} }

// sampleStake returns a stake book on its clock with positions, a cooldown
// and a proposed slash on two devices, and those devices.
func sampleStake(t *testing.T) (*iog.ManualClock, *tokenomics.StakeBook, []iog.DeviceID) {
	clock := iog.NewManualClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	book := tokenomics.NewStakeBook(tokenomics.StakingConfig{Clock: clock})
	devs := []iog.DeviceID{"dev-a", "dev-b"}
	for _, d := range devs {
		require.NoError(t, book.Register(d, wallet(1), iog.MustParseAmount("200 IO")))
		require.NoError(t, book.Stake(d, wallet(1), iog.MustParseAmount("300 IO")))
	}
	require.NoError(t, book.Stake("dev-b", wallet(2), iog.MustParseAmount("50 IO")))
	_, err := book.Unstake("dev-a", wallet(1), iog.MustParseAmount("100 IO"))
	require.NoError(t, err)
	_, err = book.ProposeSlash("dev-b", iog.MustParseAmount("10 IO"), tokenomics.SpoofedHardware, "evidence")
	require.NoError(t, err)
	return clock, book, devs
}

// TestStakeRoundTrip: a book saved device by device and loaded back, whole
// or in part, restores to the same records.
func TestStakeRoundTrip(t *testing.T) {
	eachStore(t, func(t *testing.T, s *store.Store) {
		clock, book, devs := sampleStake(t)
		want := book.Records()
		require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
			for _, d := range devs {
				if err := tx.SaveStake([]iog.DeviceID{d}, want); err != nil {
					return err
				}
			}
			return nil
		}))
		require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
			got, err := tx.LoadStake(nil)
			require.NoError(t, err)
			restored := tokenomics.NewStakeBook(tokenomics.StakingConfig{Clock: clock})
			require.NoError(t, restored.Restore(got))
			require.Equal(t, want, restored.Records())

			part, err := tx.LoadStake([]iog.DeviceID{"dev-a"})
			require.NoError(t, err)
			require.Len(t, part.Devices, 1)
			require.Len(t, part.Cooldowns, 1)
			require.Equal(t, want.LastID, part.LastID)
			staked, err := tx.StakedDevices(wallet(2))
			require.NoError(t, err)
			require.Equal(t, []iog.DeviceID{"dev-b"}, staked)
			return nil
		}))
	})
}
