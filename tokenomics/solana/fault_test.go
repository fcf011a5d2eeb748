package solana_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
	"github.com/internetofgpus/iog/tokenomics/ledger/ledgertest"
	"github.com/internetofgpus/iog/tokenomics/solana"
)

// faultSuppliers is the size of the fault tests' payout.
const faultSuppliers = 300

// checkPaidOnce checks that every supplier holds exactly what the
// epochs paid it, on the chain, and that each payout is found by its
// memo in a ledger opened afresh.
func checkPaidOnce(t *testing.T, n network, epochs int) {
	t.Helper()
	fresh := n.open(t)
	require.NoError(t, fresh.Verify(ctx))
	want := ledgertest.IO(fmt.Sprint(epochs + 1)) // and the setup's credit
	for i := range faultSuppliers {
		require.Equal(t, want, ledgertest.Available(t, fresh, supplier(i), iog.IO), "supplier %d", i)
		for epoch := 1; epoch <= epochs; epoch++ {
			_, err := fresh.Entry(ctx, fmt.Sprintf("epoch-%d:reward:%d", epoch, i))
			require.NoError(t, err, "epoch %d's payout to %d is found by its memo", epoch, i)
		}
	}
}

// TestRPCKilledMidPayout: the RPC server dies in the middle of an epoch's
// payout and comes back on its state; the settling goes on, and every
// transfer is applied exactly once: one transaction at a time, and a
// window of them at once.
func TestRPCKilledMidPayout(t *testing.T) {
	for _, tt := range []struct {
		name string
		// batches is how many batches packed by Fit one call applies
		batches int
	}{{"one at a time", 1}, {"windows", 8}} {
		t.Run(tt.name, func(t *testing.T) {
			v := testValidator(t)
			n := newNetwork(t, v, t.Name())
			l := n.open(t)
			fundSuppliers(t, l, faultSuppliers)
			batches := packs(t, l, payouts(t, l, faultSuppliers, 1))
			var applied atomic.Int64
			done := make(chan error, 1)
			go func() {
				for len(batches) > 0 {
					k := min(tt.batches, len(batches))
					got, err := l.ApplyEach(ctx, batches[:k])
					if err != nil {
						done <- err
						return
					}
					for _, entries := range got {
						applied.Add(int64(len(entries)))
					}
					batches = batches[k:]
				}
				done <- nil
			}()
			require.Eventually(t, func() bool { return applied.Load() > faultSuppliers/4 }, time.Minute, time.Millisecond)
			v.Kill()
			time.Sleep(300 * time.Millisecond)
			v.Restart(t)
			require.NoError(t, <-done)
			require.Equal(t, int64(faultSuppliers), applied.Load())
			checkPaidOnce(t, n, 1)
		})
	}
}

// settlerEnv makes TestSettlerKilledMidPayout's child the settler it
// kills: it settles an epoch's payouts on the validator the variable
// names, saying how far it got, windowEnv batches a call.
const (
	settlerEnv = "IOG_SOLANA_SETTLER"
	windowEnv  = "IOG_SOLANA_SETTLER_WINDOW"
)

// TestSettlerKilledMidPayout: the process settling a payout is killed
// (SIGKILL) in the middle of it; another, on the same authority, settles
// the same payout and every transfer lands exactly once: what the first
// had landed is found by its memo and not sent again.
func TestSettlerKilledMidPayout(t *testing.T) {
	if url := os.Getenv(settlerEnv); url != "" {
		window, err := strconv.Atoi(os.Getenv(windowEnv))
		require.NoError(t, err)
		runSettler(t, url, window)
		return
	}
	for name, window := range map[string]int{"one at a time": 1, "windows": 8} {
		t.Run(name, func(t *testing.T) { testSettlerKilled(t, window) })
	}
}

