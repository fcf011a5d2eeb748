package refserver_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/mr-tron/base58"
	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/sqltest"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver"
	"github.com/internetofgpus/iog/tokenomics"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// chainAuthority signs the test chain's ledger file.
var chainAuthority = ed25519.NewKeyFromSeed([]byte("iog test chain authority key 32b"))

// testChain is the chain the tests settle onto: a ledger of package
// ledger (a File: durable, as a chain is) whose transactions take fit ops,
// and which fails as a chain's RPC does when told to.
type testChain struct {
	ledger.Ledger
	fit int

	mu sync.Mutex
	// down is how many calls to come fail with iog.ErrUnavailable, before
	// reaching the ledger; lost how many ApplyAll calls to come are
	// applied and answered with iog.ErrUnavailable, a reply lost.
	down, lost int
	// calls counts the calls, batches the sizes of the batches applied;
	// paid holds the owner each payout paid, by key.
	calls   int
	batches []int
	paid    map[string]iog.WalletAddress
}

// openChain opens the test chain in the ledger file at path.
func openChain(t testing.TB, path string, fit int) *testChain {
	t.Helper()
	f, err := ledger.OpenFile(ctx, path, ledger.FileConfig{Authority: chainAuthority, RepairTornTail: true, Clock: iog.NewManualClock(t0)})
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	return &testChain{Ledger: f, fit: fit}
}

// Fit implements refserver.Chain.
func (c *testChain) Fit(ops []ledger.Op) int { return min(c.fit, len(ops)) }

// ApplyAll implements refserver.Chain.
func (c *testChain) ApplyAll(ctx context.Context, ops []ledger.Op) ([]ledger.Entry, error) {
	if err := c.call(); err != nil {
		return nil, err
	}
	got, err := c.Ledger.ApplyAll(ctx, ops)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		c.batches = append(c.batches, len(ops))
	}
	if err == nil && c.lost > 0 {
		c.lost--
		return nil, fmt.Errorf("chain: the reply to a transaction was lost: %w", iog.ErrUnavailable)
	}
	return got, err
}

