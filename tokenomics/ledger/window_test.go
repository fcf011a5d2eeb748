package ledger_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
	"github.com/internetofgpus/iog/tokenomics/ledger/ledgertest"
)

// windowRecorder records windows of batches, at most take at a time (all
// when 0), and fails the batch whose first key is in fail, recording the
// batches before it.
type windowRecorder struct {
	logRecorder
	take    int
	windows [][]string // each window's batches, by their first key
	// mirror, when set, applies each window's batches last first, which
	// must succeed: a window's batches apply in any order.
	mirror ledger.Ledger
	t      *testing.T
}

func (r *windowRecorder) RecordWindow(ctx context.Context, batches [][]ledger.Entry) ([][]byte, error) {
	if r.take > 0 && len(batches) > r.take {
		batches = batches[:r.take]
	}
	var window []string
	for _, b := range batches {
		window = append(window, b[0].Op.Key)
	}
	r.windows = append(r.windows, window)
	if r.mirror != nil {
		for i := len(batches) - 1; i >= 0; i-- {
			_, err := r.mirror.ApplyAll(ctx, ops(batches[i]))
			require.NoError(r.t, err, "batch %d of a window of %d, applied last first", i+1, len(batches))
		}
	}
	var proofs [][]byte
	for _, b := range batches {
		proof, err := r.Record(ctx, b)
		if err != nil {
			return proofs, err
		}
		proofs = append(proofs, proof)
	}
	return proofs, nil
}

// windowCase is a ledger's set-up and the batches then applied.
type windowCase struct {
	name    string
	batches [][]ledger.Op
	take    int
	windows [][]string // the windows recorded
	err     error      // the error of the batch that fails, if any
	applied int        // the batches applied
}

var (
	treasury, alice, bob, carol = wallet(1), wallet(2), wallet(3), wallet(4)
	dave                        = wallet(5)
)

func pay(key string, from, to iog.WalletAddress, amount string) ledger.Op {
	return ledger.Op{Kind: ledger.Transfer, Key: key, Reason: "pay", From: from, To: to, Amount: io(amount)}
}

// setUpWindow opens the treasury, alice, bob and carol, and mints the
// treasury 10 IO.
func setUpWindow(t *testing.T, l ledger.Ledger) {
	for _, w := range []iog.WalletAddress{treasury, alice, bob, carol} {
		open(t, l, w)
	}
	apply(t, l, ledger.Op{Kind: ledger.Mint, Key: "fund", Reason: "r", To: treasury, Amount: io("10")})
}