func testSettlerKilled(t *testing.T, window int) {
	v := testValidator(t)
	n := newNetwork(t, v, "TestSettlerKilledMidPayout")
	l := n.open(t)
	fundSuppliers(t, l, faultSuppliers)
	require.NoError(t, l.Close())

	child := exec.Command(os.Args[0], "-test.run=^TestSettlerKilledMidPayout$", "-test.count=1", "-test.v")
	child.Env = append(os.Environ(), settlerEnv+"="+v.URL(), fmt.Sprintf("%s=%d", windowEnv, window))
	out, err := child.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, child.Start())
	t.Cleanup(func() {
		if child.ProcessState == nil {
			child.Process.Kill()
			child.Wait()
		}
	})
	lines := bufio.NewScanner(out)
	settled := 0
	for settled < faultSuppliers/3 && lines.Scan() {
		fmt.Sscanf(strings.TrimSpace(lines.Text()), "settled %d", &settled)
	}
	require.GreaterOrEqual(t, settled, faultSuppliers/3, "the settler stopped early: %v", lines.Err())
	require.NoError(t, child.Process.Kill())
	child.Wait()

	// A new settler, on the same authority, settles the same payout: what
	// landed is found by its memo and skipped.
	again := n.open(t)
	var rest []ledger.Op
	replayed := 0
	for _, op := range payouts(t, again, faultSuppliers, 1) {
		if _, err := again.Entry(ctx, op.Key); err == nil {
			replayed++
			continue
		}
		rest = append(rest, op)
	}
	settle(t, again, rest)
	t.Logf("the killed settler reported %d payouts; %d were found on the chain by a new one", settled, replayed)
	require.GreaterOrEqual(t, replayed, settled)
	checkPaidOnce(t, n, 1)
}

// runSettler is the child of TestSettlerKilledMidPayout: it settles
// epoch 1's payouts, window batches packed by Fit a call, printing how
// many have landed after each call, until it is killed.
func runSettler(t *testing.T, url string, window int) {
	n := network{cfg: networkConfig(url, "TestSettlerKilledMidPayout")}
	l, err := solana.New(context.Background(), n.cfg)
	require.NoError(t, err)
	batches := packs(t, l, payouts(t, l, faultSuppliers, 1))
	done := 0
	for len(batches) > 0 {
		k := min(window, len(batches))
		got, err := l.ApplyEach(ctx, batches[:k])
		require.NoError(t, err)
		for _, entries := range got {
			done += len(entries)
		}
		batches = batches[k:]
		fmt.Printf("settled %d\n", done)
		time.Sleep(20 * time.Millisecond) // so that the parent's kill lands mid-payout
	}
	time.Sleep(time.Minute) // until killed
}

// TestUnknownFateSettledFirst: an op whose transaction's fate is unknown
// when its context ends (the RPC server is gone) fails with
// iog.ErrUnavailable and changes nothing the ledger shows; the next call
// first waits until that transaction has provably expired, and the op's
// retry then applies once.
func TestUnknownFateSettledFirst(t *testing.T) {
	v := testValidator(t)
	n := newNetwork(t, v, t.Name())
	l := n.open(t)
	alice, bob := ledgertest.Wallet(1), ledgertest.Wallet(2)
	ledgertest.Open(t, l, alice)
	ledgertest.Open(t, l, bob)
	ledgertest.Apply(t, l, ledger.Op{Kind: ledger.Mint, Key: "m", Reason: "r", To: alice, Amount: ledgertest.IO("10")})
	before := ledgertest.Snapshot(t, l, alice, bob)
	op := ledger.Op{Kind: ledger.Transfer, Key: "pay", Reason: "rent", From: alice, To: bob, Amount: ledgertest.IO("3")}
	v.Kill()
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_, err := l.Apply(short, op)
	require.ErrorIs(t, err, iog.ErrUnavailable)
	v.Restart(t)
	require.Equal(t, before, ledgertest.Snapshot(t, l, alice, bob))
	e := ledgertest.Apply(t, l, op)
	require.Equal(t, uint64(4), e.Seq)
	require.Equal(t, ledgertest.IO("7"), ledgertest.Available(t, l, alice, iog.IO))
	require.NoError(t, l.Verify(ctx))
	found, err := n.open(t).Entry(ctx, "pay")
	require.NoError(t, err)
	require.Equal(t, e, found, "once, as a new ledger reads the chain")
}