// Withdraw implements refserver.Chain: the Burn is applied, and the owner
// it pays noted.
func (c *testChain) Withdraw(ctx context.Context, op ledger.Op, owner iog.WalletAddress) (ledger.Entry, error) {
	got, err := c.ApplyAll(ctx, []ledger.Op{op})
	if err != nil && !errors.Is(err, ledger.ErrReplayed) {
		return ledger.Entry{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paid == nil {
		c.paid = map[string]iog.WalletAddress{}
	}
	c.paid[op.Key] = owner
	return got[0], err
}

// Entry implements refserver.Chain.
func (c *testChain) Entry(ctx context.Context, key string) (ledger.Entry, error) {
	if err := c.call(); err != nil {
		return ledger.Entry{}, err
	}
	return c.Ledger.Entry(ctx, key)
}

func (c *testChain) call() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if c.down > 0 {
		c.down--
		return fmt.Errorf("chain: connection refused: %w", iog.ErrUnavailable)
	}
	return nil
}

// set changes the chain's state under its lock.
func (c *testChain) set(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f()
}

// settleOn settles the server's ledger onto chain, in batches of at most
// batch entries.
func settleOn(chain refserver.Chain, batch int) func(*refserver.Config) {
	return func(c *refserver.Config) {
		c.Settlement = refserver.Settlement{Chain: chain, Interval: time.Second, Batch: batch}
	}
}

// settleWorkload moves money through every area: faucet grants, a stake,
// an epoch's rewards (to a device an hour up) and their claim, a deploy's escrow and its refund,
// a withdrawal. It returns the keys of the wallets it moved.
func settleWorkload(t *testing.T, e *env, n byte) []ed25519.PrivateKey {
	alice := newSupplier(t, e, n, "H100-SXM", 1)
	renter := e.client(walletKey(n + 100))
	for _, c := range []interface {
		Faucet(context.Context) (api.Account, error)
	}{alice.c, renter} {
		_, err := c.Faucet(ctx)
		require.NoError(t, err)
	}
	d := alice.register(t)
	ds, err := alice.c.DeviceStake(ctx, d.ID)
	require.NoError(t, err)
	_, err = alice.c.Stake(ctx, d.ID, ds.Required)
	require.NoError(t, err)
	for range 2 {
		alice.beat(t, e, d.ID, true)
		e.clock.Advance(30 * time.Minute)
	}
	require.NoError(t, e.server.SettleEpoch(ctx))
	_, err = alice.c.ClaimRewards(ctx)
	require.NoError(t, err)
	cl, err := renter.Deploy(ctx, deployBody(t, 1, 1))
	require.NoError(t, err)
	_, err = renter.TerminateCluster(ctx, cl.ID)
	require.NoError(t, err)
	_, err = alice.c.Withdraw(ctx, ioAmount("100"), walletOf(walletKey(77)))
	require.NoError(t, err)
	return []ed25519.PrivateKey{alice.key, walletKey(n + 100)}
}

// heldCurrencies are the currencies the server's ledger holds: USD is a
// unit of account only.
var heldCurrencies = []iog.Currency{iog.IO, iog.IOSD, iog.USDC}

// checkSettled checks that every entry of the server's ledger l is on the
// chain once, in the same order (the chain's first entries being the
// first skip entries of its own), and that every account's balances and
// every currency's supply are the same on both.
func checkSettled(t *testing.T, l *ledger.SQL, chain ledger.Ledger, skip uint64) []ledger.Entry {
	t.Helper()
	n, err := l.Len(ctx)
	require.NoError(t, err)
	entries, err := l.EntriesAfter(ctx, 0, int(n)+1)
	require.NoError(t, err)
	require.Len(t, entries, int(n))
	accounts := map[iog.WalletAddress]bool{}
	for _, en := range entries {
		on, err := chain.Entry(ctx, en.Op.Key)
		require.NoError(t, err, "entry %d (%s) on the chain", en.Seq, en.Op.Key)
		require.Equal(t, en.Op, on.Op)
		require.Equal(t, skip+en.Seq, on.Seq, "entry %d is the chain's in the same order, once", en.Seq)
		for _, w := range []iog.WalletAddress{en.Op.From, en.Op.To} {
			if !w.IsZero() {
				accounts[w] = true
			}
		}
	}
	for w := range accounts {
		for _, c := range heldCurrencies {
			want, err := l.Balance(ctx, w, c)
			require.NoError(t, err)
			got, err := chain.Balance(ctx, w, c)
			require.NoError(t, err)
			require.Equal(t, want, got, "%v's %v", w, c)
		}
	}
	for _, c := range heldCurrencies {
		want, err := l.Supply(ctx, c)
		require.NoError(t, err)
		got, err := chain.Supply(ctx, c)
		require.NoError(t, err)
		require.Equal(t, want, got, "the supply of %v", c)
	}
	return entries
}

// checkShown checks that each wallet's earnings show each of its entries
// settled, under the signature of the chain's entry.
func checkShown(t *testing.T, e *env, chain ledger.Ledger, entries []ledger.Entry, wallets []ed25519.PrivateKey) {
	t.Helper()
	for _, w := range wallets {
		got, err := e.client(w).Earnings(ctx, 0, 1000)
		require.NoError(t, err)
		require.NotEmpty(t, got.Entries)
		for _, en := range got.Entries {
			on, err := chain.Entry(ctx, entries[en.Seq-1].Op.Key)
			require.NoError(t, err)
			require.Equal(t, &api.Settlement{Status: api.SettlementSettled, Signature: base58.Encode(on.Signature)}, en.Settlement, "entry %d", en.Seq)
		}
	}
	list, err := e.client(nil).Transactions(ctx, iogsdk.Page{Limit: len(entries)})
	require.NoError(t, err)
	require.Len(t, list.Transactions, len(entries))
	for i, tr := range list.Transactions {
		en := entries[len(entries)-1-i]
		on, err := chain.Entry(ctx, en.Op.Key)
		require.NoError(t, err)
		require.Equal(t, api.Transaction{Seq: en.Seq, Time: en.Time, Kind: en.Op.Kind.String(), Reason: en.Op.Reason, From: en.Op.From, To: en.Op.To, Amount: en.Op.Amount,
			Settlement: &api.Settlement{Status: api.SettlementSettled, Signature: base58.Encode(on.Signature)}}, tr, "the explorer's transaction %d", en.Seq)
	}
}

// TestTransactions: the explorer lists the ledger's entries, the latest
// first, a page at a time, down to the first.
func TestTransactions(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		for n := range byte(3) {
			_, err := e.client(walletKey(n + 1)).Faucet(ctx)
			require.NoError(t, err)
		}
		l := e.server.Store().Ledger()
		n, err := l.Len(ctx)
		require.NoError(t, err)
		anon := e.client(nil)
		var seqs []uint64
		page := iogsdk.Page{Limit: 4}
		for {
			list, err := anon.Transactions(ctx, page)
			require.NoError(t, err)
			require.LessOrEqual(t, len(list.Transactions), 4)
			for _, tr := range list.Transactions {
				seqs = append(seqs, tr.Seq)
				if tr.Kind == "open" {
					require.True(t, tr.Amount.IsZero())
					require.False(t, tr.To.IsZero())
				}
			}
			if list.Next == 0 {
				break
			}
			page.Cursor = strconv.FormatUint(list.Next, 10)
		}
		want := make([]uint64, n)
		for i := range want {
			want[i] = n - uint64(i)
		}
		require.Equal(t, want, seqs, "every entry once, the latest first")
		for _, bad := range []string{"0", "x", "-1"} {
			_, err := anon.Transactions(ctx, iogsdk.Page{Cursor: bad})
			require.ErrorIs(t, err, iog.ErrInvalid, bad)
		}
		past, err := anon.Transactions(ctx, iogsdk.Page{Cursor: strconv.FormatUint(n+100, 10), Limit: 1})
		require.NoError(t, err)
		require.Equal(t, n, past.Transactions[0].Seq, "a cursor past the last starts at the last")
	}, withFaucet)
}

