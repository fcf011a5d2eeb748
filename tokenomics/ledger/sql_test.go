package ledger_test

import (
	"crypto/ed25519"
	"database/sql"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/internal/sqltest"
	"github.com/internetofgpus/iog/tokenomics/ledger"
	"github.com/internetofgpus/iog/tokenomics/ledger/ledgertest"
)

func openSQL(t testing.TB, db *sql.DB) *ledger.SQL {
	t.Helper()
	l, err := ledger.OpenSQL(ctx, db, ledger.SQLConfig{Authority: authority, Clock: iog.NewManualClock(t0)})
	require.NoError(t, err)
	return l
}

// TestSQL runs the shared suite on SQLite and on PostgreSQL.
func TestSQL(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			ledgertest.Run(t, func(t *testing.T) ledger.Ledger { return openSQL(t, sqltest.Open(t, d)) })
		})
	}
}

// TestSQLReopens: a ledger opened again on the same database has every
// entry, answers retries from before, chains on, and refuses another
// authority.
func TestSQLReopens(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			db := sqltest.Open(t, d)
			l := openSQL(t, db)
			open(t, l, wallet(1))
			open(t, l, wallet(2))
			apply(t, l, ledger.Op{Kind: ledger.Mint, Key: "mint", Reason: "genesis", To: wallet(1), Amount: io("1000")})
			first := apply(t, l, transferOp(0))

			again := openSQL(t, db)
			replayed, err := again.Apply(ctx, transferOp(0))
			require.ErrorIs(t, err, ledger.ErrReplayed)
			require.Equal(t, first, replayed)
			e := apply(t, again, transferOp(1))
			require.Equal(t, uint64(5), e.Seq)
			require.Equal(t, first.Hash, e.Prev)
			require.True(t, ed25519.Verify(authority.Public().(ed25519.PublicKey), e.Hash[:], e.Signature))
			require.NoError(t, again.Verify(ctx))

			other := ed25519.NewKeyFromSeed([]byte("another authority key, 32 bytes!"))
			_, err = ledger.OpenSQL(ctx, db, ledger.SQLConfig{Authority: other})
			require.ErrorIs(t, err, iog.ErrUnauthorized)
			_, err = ledger.OpenSQL(ctx, db, ledger.SQLConfig{})
			require.ErrorIs(t, err, iog.ErrInvalid)
		})
	}
}

// TestSQLApplyTx: ops applied in a caller's transaction exist with the
// caller's own rows when it commits, and neither does when it rolls back.
func TestSQLApplyTx(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			db := sqltest.Open(t, d)
			l := openSQL(t, db)
			_, err := db.ExecContext(ctx, "CREATE TABLE deployments (id TEXT PRIMARY KEY)")
			require.NoError(t, err)
			open(t, l, wallet(1))
			apply(t, l, ledger.Op{Kind: ledger.Mint, Key: "mint", Reason: "deposit", To: wallet(1), Amount: io("10")})
			hold := ledger.Op{Kind: ledger.Hold, Key: "deploy-1", Reason: "cluster escrow", From: wallet(1), Amount: io("4")}
			deploy := func(commit bool) error {
				return sqldb.InTx(ctx, db, func(tx *sql.Tx) error {
					if _, err := tx.ExecContext(ctx, "INSERT INTO deployments (id) VALUES ($1)", "deploy-1"); err != nil {
						return err
					}
					if _, err := l.ApplyTx(ctx, tx, []ledger.Op{hold}); err != nil {
						return err
					}
					if !commit {
						return errRollback
					}
					return nil
				})
			}
			require.ErrorIs(t, deploy(false), errRollback)
			require.Equal(t, io("10"), available(t, l, wallet(1), iog.IO), "the hold rolled back with the deployment")
			_, err = l.Entry(ctx, "deploy-1")
			require.ErrorIs(t, err, iog.ErrNotFound)
			var rows int
			require.NoError(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM deployments").Scan(&rows))
			require.Zero(t, rows)

			require.NoError(t, deploy(true))
			require.Equal(t, io("6"), available(t, l, wallet(1), iog.IO))
			require.NoError(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM deployments").Scan(&rows))
			require.Equal(t, 1, rows)
			require.NoError(t, l.Verify(ctx))
		})
	}
}

var errRollback = errors.New("roll back")

