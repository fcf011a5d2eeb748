package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
)

// startBatch returns why a batch cannot start: ctx has ended, or the
// batch has no op or a key twice.
func startBatch(ctx context.Context, ops []Op) error {
	if err := ctx.Err(); err != nil {
		if len(ops) > 0 {
			return fmt.Errorf("apply %v: %w", ops[0].Kind, err)
		}
		return fmt.Errorf("apply: %w", err)
	}
	if len(ops) == 0 {
		return fmt.Errorf("apply: no operations: %w", iog.ErrInvalid)
	}
	if len(ops) == 1 {
		return nil
	}
	seen := make(map[string]int, len(ops))
	for i, op := range ops {
		if j, dup := seen[op.Key]; dup {
			return fmt.Errorf("apply: ops %d and %d of %d share the idempotency key %q: %w", j+1, i+1, len(ops), op.Key, iog.ErrInvalid)
		}
		seen[op.Key] = i
	}
	return nil
}

// replayedBatch looks up every op's key with prior. A batch none of whose
// keys was used is new (found is false). A batch all of whose ops were
// applied before, each under its key, is a retry: it returns their entries
// and ErrReplayed. Anything else (a key used for another op, a batch
// applied in part, which no ledger does) is iog.ErrConflict.
func replayedBatch(ops []Op, prior func(key string) (Entry, bool, error)) (entries []Entry, found bool, err error) {
	for _, op := range ops {
		e, ok, err := prior(op.Key)
		if err != nil {
			return nil, true, err
		}
		if !ok {
			continue
		}
		if err := sameOp(e, op); !errors.Is(err, ErrReplayed) {
			return nil, true, err
		}
		entries = append(entries, e)
	}
	switch {
	case len(entries) == 0:
		return nil, false, nil
	case len(entries) < len(ops):
		return nil, true, fmt.Errorf("apply: %d of %d ops were applied before and %d were not: %w", len(entries), len(ops), len(ops)-len(entries), iog.ErrConflict)
	case len(ops) == 1:
		return entries, true, sameOp(entries[0], ops[0])
	}
	return entries, true, fmt.Errorf("apply: all %d ops were applied before, from entry %d: %w", len(ops), entries[0].Seq, ErrReplayed)
}

// applyBatch checks and applies ops in order on b, each seeing the state
// the ones before it left, and returns their entries, numbered from b.seq+1
// and stamped now. On the first op that fails it undoes the ones before
// and returns its error: the book is as it was. It commits nothing; the
// caller commits the entries, or undoes the batch when it cannot record it.
func (b *book) applyBatch(ops []Op, now time.Time) ([]Entry, error) {
	return b.applyBatchAt(ops, b.seq, now)
}

// applyBatchAt is applyBatch numbering the entries on from seq: the
// batches of a window are applied before any is committed.
func (b *book) applyBatchAt(ops []Op, seq uint64, now time.Time) ([]Entry, error) {
	entries := make([]Entry, 0, len(ops))
	for i, op := range ops {
		if err := b.check(op); err != nil {
			b.undoBatch(ops[:i])
			if len(ops) > 1 {
				err = fmt.Errorf("op %d of %d: %w", i+1, len(ops), err)
			}
			return nil, err
		}
		entries = append(entries, Entry{Seq: seq + uint64(i) + 1, Time: now, Op: op, Balances: b.apply(op)})
	}
	return entries, nil
}

// undoBatch reverts the ops of a batch applyBatch applied, last first.
func (b *book) undoBatch(ops []Op) {
	for i := len(ops) - 1; i >= 0; i-- {
		b.undo(ops[i])
	}
}

// commitBatch records the entries of an applied batch under their keys.
func (b *book) commitBatch(entries []Entry) {
	for _, e := range entries {
		b.commit(e)
	}
}

// clones returns a clone of every entry.
func clones(entries []Entry) []Entry {
	out := make([]Entry, len(entries))
	for i, e := range entries {
		out[i] = e.clone()
	}
	return out
}

// first returns the first entry, or none: Apply's answer from ApplyAll's.
func first(entries []Entry) Entry {
	if len(entries) == 0 {
		return Entry{}
	}
	return entries[0]
}
