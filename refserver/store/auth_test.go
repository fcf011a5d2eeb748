package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/refserver/store"
)

// TestPruneNonces: pruning forgets the expired nonces a part at a time,
// and keeps the others, which still refuse a replay.
func TestPruneNonces(t *testing.T) {
	eachStore(t, func(t *testing.T, s *store.Store) {
		t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
			for i := range 5 {
				if err := tx.UseNonce(wallet(1), fmt.Sprintf("old-%d", i), t0.Add(time.Duration(i)*time.Second)); err != nil {
					return err
				}
			}
			return tx.UseNonce(wallet(1), "fresh", t0.Add(time.Hour))
		}))
		prune := func(limit int) (n int64) {
			require.NoError(t, s.Tx(ctx, func(tx *store.Tx) (err error) {
				n, err = tx.PruneNonces(t0.Add(time.Minute), limit)
				return err
			}))
			return n
		}
		require.EqualValues(t, 3, prune(3), "a part")
		require.EqualValues(t, 2, prune(3), "the rest")
		require.EqualValues(t, 0, prune(3), "nothing expired is left")
		err := s.Tx(ctx, func(tx *store.Tx) error { return tx.UseNonce(wallet(1), "fresh", t0.Add(time.Hour)) })
		require.ErrorIs(t, err, iog.ErrUnauthorized, "the nonce not expired still refuses its replay")
		require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error { return tx.UseNonce(wallet(1), "old-0", t0.Add(time.Hour)) }))
	})
}

// TestPruneIdempotency: pruning forgets the responses kept before the
// time given, a part at a time, and keeps the later ones.
func TestPruneIdempotency(t *testing.T) {
	eachStore(t, func(t *testing.T, s *store.Store) {
		t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		request := []byte(`{"a":1}`)
		require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
			for i := range 4 {
				r := store.Response{Status: 200, Body: []byte(`{}`)}
				if err := tx.Remember("w1", fmt.Sprintf("key-%d", i), request, r, t0.Add(time.Duration(i)*time.Hour)); err != nil {
					return err
				}
			}
			return nil
		}))
		var n int64
		require.NoError(t, s.Tx(ctx, func(tx *store.Tx) (err error) {
			n, err = tx.PruneIdempotency(t0.Add(150*time.Minute), 10)
			return err
		}))
		require.EqualValues(t, 3, n, "the three kept before 2h30")
		require.NoError(t, s.Tx(ctx, func(tx *store.Tx) error {
			for i := range 4 {
				_, found, err := tx.Idempotent("w1", fmt.Sprintf("key-%d", i), request)
				require.NoError(t, err)
				require.Equal(t, i == 3, found, "key-%d", i)
			}
			return nil
		}))
	})
}