// TestApplyEach: batches go to the recorder in windows of batches that
// do not depend on each other, and the ledger ends as applying them one
// by one leaves it, numbered the same.
func TestApplyEach(t *testing.T) {
	one := func(op ledger.Op) []ledger.Op { return []ledger.Op{op} }
	payouts := [][]ledger.Op{one(pay("p1", treasury, alice, "1")), one(pay("p2", treasury, bob, "2")), {pay("p3", treasury, carol, "3"), pay("p3b", treasury, alice, "1")}}
	for _, tt := range []windowCase{
		{name: "payouts", batches: payouts, windows: [][]string{{"p1", "p2", "p3"}}, applied: 3},
		{name: "two at a time", batches: payouts, take: 2, windows: [][]string{{"p1", "p2"}, {"p3"}}, applied: 3},
		{name: "a debit of what the window credits", batches: [][]ledger.Op{one(pay("a", treasury, alice, "2")), one(pay("b", alice, bob, "1")), one(pay("c", treasury, carol, "1"))},
			windows: [][]string{{"a"}, {"b", "c"}}, applied: 3},
		{name: "a credit in another currency", batches: [][]ledger.Op{
			one(ledger.Op{Kind: ledger.Mint, Key: "usdc", Reason: "r", To: treasury, Amount: iog.MustParseAmount("1 USDC")}),
			one(pay("b", treasury, alice, "1"))},
			windows: [][]string{{"usdc", "b"}}, applied: 2},
		{name: "a wallet the window opens", batches: [][]ledger.Op{one(ledger.Op{Kind: ledger.Open, Key: "o", Reason: "r", To: dave}), one(pay("d", treasury, dave, "1"))},
			windows: [][]string{{"o"}, {"d"}}, applied: 2},
		{name: "a hold the window makes", batches: [][]ledger.Op{
			one(ledger.Op{Kind: ledger.Hold, Key: "h", Reason: "r", From: treasury, Amount: io("4")}),
			one(ledger.Op{Kind: ledger.Release, Key: "r", Reason: "r", HoldKey: "h", To: bob, Amount: io("4")})},
			windows: [][]string{{"h"}, {"r"}}, applied: 2},
		{name: "a hold and its release in one batch", batches: [][]ledger.Op{
			{{Kind: ledger.Hold, Key: "h", Reason: "r", From: treasury, Amount: io("4")}, {Kind: ledger.Release, Key: "r", Reason: "r", HoldKey: "h", To: bob, Amount: io("4")}},
			one(pay("p", treasury, carol, "6"))},
			windows: [][]string{{"h", "p"}}, applied: 2},
		{name: "debits beyond the balance", batches: [][]ledger.Op{one(pay("a", treasury, alice, "6")), one(pay("b", treasury, bob, "5")), one(pay("c", treasury, carol, "1"))},
			windows: [][]string{{"a"}}, err: iog.ErrInsufficientFunds, applied: 1},
		{name: "a key used twice", batches: [][]ledger.Op{one(pay("a", treasury, alice, "1")), one(pay("a", treasury, alice, "1"))},
			windows: [][]string{{"a"}}, err: ledger.ErrReplayed, applied: 2},
		{name: "an invalid batch", batches: [][]ledger.Op{one(pay("a", treasury, alice, "1")), {}},
			windows: [][]string{{"a"}}, err: iog.ErrInvalid, applied: 1},
		{name: "the recorder fails the second", batches: payouts, windows: [][]string{{"p1", "p2", "p3"}}, err: iog.ErrUnavailable, applied: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := &windowRecorder{take: tt.take}
			if tt.name == "the recorder fails the second" {
				rec.fail = map[string]bool{"p2": true}
			}
			l := newRecorded(t, rec)
			setUpWindow(t, l)
			got, err := l.ApplyEach(ctx, tt.batches)
			if tt.err == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tt.err)
				require.ErrorContains(t, err, fmt.Sprintf("batch %d of %d", tt.applied+boolInt(tt.err != ledger.ErrReplayed), len(tt.batches)))
			}
			require.Equal(t, tt.windows, rec.windows)
			require.Len(t, got, tt.applied)

			// One by one, on a ledger whose recorder refuses the same.
			want := newRecorded(t, &logRecorder{fail: rec.fail})
			setUpWindow(t, want)
			wantEntries := [][]ledger.Entry{}
			for _, ops := range tt.batches {
				entries, err := want.ApplyAll(ctx, ops)
				if len(entries) > 0 {
					wantEntries = append(wantEntries, entries)
				}
				if err != nil {
					break
				}
			}
			require.Equal(t, wantEntries, got)
			all := []iog.WalletAddress{treasury, alice, bob, carol}
			require.Equal(t, ledgertest.Snapshot(t, want, all...), ledgertest.Snapshot(t, l, all...))
			require.Equal(t, want.Seq(), l.Seq())
			require.Equal(t, rec.entries, withoutFailed(t, want, rec.entries), "the record holds what was applied")
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// withoutFailed returns the entries of the record that l has under their
// keys: all of them, when the record holds only what l applied.
func withoutFailed(t *testing.T, l ledger.Ledger, record []ledger.Entry) []ledger.Entry {
	var out []ledger.Entry
	for _, e := range record {
		got, err := l.Entry(ctx, e.Op.Key)
		if err == nil && got.Seq == e.Seq {
			out = append(out, e)
		}
	}
	return out
}

// TestApplyEachWithoutWindows: a Recorder that records one batch at a
// time gets them one by one.
func TestApplyEachWithoutWindows(t *testing.T) {
	rec := &logRecorder{}
	l := newRecorded(t, rec)
	setUpWindow(t, l)
	got, err := l.ApplyEach(ctx, [][]ledger.Op{{pay("a", treasury, alice, "1")}, {pay("b", alice, bob, "1")}, {pay("c", alice, bob, "1")}})
	require.ErrorIs(t, err, iog.ErrInsufficientFunds)
	require.ErrorContains(t, err, "batch 3 of 3")
	require.Len(t, got, 2)
	require.Equal(t, uint64(7), l.Seq())
	require.Equal(t, []byte("proof-7"), got[1][0].Signature)
}

func ops(entries []ledger.Entry) []ledger.Op {
	out := make([]ledger.Op, len(entries))
	for i, e := range entries {
		out[i] = e.Op
	}
	return out
}

// TestApplyEachAnyOrder: random batches, in random windows; each window
// applies last batch first on a mirror, and the ledger ends as applying
// them one by one leaves it.
func TestApplyEachAnyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	wallets := []iog.WalletAddress{treasury, alice, bob, carol}
	for trial := range 300 {
		var batches [][]ledger.Op
		holds := 0
		for b := range 2 + rng.IntN(10) {
			var batch []ledger.Op
			for i := range 1 + rng.IntN(3) {
				key := fmt.Sprintf("k%d-%d", b, i)
				from, to := wallets[rng.IntN(4)], wallets[rng.IntN(4)]
				units := fmt.Sprint(1 + rng.IntN(4))
				amount := io(units)
				var op ledger.Op
				switch rng.IntN(6) {
				case 0:
					op = ledger.Op{Kind: ledger.Mint, Key: key, Reason: "r", To: to, Amount: amount}
				case 1:
					op = ledger.Op{Kind: ledger.Burn, Key: key, Reason: "r", From: from, Amount: amount}
				case 2:
					op = ledger.Op{Kind: ledger.Hold, Key: fmt.Sprintf("h%d", holds), Reason: "r", From: from, Amount: amount}
					holds++
				case 3:
					if holds > 0 {
						op = ledger.Op{Kind: ledger.Release, Key: key, Reason: "r", HoldKey: fmt.Sprintf("h%d", rng.IntN(holds)), To: to, Amount: io("1")}
						break
					}
					fallthrough
				default:
					op = pay(key, from, to, units)
				}
				batch = append(batch, op)
			}
			batches = append(batches, batch)
		}
		mirror := newRecorded(t, &logRecorder{})
		setUpWindow(t, mirror)
		rec := &windowRecorder{take: rng.IntN(4), mirror: mirror, t: t}
		l := newRecorded(t, rec)
		setUpWindow(t, l)
		got, err := l.ApplyEach(ctx, batches)

		want := newRecorded(t, &logRecorder{})
		setUpWindow(t, want)
		wantEntries := [][]ledger.Entry{}
		var wantErr error
		for _, ops := range batches {
			entries, err := want.ApplyAll(ctx, ops)
			if len(entries) > 0 {
				wantEntries = append(wantEntries, entries)
			}
			if err != nil {
				wantErr = err
				break
			}
		}
		require.Equal(t, wantErr == nil, err == nil, "trial %d: %v, one by one %v", trial, err, wantErr)
		require.Equal(t, wantEntries, got, "trial %d", trial)
		require.Equal(t, ledgertest.Snapshot(t, want, wallets...), ledgertest.Snapshot(t, l, wallets...), "trial %d", trial)
		require.Equal(t, ledgertest.Snapshot(t, want, wallets...), ledgertest.Snapshot(t, mirror, wallets...), "trial %d: the windows applied last first", trial)
	}
}
