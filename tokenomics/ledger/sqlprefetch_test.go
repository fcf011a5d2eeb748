package ledger_test

import (
	"database/sql"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/internal/sqltest"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// TestSQLPrefetch: a batch applied through a prefetch that read its
// accounts and keys records exactly what ApplyAll records of it on a
// ledger in the same state; a batch the prefetch did not read all of,
// one that releases a hold, and one applied after the head moved go
// through ApplyTx and see the state as it is; a retried batch is
// ErrReplayed; the reads answer what EntriesTx and OpenedTx answer.
func TestSQLPrefetch(t *testing.T) {
	a, b, c := wallet(1), wallet(2), wallet(3)
	setup := []ledger.Op{
		{Kind: ledger.Open, Key: "open-a", Reason: "test", To: a},
		{Kind: ledger.Open, Key: "open-b", Reason: "test", To: b},
		{Kind: ledger.Mint, Key: "mint-a", Reason: "test", To: a, Amount: io("10")},
		{Kind: ledger.Hold, Key: "hold-a", Reason: "test", From: a, Amount: io("1")},
	}
	batch := []ledger.Op{
		{Kind: ledger.Mint, Key: "mint-b", Reason: "reward", To: b, Amount: io("4")},
		{Kind: ledger.Transfer, Key: "pay-b", Reason: "rent", From: a, To: b, Amount: io("3")},
	}
	keys := []string{"mint-b", "pay-b", "mint-a"}
	for _, d := range sqltest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			// want is the same batch applied by ApplyAll on its own ledger.
			wantDB := sqltest.Open(t, d)
			wantL := openSQL(t, wantDB)
			_, err := wantL.ApplyAll(ctx, setup)
			require.NoError(t, err)
			want, err := wantL.ApplyAll(ctx, batch)
			require.NoError(t, err)

			db := sqltest.Open(t, d)
			l := openSQL(t, db)
			_, err = l.ApplyAll(ctx, setup)
			require.NoError(t, err)
			err = sqldb.InTx(ctx, db, func(tx *sql.Tx) error {
				p, err := l.PrefetchTx(ctx, tx)
				require.NoError(t, err)
				opened, err := p.Opened(ctx, []iog.WalletAddress{a, b, c, a})
				require.NoError(t, err)
				require.Equal(t, map[iog.WalletAddress]bool{a: true, b: true}, opened)
				found, err := p.Entries(ctx, keys)
				require.NoError(t, err)
				byKey, err := l.EntriesTx(ctx, tx, keys)
				require.NoError(t, err)
				require.Equal(t, byKey, found)
				require.Len(t, found, 1)
				got, err := p.ApplyTx(ctx, batch)
				require.NoError(t, err)
				require.Equal(t, want, got, "the entries ApplyAll records, hashes and signatures too")
				return nil
			})
			require.NoError(t, err)
			require.NoError(t, l.Verify(ctx))
			for _, w := range []iog.WalletAddress{a, b} {
				gotB, err := l.Balance(ctx, w, iog.IO)
				require.NoError(t, err)
				wantB, err := wantL.Balance(ctx, w, iog.IO)
				require.NoError(t, err)
				require.Equal(t, wantB, gotB)
			}

			// A retry: every op found applied under its key.
			err = sqldb.InTx(ctx, db, func(tx *sql.Tx) error {
				p, err := l.PrefetchTx(ctx, tx)
				require.NoError(t, err)
				_, err = p.Opened(ctx, []iog.WalletAddress{a, b})
				require.NoError(t, err)
				_, err = p.Entries(ctx, keys)
				require.NoError(t, err)
				again, err := p.ApplyTx(ctx, batch)
				require.ErrorIs(t, err, ledger.ErrReplayed)
				require.Equal(t, want, again)
				return nil
			})
			require.NoError(t, err)

			transfer := func(key string, amount string) ledger.Op {
				return ledger.Op{Kind: ledger.Transfer, Key: key, Reason: "rent", From: a, To: b, Amount: io(amount)}
			}
			cases := []struct {
				name string
				// read are the keys the prefetch reads; moved is applied
				// between the reads and the batch.
				read       []string
				moved, ops []ledger.Op
			}{
				{"the head moved in between", []string{"after-moved"}, []ledger.Op{transfer("moved", "2")}, []ledger.Op{transfer("after-moved", "4")}},
				{"a key not read", []string{"after-unread"}, nil, []ledger.Op{transfer("unread", "2"), transfer("after-unread", "4")}},
				{"a release", []string{"release", "after-release"}, nil, []ledger.Op{
					{Kind: ledger.Release, Key: "release", Reason: "unstake", HoldKey: "hold-a", To: a, Amount: io("1")},
					transfer("after-release", "7"),
				}},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					_, err := l.ApplyAll(ctx, []ledger.Op{{Kind: ledger.Mint, Key: "refill-" + c.name, Reason: "test", To: a, Amount: io("6")}})
					require.NoError(t, err)
					before, err := l.Balance(ctx, a, iog.IO)
					require.NoError(t, err)
					tx, err := db.BeginTx(ctx, nil)
					require.NoError(t, err)
					defer tx.Rollback()
					p, err := l.PrefetchTx(ctx, tx)
					require.NoError(t, err)
					_, err = p.Opened(ctx, []iog.WalletAddress{a, b})
					require.NoError(t, err)
					_, err = p.Entries(ctx, c.read)
					require.NoError(t, err)
					if c.moved != nil {
						_, err := l.ApplyTx(ctx, tx, c.moved)
						require.NoError(t, err)
					}
					_, err = p.ApplyTx(ctx, c.ops)
					require.NoError(t, err)
					require.NoError(t, tx.Commit())
					after, err := l.Balance(ctx, a, iog.IO)
					require.NoError(t, err)
					spent, err := before.Available.Sub(after.Available)
					require.NoError(t, err)
					require.Equal(t, io("6"), spent, "every op applied on the balances as they were")
					require.NoError(t, l.Verify(ctx))
				})
			}
		})
	}
}
