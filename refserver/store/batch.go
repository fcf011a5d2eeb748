package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/internetofgpus/iog/internal/sqldb"
)

// Step is one request's part of a batch.
type Step struct {
	// Do acts; if it fails, everything it wrote is rolled back, and the
	// batch goes on with the next step.
	Do func(*Tx) error
	// OnFail, when not nil, runs after a failed Do was rolled back, in the
	// same transaction: to record what must stay of a refused request
	// (the nonce it used).
	OnFail func(*Tx) error
}

// Batch runs steps in one transaction, each in a savepoint of its own,
// and commits them together: one sync of the database for the lot, which
// is what lets a server acknowledge thousands of small writes a second
// and each of them durably. A step that fails is rolled back alone and
// its error returned in its place. A step that finds a concurrent
// transaction got there first (sqldb.ErrRetry) is run again once, and
// then sees what the other did. A transaction the database aborted as a
// whole (a deadlock, a serialization failure) is run again whole, so
// steps must act only through the Tx they are given. The second result
// is an error of the batch as a whole: then no step took effect.
func (s *Store) Batch(ctx context.Context, steps []Step) ([]error, error) {
	var results []error
	err := sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		results = make([]error, len(steps))
		t := &Tx{tx: tx, ctx: ctx, s: s}
		for i, st := range steps {
			err, fatal := t.savepoint(st.Do)
			if errors.Is(err, sqldb.ErrRetry) {
				err, fatal = t.savepoint(st.Do)
			}
			if fatal != nil {
				return fatal
			}
			if err != nil && st.OnFail != nil {
				if _, fatal := t.savepoint(st.OnFail); fatal != nil {
					return fatal
				}
			}
			results[i] = err
		}
		return nil
	})
	return results, err
}

// savepoint runs fn in a savepoint, rolling back to it when fn fails. It
// returns fn's error, and an error that ends the whole transaction: the
// savepoint could not be made or undone, or fn failed with a transient
// conflict that aborted the transaction.
func (t *Tx) savepoint(fn func(*Tx) error) (err, fatal error) {
	if err := t.exec("SAVEPOINT step"); err != nil {
		return nil, fmt.Errorf("savepoint: %w", err)
	}
	err = fn(t)
	if err != nil && sqldb.Transient(err) && !errors.Is(err, sqldb.ErrRetry) {
		return err, err
	}
	if err != nil {
		// What fn read may be undone with what it wrote.
		t.lastEnd = nil
		if rerr := t.exec("ROLLBACK TO SAVEPOINT step"); rerr != nil {
			return err, fmt.Errorf("roll back to savepoint: %w", rerr)
		}
	}
	if rerr := t.exec("RELEASE SAVEPOINT step"); rerr != nil {
		return err, fmt.Errorf("release savepoint: %w", rerr)
	}
	return err, nil
}