// TestSQLVerifyCatchesEdits: an edit of the tables behind the ledger's
// back, to an entry (signed, or one an atomic batch's last signature
// seals), a balance, a hold or the supply, is caught by Verify.
func TestSQLVerifyCatchesEdits(t *testing.T) {
	edits := []struct {
		name, stmt string
	}{
		{"entry body", "UPDATE ledger_entries SET body = REPLACE(body, 'rent', 'rant') WHERE seq = 4"},
		{"entry signature", "UPDATE ledger_entries SET signature = hash WHERE seq = 2"},
		{"entry removed", "DELETE FROM ledger_entries WHERE seq = 3"},
		{"unsigned entry of a batch", "UPDATE ledger_entries SET body = REPLACE(body, 'tip one', 'tip two') WHERE seq = 6"},
		{"signature given to an entry of a batch", "UPDATE ledger_entries SET signature = (SELECT signature FROM ledger_entries WHERE seq = 8) WHERE seq = 7"},
		{"batch's signature removed", "UPDATE ledger_entries SET signature = substr(signature, 1, 0) WHERE seq = 8"},
		{"balance", "UPDATE ledger_balances SET available = available + 1 WHERE currency = 1 AND available > 0"},
		{"hold", "UPDATE ledger_holds SET remaining = remaining + 1"},
		{"supply", "UPDATE ledger_supply SET units = units - 1"},
		{"head", "UPDATE ledger_head SET seq = seq - 1"},
	}
	for _, d := range sqltest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			for _, tt := range edits {
				db := sqltest.Open(t, d)
				l := openSQL(t, db)
				open(t, l, wallet(1))
				open(t, l, wallet(2))
				apply(t, l, ledger.Op{Kind: ledger.Mint, Key: "mint", Reason: "genesis", To: wallet(1), Amount: io("100")})
				apply(t, l, ledger.Op{Kind: ledger.Transfer, Key: "t", Reason: "rent", From: wallet(1), To: wallet(2), Amount: io("5")})
				apply(t, l, ledger.Op{Kind: ledger.Hold, Key: "h", Reason: "escrow", From: wallet(1), Amount: io("5")})
				_, err := l.ApplyAll(ctx, []ledger.Op{
					{Kind: ledger.Transfer, Key: "b1", Reason: "tip one", From: wallet(1), To: wallet(2), Amount: io("1")},
					{Kind: ledger.Transfer, Key: "b2", Reason: "tip", From: wallet(1), To: wallet(2), Amount: io("1")},
					{Kind: ledger.Transfer, Key: "b3", Reason: "tip", From: wallet(1), To: wallet(2), Amount: io("1")},
				})
				require.NoError(t, err)
				require.NoError(t, l.Verify(ctx))
				if d == sqldb.Postgres {
					tt.stmt = pgBytes(tt.stmt)
				}
				_, err = db.ExecContext(ctx, tt.stmt)
				require.NoError(t, err, tt.name)
				require.ErrorIs(t, l.Verify(ctx), ledger.ErrTampered, tt.name)
			}
		})
	}
}

// bodyEdit is an edit of an entry's body as text, as SQLite writes it.
var bodyEdit = regexp.MustCompile(`SET body = REPLACE\(body, ('[^']*'), ('[^']*')\)`)

// pgBytes adapts a statement that edits a body as text to PostgreSQL,
// whose bytea has no REPLACE.
func pgBytes(stmt string) string {
	return bodyEdit.ReplaceAllString(stmt, "SET body = convert_to(replace(convert_from(body, 'UTF8'), $1, $2), 'UTF8')")
}