// readiness returns /readyz's answer.
func readiness(t *testing.T, e *env) map[string]any {
	t.Helper()
	resp, err := http.Get(e.url + "/readyz")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return out
}

// TestSettlementOff: a server that does not settle shows no settlement,
// and exports no settlement metric.
func TestSettlementOff(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		alice := e.client(walletKey(1))
		_, err := alice.Faucet(ctx)
		require.NoError(t, err)
		got, err := alice.Earnings(ctx, 0, 0)
		require.NoError(t, err)
		require.NotEmpty(t, got.Entries)
		for _, en := range got.Entries {
			require.Nil(t, en.Settlement)
		}
		list, err := e.client(nil).Transactions(ctx, iogsdk.Page{})
		require.NoError(t, err)
		require.NotEmpty(t, list.Transactions)
		for _, tr := range list.Transactions {
			require.Nil(t, tr.Settlement)
		}
		require.Equal(t, map[string]any{"status": "ready"}, readiness(t, e))
		_, ok := metric(t, e.server, "iog_settlement_lag_entries", nil)
		require.False(t, ok)
	}, withFaucet)
}

// TestSettlement: after a workload through every area, every entry of
// the server's ledger is on the chain once, in order, in transactions of
// at most what the chain fits, with the same balances; the API shows
// each entry's signature. A crash between the chain's transaction and
// the store's record of it (the reply lost, then a restart on the same
// store and chain) applies nothing twice: the chain says what landed.
func TestSettlement(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			chain := openChain(t, filepath.Join(t.TempDir(), "chain"), 5)
			e := newEnv(t, d, withFaucet, epochConfig, settleOn(chain, 8), func(c *refserver.Config) {
				c.Rewards = tokenomics.RewardConfig{Nomination: tokenomics.NominationRules{MinUptime: time.Hour}}
			})
			wallets := settleWorkload(t, e, 1)
			got, err := e.client(walletKey(1)).Earnings(ctx, 0, 0)
			require.NoError(t, err)
			for _, en := range got.Entries {
				require.Equal(t, &api.Settlement{Status: api.SettlementPending}, en.Settlement)
			}
			withdrawals, err := e.client(walletKey(1)).Withdrawals(ctx, "")
			require.NoError(t, err)
			require.Equal(t, api.WithdrawalPending, withdrawals.Withdrawals[0].Status, "until its payout settles")
			require.NoError(t, e.server.Settle(ctx))
			entries := checkSettled(t, e.server.Store().Ledger(), chain.Ledger, 0)
			checkShown(t, e, chain.Ledger, entries, wallets)
			withdrawals, err = e.client(walletKey(1)).Withdrawals(ctx, "")
			require.NoError(t, err)
			require.Equal(t, api.WithdrawalPaid, withdrawals.Withdrawals[0].Status)
			require.Equal(t, map[string]iog.WalletAddress{"withdrawal-payout:" + withdrawals.Withdrawals[0].ID: walletOf(walletKey(77))}, chain.paid,
				"the chain paid the withdrawal's address")
			require.Equal(t, map[string]any{"status": "settling", "settled_to": float64(len(entries))}, readiness(t, e)["settlement"])
			for _, n := range chain.batches {
				require.LessOrEqual(t, n, 5)
			}
			require.Contains(t, chain.batches, 5, "batches as large as the chain fits")
			settled, _ := metric(t, e.server, "iog_settlement_entries_total", nil)
			require.Equal(t, float64(len(entries)), settled)
			lag, _ := metric(t, e.server, "iog_settlement_lag_entries", nil)
			require.Zero(t, lag)

			wallets = append(wallets, settleWorkload(t, e, 2)...)
			chain.set(func() { chain.lost = 1 })
			require.ErrorIs(t, e.server.Settle(ctx), iog.ErrUnavailable)
			lag, _ = metric(t, e.server, "iog_settlement_lag_entries", nil)
			require.NotZero(t, lag)
			require.NoError(t, e.server.Close())
			e = startEnv(t, e.cfg, e.clock)
			require.NoError(t, e.server.Settle(ctx))
			entries = checkSettled(t, e.server.Store().Ledger(), chain.Ledger, 0)
			checkShown(t, e, chain.Ledger, entries, wallets)
			calls := chain.calls
			require.NoError(t, e.server.Settle(ctx))
			require.Equal(t, calls, chain.calls, "nothing left to settle, nothing asked of the chain")
		})
	}
}

