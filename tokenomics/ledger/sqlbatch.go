package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
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
