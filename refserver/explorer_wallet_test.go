package refserver_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk"
)

// TestWalletTransactions: the explorer lists the entries that moved one
// wallet's balances, the latest first, a page at a time, and no other
// wallet's.
func TestWalletTransactions(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		for n := range byte(3) {
			_, err := e.client(walletKey(n + 1)).Faucet(ctx)
			require.NoError(t, err)
		}
		bob := walletOf(walletKey(2))
		l := e.server.Store().Ledger()
		n, err := l.Len(ctx)
		require.NoError(t, err)
		all, err := l.EntriesAfter(ctx, 0, int(n))
		require.NoError(t, err)
		var want []uint64
		for _, en := range all {
			if (en.Op.From == bob || en.Op.To == bob) && !en.Op.Amount.IsZero() {
				want = append([]uint64{en.Seq}, want...)
			}
		}
		require.NotEmpty(t, want)
		anon := e.client(nil)
		var seqs []uint64
		page := iogsdk.Page{Limit: 1}
		for {
			list, err := anon.WalletTransactions(ctx, bob, page)
			require.NoError(t, err)
			require.LessOrEqual(t, len(list.Transactions), 1)
			for _, tr := range list.Transactions {
				require.True(t, tr.From == bob || tr.To == bob, "entry %d", tr.Seq)
				seqs = append(seqs, tr.Seq)
			}
			if list.Next == 0 {
				break
			}
			page.Cursor = strconv.FormatUint(list.Next, 10)
		}
		require.Equal(t, want, seqs, "each of bob's entries once, the latest first")
		none, err := anon.WalletTransactions(ctx, walletOf(walletKey(9)), iogsdk.Page{})
		require.NoError(t, err)
		require.Empty(t, none.Transactions)
		require.Zero(t, none.Next)
		_, err = anon.WalletTransactions(ctx, bob, iogsdk.Page{Cursor: "0"})
		require.ErrorIs(t, err, iog.ErrInvalid)
		status, _, _ := e.raw("GET", "/v1/explorer/transactions?wallet=not-a-wallet", nil, nil)
		require.Equal(t, http.StatusBadRequest, status)
	}, withFaucet)
}