// TestSettlementChainDown: a chain that does not answer delays the
// settlement, the rounds backing off, and it catches up when the chain
// is back.
func TestSettlementChainDown(t *testing.T) {
	eachDialectChain(t, 3, 0, func(t *testing.T, e *env, chain *testChain) {
		alice := e.client(walletKey(1))
		_, err := alice.Faucet(ctx)
		require.NoError(t, err)
		chain.set(func() { chain.down = 4 })
		var waits []int
		for round := 0; ; round++ {
			require.Less(t, round, 100, "the settlement never caught up")
			before := chain.calls
			err := e.server.Settle(ctx)
			if err == nil && chain.calls > before {
				break
			}
			if chain.calls > before {
				require.ErrorIs(t, err, iog.ErrUnavailable)
				waits = append(waits, 0)
			} else {
				waits[len(waits)-1]++
			}
			e.clock.Advance(time.Second)
		}
		require.Equal(t, []int{0, 1, 3, 7}, waits, "a round a second after the first failure, then two, four, eight")
		failures, _ := metric(t, e.server, "iog_settlement_failures_total", map[string]string{"kind": "unavailable"})
		require.Equal(t, float64(4), failures)
		checkSettled(t, e.server.Store().Ledger(), chain.Ledger, 0)
	})
}

// eachDialectChain runs test on a new server over each database that
// settles onto a new test chain of fit and batch.
func eachDialectChain(t *testing.T, fit, batch int, test func(t *testing.T, e *env, chain *testChain)) {
	for _, d := range sqltest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			chain := openChain(t, filepath.Join(t.TempDir(), "chain"), fit)
			test(t, newEnv(t, d, withFaucet, settleOn(chain, batch)), chain)
		})
	}
}

