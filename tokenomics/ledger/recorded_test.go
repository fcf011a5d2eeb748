package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
	"github.com/internetofgpus/iog/tokenomics/ledger/ledgertest"
)

// logRecorder records batches in a slice, as a chain keeps transactions,
// and fails the batches whose first key is in fail.
type logRecorder struct {
	mu      sync.Mutex
	entries []ledger.Entry
	fail    map[string]bool
}

func (r *logRecorder) Record(ctx context.Context, entries []ledger.Entry) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail[entries[0].Op.Key] {
		return nil, fmt.Errorf("record refused: %w", iog.ErrUnavailable)
	}
	r.entries = append(r.entries, entries...)
	return fmt.Appendf(nil, "proof-%d", entries[0].Seq), nil
}

func newRecorded(t testing.TB, rec ledger.Recorder) *ledger.Recorded {
	l, err := ledger.NewRecorded(ledger.RecordedConfig{Recorder: rec, Clock: iog.NewManualClock(t0)})
	require.NoError(t, err)
	return l
}

func TestRecorded(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T) ledger.Ledger { return newRecorded(t, &logRecorder{}) })
}

// TestRecordedFailedRecord: a batch the recorder refuses is not applied,
// its keys stay free, and the entries numbered after it follow on.
func TestRecordedFailedRecord(t *testing.T) {
	rec := &logRecorder{fail: map[string]bool{"t1": true}}
	l := newRecorded(t, rec)
	alice, bob := wallet(1), wallet(2)
	open(t, l, alice)
	open(t, l, bob)
	apply(t, l, ledger.Op{Kind: ledger.Mint, Key: "m", Reason: "r", To: alice, Amount: io("5")})
	before := ledgertest.Snapshot(t, l, alice, bob)
	_, err := l.ApplyAll(ctx, []ledger.Op{
		{Kind: ledger.Transfer, Key: "t1", Reason: "r", From: alice, To: bob, Amount: io("2")},
		{Kind: ledger.Hold, Key: "h1", Reason: "r", From: alice, Amount: io("1")},
	})
	require.ErrorIs(t, err, iog.ErrUnavailable)
	require.Equal(t, before, ledgertest.Snapshot(t, l, alice, bob))
	_, err = l.Entry(ctx, "t1")
	require.ErrorIs(t, err, iog.ErrNotFound)
	e := apply(t, l, ledger.Op{Kind: ledger.Hold, Key: "h1", Reason: "r", From: alice, Amount: io("1")})
	require.Equal(t, uint64(4), e.Seq)
	require.Equal(t, []byte("proof-4"), e.Signature, "the recorder's proof signs the entry")
	require.Len(t, rec.entries, 4)
}

// TestRecordedReplay: a ledger replayed from another's record has its
// state and entries; a record that does not follow or does not apply is
// ErrTampered and replays nothing.
func TestRecordedReplay(t *testing.T) {
	rec := &logRecorder{}
	l := newRecorded(t, rec)
	alice, bob := wallet(1), wallet(2)
	open(t, l, alice)
	open(t, l, bob)
	_, err := l.ApplyAll(ctx, []ledger.Op{
		{Kind: ledger.Mint, Key: "m", Reason: "r", To: alice, Amount: io("9")},
		{Kind: ledger.Hold, Key: "h", Reason: "r", From: alice, Amount: io("4")},
		{Kind: ledger.Release, Key: "r", Reason: "r", HoldKey: "h", To: bob, Amount: io("3")},
	})
	require.NoError(t, err)
	want := ledgertest.Snapshot(t, l, alice, bob)

	recorded := make([]ledger.Entry, len(rec.entries))
	for i, e := range rec.entries {
		e.Balances = nil // a chain does not keep them
		e.Signature = []byte("sig")
		recorded[i] = e
	}
	for _, tt := range []struct {
		name   string
		change func([]ledger.Entry) []ledger.Entry
	}{
		{"gap", func(es []ledger.Entry) []ledger.Entry { return append(es[:2:2], es[3:]...) }},
		{"overdraft", func(es []ledger.Entry) []ledger.Entry { es[4].Op.Amount = io("5"); return es }},
		{"key twice", func(es []ledger.Entry) []ledger.Entry { es[3].Op.Key = "m"; return es }},
	} {
		bad := tt.change(append([]ledger.Entry(nil), recorded...))
		r := newRecorded(t, &logRecorder{})
		require.NoError(t, r.Replay(bad[:1]))
		err := r.Replay(bad[1:])
		require.ErrorIs(t, err, ledger.ErrTampered, tt.name)
		require.Equal(t, uint64(1), r.Seq(), "%s: the failed replay applied nothing", tt.name)
		_, err = r.Balance(ctx, bob, iog.IO)
		require.ErrorIs(t, err, iog.ErrNotFound, tt.name)
	}

	replica := newRecorded(t, &logRecorder{})
	require.NoError(t, replica.Replay(recorded))
	require.Equal(t, want, ledgertest.Snapshot(t, replica, alice, bob))
	require.Equal(t, uint64(5), replica.Seq())
	got, err := replica.Entry(ctx, "r")
	require.NoError(t, err)
	orig, err := l.Entry(ctx, "r")
	require.NoError(t, err)
	require.Equal(t, orig.Balances, got.Balances, "balances are recomputed")
	require.Equal(t, []byte("sig"), got.Signature)
	_, err = replica.Apply(ctx, ledger.Op{Kind: ledger.Mint, Key: "m", Reason: "r", To: alice, Amount: io("9")})
	require.True(t, errors.Is(err, ledger.ErrReplayed), "replayed keys answer retries: %v", err)
}

func TestNewRecordedNeedsRecorder(t *testing.T) {
	_, err := ledger.NewRecorded(ledger.RecordedConfig{})
	require.ErrorIs(t, err, iog.ErrInvalid)
}