// TestSQLEntriesOf: every entry that moved an account is listed by the
// account, in order, a page at a time, with what it changed of the
// account's balances; a batch that rolled back or was replayed lists
// nothing; the flows in and out per currency add up the entries.
func TestSQLEntriesOf(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			db := sqltest.Open(t, d)
			l := openSQL(t, db)
			alice, bob := wallet(1), wallet(2)
			open(t, l, alice)
			open(t, l, bob)
			usdc := iog.MustParseAmount("5 USDC")
			steps := []ledger.Op{
				{Kind: ledger.Mint, Key: "mint", Reason: "genesis", To: alice, Amount: io("100")},
				{Kind: ledger.Mint, Key: "mint-usdc", Reason: "deposit", To: alice, Amount: usdc},
				{Kind: ledger.Transfer, Key: "pay", Reason: "rent", From: alice, To: bob, Amount: io("10")},
				{Kind: ledger.Hold, Key: "stake", Reason: "stake", From: alice, Amount: io("30")},
				{Kind: ledger.Release, Key: "refund", Reason: "unstaked", To: alice, Amount: io("5"), HoldKey: "stake"},
				{Kind: ledger.Release, Key: "payout", Reason: "rental paid", To: bob, Amount: io("7"), HoldKey: "stake"},
				{Kind: ledger.Burn, Key: "burn", Reason: "slash burned", From: bob, Amount: io("2")},
			}
			for _, op := range steps {
				apply(t, l, op)
			}
			_, err := l.Apply(ctx, steps[2])
			require.ErrorIs(t, err, ledger.ErrReplayed)
			err = sqldb.InTx(ctx, db, func(tx *sql.Tx) error {
				if _, err := l.ApplyTx(ctx, tx, []ledger.Op{{Kind: ledger.Transfer, Key: "rolled back", Reason: "x", From: alice, To: bob, Amount: io("1")}}); err != nil {
					return err
				}
				return errRollback
			})
			require.ErrorIs(t, err, errRollback)

			type change struct {
				key             string
				available, held iog.Amount
			}
			neg := func(a iog.Amount) iog.Amount { n, _ := a.Neg(); return n }
			zero := iog.Zero(iog.IO)
			wantAlice := []change{
				{"mint", io("100"), zero},
				{"mint-usdc", usdc, iog.Zero(iog.USDC)},
				{"pay", io("-10"), zero},
				{"stake", io("-30"), io("30")},
				{"refund", io("5"), io("-5")},
				{"payout", zero, io("-7")},
			}
			wantBob := []change{{"pay", io("10"), zero}, {"payout", io("7"), zero}, {"burn", neg(io("2")), zero}}
			changes := func(w iog.WalletAddress, after uint64, limit int) ([]change, uint64) {
				entries, err := l.EntriesOf(ctx, w, after, limit)
				require.NoError(t, err)
				var out []change
				var last uint64
				for _, e := range entries {
					require.Greater(t, e.Seq, last)
					out = append(out, change{e.Op.Key, e.Available, e.Held})
					last = e.Seq
				}
				return out, last
			}
			got, _ := changes(alice, 0, 100)
			require.Equal(t, wantAlice, got)
			got, _ = changes(bob, 0, 100)
			require.Equal(t, wantBob, got)
			page, last := changes(alice, 0, 4)
			require.Equal(t, wantAlice[:4], page)
			page, _ = changes(alice, last, 4)
			require.Equal(t, wantAlice[4:], page)
			page, _ = changes(wallet(9), 0, 10)
			require.Empty(t, page)
			_, err = l.EntriesOf(ctx, alice, 0, 0)
			require.ErrorIs(t, err, iog.ErrInvalid)
			_, err = l.EntriesOfBefore(ctx, alice, 0, 0)
			require.ErrorIs(t, err, iog.ErrInvalid)

			// Backwards, the latest first, a page at a time.
			var back []change
			for before := uint64(0); ; {
				entries, err := l.EntriesOfBefore(ctx, alice, before, 4)
				require.NoError(t, err)
				for _, e := range entries {
					back = append(back, change{e.Op.Key, e.Available, e.Held})
					before = e.Seq
				}
				if len(entries) < 4 {
					break
				}
			}
			slices.Reverse(back)
			require.Equal(t, wantAlice, back)

			flows, err := l.FlowsOf(ctx, alice)
			require.NoError(t, err)
			require.Equal(t, []ledger.Flow{
				{Currency: iog.IO, In: io("100"), Out: io("17")},
				{Currency: iog.USDC, In: usdc, Out: iog.Zero(iog.USDC)},
			}, flows)
			flows, err = l.FlowsOf(ctx, bob)
			require.NoError(t, err)
			require.Equal(t, []ledger.Flow{{Currency: iog.IO, In: io("17"), Out: io("2")}}, flows)
			require.NoError(t, l.Verify(ctx))
		})
	}
}