// TestSettlementRefused: an entry the chain refuses (an account's funds
// on the chain gone: a chain that does not match the database) is marked
// failed, and settling stops there: the entries before it in its batch
// are settled, the ones after it wait. The API, the readiness and the
// metrics say so.
func TestSettlementRefused(t *testing.T) {
	eachDialectChain(t, 5, 0, func(t *testing.T, e *env, chain *testChain) {
		alice, bob := e.client(walletKey(1)), e.client(walletKey(2))
		_, err := alice.Faucet(ctx)
		require.NoError(t, err)
		require.NoError(t, e.server.Settle(ctx))
		settled := checkSettled(t, e.server.Store().Ledger(), chain.Ledger, 0)

		// Someone moves alice's IO away on the chain, behind the server's
		// back.
		stranger := walletOf(walletKey(200))
		acct, err := alice.Account(ctx, walletOf(walletKey(1)))
		require.NoError(t, err)
		var all iog.Amount
		for _, b := range acct.Balances {
			if b.Currency == iog.IO {
				all = b.Available
			}
		}
		_, err = chain.Ledger.ApplyAll(ctx, []ledger.Op{
			{Kind: ledger.Open, Key: "tamper-open", Reason: "stranger", To: stranger},
			{Kind: ledger.Transfer, Key: "tamper", Reason: "taken", From: walletOf(walletKey(1)), To: stranger, Amount: all},
		})
		require.NoError(t, err)
		_, err = bob.Faucet(ctx)
		require.NoError(t, err)
		_, err = alice.Withdraw(ctx, ioAmount("100"), walletOf(walletKey(77)))
		require.NoError(t, err)
		_, err = bob.Withdraw(ctx, ioAmount("100"), walletOf(walletKey(77)))
		require.NoError(t, err)

		require.NoError(t, e.server.Settle(ctx))
		l := e.server.Store().Ledger()
		n, err := l.Len(ctx)
		require.NoError(t, err)
		entries, err := l.EntriesAfter(ctx, 0, int(n))
		require.NoError(t, err)
		// Each withdrawal is a transfer and its payout.
		failed := entries[len(entries)-4]
		require.Equal(t, ledger.Transfer, failed.Op.Kind, "alice's withdrawal")
		for _, en := range entries[len(settled) : len(entries)-4] {
			on, err := chain.Ledger.Entry(ctx, en.Op.Key)
			require.NoError(t, err, "bob's faucet grant, before the refused entry, settled")
			require.Equal(t, en.Op, on.Op)
		}
		for _, en := range entries[len(entries)-4:] {
			_, err := chain.Ledger.Entry(ctx, en.Op.Key)
			require.ErrorIs(t, err, iog.ErrNotFound, "entry %d, the refused one and the one after it, not on the chain", en.Seq)
		}

		got, err := alice.Earnings(ctx, failed.Seq-1, 10)
		require.NoError(t, err)
		require.Len(t, got.Entries, 1)
		s := got.Entries[0].Settlement
		require.Equal(t, api.SettlementFailed, s.Status)
		require.Contains(t, s.Error, "insufficient")
		gotBob, err := bob.Earnings(ctx, failed.Seq, 10)
		require.NoError(t, err)
		require.Equal(t, &api.Settlement{Status: api.SettlementPending}, gotBob.Entries[0].Settlement, "after the refused entry, pending")
		health := readiness(t, e)["settlement"].(map[string]any)
		require.Equal(t, "halted", health["status"])
		require.Equal(t, float64(failed.Seq), health["failed_entry"])
		require.Equal(t, float64(failed.Seq-1), health["settled_to"])
		halted, _ := metric(t, e.server, "iog_settlement_halted", nil)
		require.Equal(t, float64(1), halted)
		refusals, _ := metric(t, e.server, "iog_settlement_failures_total", map[string]string{"kind": "refused"})
		require.Equal(t, float64(1), refusals)

		calls := chain.calls
		e.clock.Advance(time.Hour)
		require.NoError(t, e.server.Settle(ctx))
		require.Equal(t, calls, chain.calls, "stopped: nothing more asked of the chain")
	})
}

// TestSettlementBatches: a chain transaction carries at most what the
// chain fits and Settlement.Batch allows; an entry that fits no
// transaction is refused.
func TestSettlementBatches(t *testing.T) {
	for _, c := range []struct {
		name       string
		fit, batch int
		largest    int // the largest batch, 0 when the first entry fails
	}{
		{"the chain's fit", 3, 0, 3},
		{"the configured batch", 10, 2, 2},
		{"one at a time", 1, 8, 1},
		{"nothing fits", 0, 8, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			chain := openChain(t, filepath.Join(t.TempDir(), "chain"), c.fit)
			e := newEnv(t, sqltest.Dialects[0], withFaucet, settleOn(chain, c.batch))
			for n := range byte(3) {
				_, err := e.client(walletKey(n + 1)).Faucet(ctx)
				require.NoError(t, err)
			}
			require.NoError(t, e.server.Settle(ctx))
			if c.largest == 0 {
				require.Empty(t, chain.batches)
				health := readiness(t, e)["settlement"].(map[string]any)
				require.Equal(t, "halted", health["status"])
				require.Contains(t, health["error"], "does not fit one transaction")
				return
			}
			require.Equal(t, c.largest, slices.Max(chain.batches), "%v", chain.batches)
			checkSettled(t, e.server.Store().Ledger(), chain.Ledger, 0)
		})
	}
}
