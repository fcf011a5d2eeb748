package ledger

import (
	"context"
	"fmt"
	"slices"

	"github.com/internetofgpus/iog"
)

// Recorder keeps the record of a Recorded ledger somewhere else, such as a
// blockchain.
type Recorder interface {
	// Record makes a batch of entries durable, all of them or none, and
	// returns its proof (a Solana transaction's signature, say), which the
	// ledger keeps as every entry's Signature. An error means that nothing
	// was recorded: a Recorder that cannot tell must not return until it
	// can, or ctx ends, and then it must make its ledger unusable, because
	// the ledger undoes the batch.
	Record(ctx context.Context, entries []Entry) (proof []byte, err error)
}

// RecordedConfig configures a Recorded ledger.
type RecordedConfig struct {
	// Recorder records every batch before the ledger acknowledges it.
	// Required.
	Recorder Recorder
	// Clock stamps the entries. Nil means iog.SystemClock.
	Clock iog.Clock
}

// Recorded is a Ledger whose state is in memory and whose record is kept
// by a Recorder: each batch is checked against the state, recorded, and
// only then applied, so the state is always what the record says. It is
// the in-memory side of a ledger kept on a chain: rebuilt at start by
// Replay from the entries read back, then extended by Apply. Create one
// with NewRecorded.
type Recorded struct {
	state
	rec   Recorder
	clock iog.Clock
}

var _ Ledger = (*Recorded)(nil)

// NewRecorded returns an empty ledger recording with cfg.Recorder.
func NewRecorded(cfg RecordedConfig) (*Recorded, error) {
	if cfg.Recorder == nil {
		return nil, fmt.Errorf("recorded ledger: no recorder: %w", iog.ErrInvalid)
	}
	return &Recorded{state: state{book: newBook()}, rec: cfg.Recorder, clock: clockOr(cfg.Clock)}, nil
}

// Apply implements Ledger.
func (r *Recorded) Apply(ctx context.Context, op Op) (Entry, error) {
	entries, err := r.ApplyAll(ctx, []Op{op})
	return first(entries), err
}

// ApplyAll implements Ledger. The batch is recorded with one call to the
// Recorder while the ledger is locked: batches are recorded one at a
// time, in the order of their sequence numbers.
func (r *Recorded) ApplyAll(ctx context.Context, ops []Op) ([]Entry, error) {
	if err := startBatch(ctx, ops); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if entries, found, err := replayedBatch(ops, r.book.prior); found {
		return entries, err
	}
	entries, err := r.book.applyBatch(ops, r.clock.Now().UTC())
	if err != nil {
		return nil, err
	}
	proof, err := r.rec.Record(ctx, clones(entries))
	if err != nil {
		r.book.undoBatch(ops)
		return nil, fmt.Errorf("apply %v %q: %w", ops[0].Kind, ops[0].Key, err)
	}
	for i := range entries {
		entries[i].Signature = slices.Clone(proof)
	}
	r.book.commitBatch(entries)
	return clones(entries), nil
}

// Replay applies entries read back from the record, in order, without
// recording them again: each must number on from the last (Seq), and its
// op must apply to the state before it. Their Balances are recomputed;
// their Time and Signature are kept. An entry that does not follow or
// does not apply is ErrTampered, and nothing of that call is applied.
func (r *Recorded) Replay(entries []Entry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	seq := r.book.seq
	for i, e := range entries {
		if err := r.replayOne(e); err != nil {
			for j := i - 1; j >= 0; j-- {
				r.book.undo(entries[j].Op)
				delete(r.book.keys, entries[j].Op.Key)
			}
			r.book.seq = seq
			return fmt.Errorf("replay entry %d: %w (%w)", e.Seq, err, ErrTampered)
		}
	}
	return nil
}

func (r *Recorded) replayOne(e Entry) error {
	if e.Seq != r.book.seq+1 {
		return fmt.Errorf("follows entry %d", r.book.seq)
	}
	if _, used := r.book.keys[e.Op.Key]; used {
		return fmt.Errorf("key %q used before", e.Op.Key)
	}
	if err := r.book.check(e.Op); err != nil {
		return err
	}
	e.Balances = r.book.apply(e.Op)
	e.Signature = slices.Clone(e.Signature)
	r.book.commit(e)
	return nil
}

// Seq returns the sequence number of the last entry.
func (r *Recorded) Seq() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.book.seq
}
