package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strings"
	"sync"
)

// batchRows is how many rows one multi-row INSERT carries: few
// statements, and few parameters each, since SQLite looks a parameter up
// by its name in a list, so that a statement's cost grows with the square
// of its parameters (about 50 rows was measured best).
const batchRows = 50

// insertRows inserts n rows of cols values each, batchRows a statement:
// head is the INSERT up to VALUES, tail what follows the rows (an ON
// CONFLICT clause or nothing), and row(i, args) appends row i's values to
// args. The statement for a full chunk is prepared once.
func insertRows(ctx context.Context, tx *sql.Tx, head, tail string, cols, n int, row func(i int, args []any) []any) error {
	text := func(rows int) string {
		var b strings.Builder
		b.WriteString(head)
		b.WriteString(" VALUES ")
		for r := range rows {
			if r > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for c := range cols {
				if c > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "$%d", r*cols+c+1)
			}
			b.WriteByte(')')
		}
		b.WriteString(tail)
		return b.String()
	}
	var full *sql.Stmt
	if n >= batchRows {
		var err error
		if full, err = tx.PrepareContext(ctx, text(batchRows)); err != nil {
			return err
		}
		defer full.Close()
	}
	args := make([]any, 0, batchRows*cols)
	for start := 0; start < n; start += batchRows {
		rows := min(batchRows, n-start)
		args = args[:0]
		for i := start; i < start+rows; i++ {
			args = row(i, args)
		}
		var err error
		if rows == batchRows {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, text(rows), args...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// parallelMin is the fewest items each worker of inParallel takes: below
// it a goroutine costs more than it saves.
const parallelMin = 64

// inParallel calls do(i) for every i below n, split in contiguous
// stripes among as many goroutines as the process may run at once (one,
// for a small n), and returns the error of the lowest i that failed, so
// that the answer does not depend on the schedule. A stripe stops at its
// first error.
func inParallel(n int, do func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), n/parallelMin)
	if workers <= 1 {
		for i := range n {
			if err := do(i); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w * n / workers; i < (w+1)*n/workers; i++ {
				if errs[w] = do(i); errs[w] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
