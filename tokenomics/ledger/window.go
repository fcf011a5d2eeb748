package ledger

import (
	"context"
	"fmt"
	"slices"

	"github.com/internetofgpus/iog"
)

// WindowRecorder is a Recorder that can have several batches in flight
// at once: a ledger on a chain sends its next transaction before the
// last has landed, so that a round trip no longer bounds its rate.
type WindowRecorder interface {
	Recorder
	// RecordWindow records batches, each all or none as Record records
	// one, and returns the proofs of the leading batches it recorded, in
	// order. It may take fewer than it is given: with a nil error, the
	// batches after the last proof were not sent, and the ledger offers
	// them again. With an error, the batch after the last proof failed
	// with it, and none after it is recorded; a Recorder that cannot tell,
	// or that recorded some after all, must make its ledger unusable until
	// it has read them back (Replay), as Record must for its one batch.
	//
	// The batches of a window are independent: whatever order they are
	// recorded in, each applies (see Recorded.ApplyEach).
	RecordWindow(ctx context.Context, batches [][]Entry) (proofs [][]byte, err error)
}

// ApplyEach applies batches in order, each atomically as ApplyAll applies
// one, and returns the entries of each batch applied. It stops at the
// first batch that fails, and returns its error, naming its place, with
// the entries of the batches before it (and its own, for a batch that
// ErrReplayed reports); the batches after it are not applied.
//
// With a WindowRecorder it records the batches a window at a time: as
// many consecutive batches as the recorder takes, none of which depends
// on an earlier one of its window. A batch depends on another that
// credits an account it debits, opens a wallet it names, makes a hold it
// releases or uses one of its keys, so each batch of a window applies
// whatever order they are recorded in: a debit sees no credit of its
// window, and was checked against what the batches before it debited.
// With any other Recorder it applies the batches one by one, as ApplyAll.
func (r *Recorded) ApplyEach(ctx context.Context, batches [][]Op) ([][]Entry, error) {
	out := make([][]Entry, 0, len(batches))
	wr, ok := r.rec.(WindowRecorder)
	if !ok {
		for i, ops := range batches {
			entries, err := r.ApplyAll(ctx, ops)
			if err != nil {
				return appendReplayed(out, entries), eachError(i, len(batches), err)
			}
			out = append(out, entries)
		}
		return out, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(out) < len(batches) {
		next := len(out)
		window, replayed, err := r.window(ctx, batches[next:])
		if len(window) == 0 {
			return appendReplayed(out, replayed), eachError(next, len(batches), err)
		}
		proofs, err := wr.RecordWindow(ctx, cloneWindow(window))
		if len(proofs) > len(window) {
			proofs, err = proofs[:0], fmt.Errorf("the recorder returned %d proofs for %d batches: %w", len(proofs), len(window), iog.ErrInvalid)
		}
		for i := len(window) - 1; i >= len(proofs); i-- {
			r.book.undoBatch(batches[next+i])
		}
		for i, proof := range proofs {
			for j := range window[i] {
				window[i][j].Signature = slices.Clone(proof)
			}
			r.book.commitBatch(window[i])
			out = append(out, cloneWindow(window[i : i+1])[0])
		}
		switch {
		case err != nil:
			return out, eachError(len(out), len(batches), err)
		case len(proofs) == 0:
			return out, eachError(len(out), len(batches), fmt.Errorf("the recorder took none of %d batches: %w", len(window), iog.ErrUnavailable))
		}
	}
	return out, nil
}

// window checks and applies, on the book, the leading batches that are
// independent of each other, and returns their entries, numbered on from
// the book's last. It stops before the first batch that depends on an
// earlier one, and at the first that fails, whose error it returns when
// that batch is the first (nothing is applied then), with its entries
// when it is a retry of a batch applied before.
func (r *Recorded) window(ctx context.Context, batches [][]Op) (window [][]Entry, replayed []Entry, err error) {
	deps := newDependencies()
	seq := r.book.seq
	for _, ops := range batches {
		// first says whether a failure is this call's to report: a later
		// batch's is reported when its own window comes.
		first := len(window) == 0
		if err := startBatch(ctx, ops); err != nil {
			if first {
				return nil, nil, err
			}
			break
		}
		if !first && deps.dependent(ops) {
			break
		}
		if prior, found, err := replayedBatch(ops, r.book.prior); found {
			if first {
				return nil, prior, err
			}
			break
		}
		entries, err := r.book.applyBatchAt(ops, seq, r.clock.Now().UTC())
		if err != nil {
			if first {
				return nil, nil, err
			}
			break
		}
		deps.add(ops)
		seq += uint64(len(entries))
		window = append(window, entries)
	}
	return window, nil, nil
}

// dependencies are what the batches of a window do that a later batch
// of the same window must not depend on.
type dependencies struct {
	credited map[creditKey]struct{}
	named    map[iog.WalletAddress]struct{} // wallets opened
	holds    map[string]struct{}            // holds made
	keys     map[string]struct{}            // idempotency keys used
}

type creditKey struct {
	account  iog.WalletAddress
	currency iog.Currency
}

func newDependencies() dependencies {
	return dependencies{credited: map[creditKey]struct{}{}, named: map[iog.WalletAddress]struct{}{}, holds: map[string]struct{}{}, keys: map[string]struct{}{}}
}

// dependent says whether a batch depends on the batches added.
func (d dependencies) dependent(ops []Op) bool {
	for _, op := range ops {
		_, key := d.keys[op.Key]
		_, from := d.named[op.From]
		_, to := d.named[op.To]
		_, hold := d.holds[op.HoldKey]
		_, credited := d.credited[creditKey{op.From, op.Amount.Currency()}]
		debits := op.Kind == Transfer || op.Kind == Hold || op.Kind == Burn
		if key || from || to || (op.Kind == Release && hold) || (debits && credited) {
			return true
		}
	}
	return false
}

// add notes what a batch does.
func (d dependencies) add(ops []Op) {
	for _, op := range ops {
		d.keys[op.Key] = struct{}{}
		switch op.Kind {
		case Open:
			d.named[op.To] = struct{}{}
		case Mint, Transfer, Release:
			d.credited[creditKey{op.To, op.Amount.Currency()}] = struct{}{}
		case Hold:
			d.holds[op.Key] = struct{}{}
		}
	}
}

func cloneWindow(window [][]Entry) [][]Entry {
	out := make([][]Entry, len(window))
	for i, entries := range window {
		out[i] = clones(entries)
	}
	return out
}

// appendReplayed adds the entries of a replayed batch, which ApplyEach
// returns as ApplyAll does.
func appendReplayed(out [][]Entry, replayed []Entry) [][]Entry {
	if len(replayed) == 0 {
		return out
	}
	return append(out, clones(replayed))
}

func eachError(i, n int, err error) error {
	if n == 1 {
		return err
	}
	return fmt.Errorf("batch %d of %d: %w", i+1, n, err)
}