// TestSQLLargeBatch: a batch of more rows than one statement carries, and
// not a multiple of them, of opens, mints, holds and releases, is recorded
// whole, chained, sealed by one signature of its last entry and verified; EntriesTx and OpenedTx read back
// what it made, and nothing for keys and accounts it did not.
func TestSQLLargeBatch(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			db := sqltest.Open(t, d)
			l := openSQL(t, db)
			const n = 123
			var ops []ledger.Op
			var keys []string
			var accounts []iog.WalletAddress
			for i := range n {
				w, k := supplier(i), strconv.Itoa(i)
				accounts = append(accounts, w)
				ops = append(ops,
					ledger.Op{Kind: ledger.Open, Key: "open-" + k, Reason: "supplier", To: w},
					ledger.Op{Kind: ledger.Mint, Key: "mint-" + k, Reason: "reward", To: w, Amount: io("3")},
					ledger.Op{Kind: ledger.Hold, Key: "hold-" + k, Reason: "stake", From: w, Amount: io("2")},
					ledger.Op{Kind: ledger.Release, Key: "release-" + k, Reason: "unstake", HoldKey: "hold-" + k, To: w, Amount: io("1")})
				keys = append(keys, "mint-"+k)
			}
			entries, err := l.ApplyAll(ctx, ops)
			require.NoError(t, err)
			require.Len(t, entries, 4*n)
			pub := authority.Public().(ed25519.PublicKey)
			for i, e := range entries {
				require.Equal(t, uint64(i+1), e.Seq)
				if i > 0 {
					require.Equal(t, entries[i-1].Hash, e.Prev)
				}
				if i < len(entries)-1 {
					require.Nil(t, e.Signature, "entry %d: sealed by the batch's last", e.Seq)
				}
			}
			last := entries[len(entries)-1]
			require.True(t, ed25519.Verify(pub, last.Hash[:], last.Signature), "the batch's last entry is signed")
			require.NoError(t, l.Verify(ctx))
			for _, w := range accounts {
				b, err := l.Balance(ctx, w, iog.IO)
				require.NoError(t, err)
				require.Equal(t, io("2"), b.Available)
				require.Equal(t, io("1"), b.Held)
			}
			supply, err := l.Supply(ctx, iog.IO)
			require.NoError(t, err)
			require.Equal(t, iog.NewAmount(3*n*io("1").Units(), iog.IO), supply)

			err = sqldb.InTx(ctx, db, func(tx *sql.Tx) error {
				found, err := l.EntriesTx(ctx, tx, append(keys, "never"))
				require.NoError(t, err)
				require.Len(t, found, n)
				for i, k := range keys {
					require.Equal(t, entries[4*i+1], found[k])
				}
				opened, err := l.OpenedTx(ctx, tx, append(accounts, wallet(99)))
				require.NoError(t, err)
				require.Len(t, opened, n)
				for _, w := range accounts {
					require.True(t, opened[w])
				}
				return nil
			})
			require.NoError(t, err)

			again, err := l.ApplyAll(ctx, ops)
			require.ErrorIs(t, err, ledger.ErrReplayed)
			require.Equal(t, entries, again)
		})
	}
}

