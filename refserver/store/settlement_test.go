package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
)

// TestSettlements: settled entries move the cursor, in order only; a
// failure after the cursor stands until its row goes; the entries read
// back by seq, an entry never settled absent.
func TestSettlements(t *testing.T) {
	at := time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC)
	settled := func(seq uint64) store.Settlement {
		return store.Settlement{Seq: seq, Key: "k" + string(rune('a'+seq)), Signature: []byte{byte(seq), 7}, Status: api.SettlementSettled, At: at}
	}
	eachStore(t, func(t *testing.T, s *store.Store) {
		tx := func(f func(tx *store.Tx) error) error { return s.Tx(ctx, f) }
		cursor := func() uint64 {
			var c uint64
			require.NoError(t, tx(func(tx *store.Tx) (err error) { c, err = tx.SettlementCursor(); return err }))
			return c
		}
		require.Zero(t, cursor())
		require.NoError(t, tx(func(tx *store.Tx) error { return tx.RecordSettled([]store.Settlement{settled(1), settled(2)}) }))
		require.Equal(t, uint64(2), cursor())

		for _, bad := range [][]store.Settlement{
			{settled(4)},                 // a gap
			{settled(2)},                 // settled before
			{settled(3), settled(5)},     // a gap inside
			{{Seq: 3, Status: "failed"}}, // not settled
		} {
			err := tx(func(tx *store.Tx) error { return tx.RecordSettled(bad) })
			require.ErrorIs(t, err, iog.ErrConflict)
		}
		require.Equal(t, uint64(2), cursor())

		failed := store.Settlement{Seq: 3, Key: "kd", Status: api.SettlementFailed, Error: "insufficient funds", At: at}
		require.ErrorIs(t, tx(func(tx *store.Tx) error {
			return tx.RecordSettlementFailure(store.Settlement{Seq: 4, Status: api.SettlementFailed})
		}), iog.ErrConflict)
		require.NoError(t, tx(func(tx *store.Tx) error { return tx.RecordSettlementFailure(failed) }))
		var got store.Settlement
		var halted bool
		var rows map[uint64]store.Settlement
		require.NoError(t, tx(func(tx *store.Tx) (err error) {
			if got, halted, err = tx.SettlementFailure(); err != nil {
				return err
			}
			rows, err = tx.Settlements([]uint64{1, 2, 3, 4})
			return err
		}))
		require.True(t, halted)
		require.Equal(t, failed, got)
		require.Equal(t, map[uint64]store.Settlement{1: settled(1), 2: settled(2), 3: failed}, rows)

		// The operator's fix: the failed row goes, and the settler goes on.
		_, err := s.DB().ExecContext(ctx, "DELETE FROM settlements WHERE seq = 3")
		require.NoError(t, err)
		require.NoError(t, tx(func(tx *store.Tx) error { return tx.RecordSettled([]store.Settlement{settled(3)}) }))
		require.NoError(t, tx(func(tx *store.Tx) (err error) { _, halted, err = tx.SettlementFailure(); return err }))
		require.False(t, halted)
		require.Equal(t, uint64(3), cursor())
	})
}