// TestSQLBatchInKeyOrder: a batch whose accounts and keys come in no
// order (the ledger writes their rows and reads them sorted) is chained
// in the order of its ops, reads back each entry by its key, indexes
// each under the accounts it moved, with what it changed of them, and
// leaves the caller's lists of keys and accounts as they were.
func TestSQLBatchInKeyOrder(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			db := sqltest.Open(t, d)
			l := openSQL(t, db)
			const n = 157
			var opens, moves []ledger.Op
			var keys []string
			var accounts []iog.WalletAddress
			for i := range n {
				// Every 37th modulo n: a permutation, far from sorted.
				j := i * 37 % n
				w, k := supplier(j), strconv.Itoa(j)
				accounts = append(accounts, w)
				keys = append(keys, "pay-"+k)
				opens = append(opens, ledger.Op{Kind: ledger.Open, Key: "open-" + k, Reason: "supplier", To: w})
				moves = append(moves,
					ledger.Op{Kind: ledger.Mint, Key: "mint-" + k, Reason: "reward", To: w, Amount: io("5")},
					ledger.Op{Kind: ledger.Transfer, Key: "pay-" + k, Reason: "rent", From: w, To: supplier((j + 1) % n), Amount: io("2")})
			}
			_, err := l.ApplyAll(ctx, opens)
			require.NoError(t, err)
			entries, err := l.ApplyAll(ctx, moves)
			require.NoError(t, err)
			bySeq := make(map[uint64]ledger.Entry, len(entries))
			for i, e := range entries {
				require.Equal(t, moves[i], e.Op)
				require.Equal(t, uint64(n+i+1), e.Seq)
				bySeq[e.Seq] = e
			}
			for i, w := range accounts {
				j := i * 37 % n
				got, err := l.EntriesOf(ctx, w, 0, 10)
				require.NoError(t, err)
				type change struct {
					key             string
					available, held iog.Amount
				}
				var changes []change
				for k, e := range got {
					if k > 0 {
						require.Greater(t, e.Seq, got[k-1].Seq)
					}
					require.Equal(t, bySeq[e.Seq], e.Entry)
					changes = append(changes, change{e.Op.Key, e.Available, e.Held})
				}
				// The mint, the payment, and the payment from the account
				// before it, by sequence number.
				mine := []change{{"mint-" + strconv.Itoa(j), io("5"), iog.Zero(iog.IO)}, {"pay-" + strconv.Itoa(j), io("-2"), iog.Zero(iog.IO)}}
				from := change{"pay-" + strconv.Itoa((j+n-1)%n), io("2"), iog.Zero(iog.IO)}
				require.ElementsMatch(t, append(mine, from), changes, "account %d", j)
				b, err := l.Balance(ctx, w, iog.IO)
				require.NoError(t, err)
				require.Equal(t, io("5"), b.Available)
			}
			keysBefore, accountsBefore := slices.Clone(keys), slices.Clone(accounts)
			err = sqldb.InTx(ctx, db, func(tx *sql.Tx) error {
				found, err := l.EntriesTx(ctx, tx, keys)
				require.NoError(t, err)
				require.Len(t, found, n)
				for _, e := range entries {
					if e.Op.Kind == ledger.Transfer {
						require.Equal(t, e, found[e.Op.Key])
					}
				}
				opened, err := l.OpenedTx(ctx, tx, accounts)
				require.NoError(t, err)
				require.Len(t, opened, n)
				return nil
			})
			require.NoError(t, err)
			require.Equal(t, keysBefore, keys)
			require.Equal(t, accountsBefore, accounts)
			require.NoError(t, l.Verify(ctx))
		})
	}
}

// TestSQLEntriesAfter: the whole ledger reads back a page at a time in
// the order of the seqs, each entry as it was applied (a batch's entries
// too, a rolled-back batch not at all), and Len is the last seq.
func TestSQLEntriesAfter(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			db := sqltest.Open(t, d)
			l := openSQL(t, db)
			n, err := l.Len(ctx)
			require.NoError(t, err)
			require.Zero(t, n)
			empty, err := l.EntriesAfter(ctx, 0, 10)
			require.NoError(t, err)
			require.Empty(t, empty)

			openOp := func(w iog.WalletAddress) ledger.Op {
				return ledger.Op{Kind: ledger.Open, Key: "open-" + w.String(), Reason: "new account", To: w}
			}
			applied := []ledger.Entry{apply(t, l, openOp(wallet(1))), apply(t, l, openOp(wallet(2))),
				apply(t, l, ledger.Op{Kind: ledger.Mint, Key: "mint", Reason: "genesis", To: wallet(1), Amount: io("1000")})}
			batch, err := l.ApplyAll(ctx, []ledger.Op{transferOp(0), transferOp(1), transferOp(2)})
			require.NoError(t, err)
			applied = append(applied, batch...)
			err = sqldb.InTx(ctx, db, func(tx *sql.Tx) error {
				if _, err := l.ApplyTx(ctx, tx, []ledger.Op{transferOp(3)}); err != nil {
					return err
				}
				return errRollback
			})
			require.ErrorIs(t, err, errRollback)
			applied = append(applied, apply(t, l, transferOp(4)))

			n, err = l.Len(ctx)
			require.NoError(t, err)
			require.Equal(t, uint64(len(applied)), n)
			for _, limit := range []int{1, 3, len(applied), 100} {
				var got []ledger.Entry
				for after := uint64(0); ; {
					page, err := l.EntriesAfter(ctx, after, limit)
					require.NoError(t, err)
					require.LessOrEqual(t, len(page), limit)
					if len(page) == 0 {
						break
					}
					got = append(got, page...)
					after = page[len(page)-1].Seq
				}
				require.Equal(t, applied, got, "pages of %d", limit)
			}
			tail, err := l.EntriesAfter(ctx, 5, 10)
			require.NoError(t, err)
			require.Equal(t, applied[5:], tail)
			past, err := l.EntriesAfter(ctx, 1<<62, 10)
			require.NoError(t, err)
			require.Empty(t, past)
			_, err = l.EntriesAfter(ctx, 0, 0)
			require.ErrorIs(t, err, iog.ErrInvalid)
		})
	}
}
