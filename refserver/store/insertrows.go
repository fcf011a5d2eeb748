package store

import (
	"database/sql"
	"fmt"
	"strings"
)

// insertChunk is how many rows one multi-row INSERT carries: few round
// trips, and few enough parameters that a statement stays cheap to parse.
const insertChunk = 50

// insertRows inserts n rows into table's columns, a chunk a statement;
// row appends the values of row i to args, one per column. A full
// chunk's statement is prepared once: SQLite parses one of 400
// parameters in about the time it takes to run it.
func (t *Tx) insertRows(table string, columns []string, n int, row func(args []any, i int) []any) error {
	statement := func(rows int) string {
		marks := make([]string, rows)
		mark := make([]string, len(columns))
		for r := range marks {
			for c := range columns {
				mark[c] = fmt.Sprintf("$%d", r*len(columns)+c+1)
			}
			marks[r] = "(" + strings.Join(mark, ", ") + ")"
		}
		return "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES " + strings.Join(marks, ", ")
	}
	var full *sql.Stmt
	if n >= insertChunk {
		var err error
		if full, err = t.tx.PrepareContext(t.ctx, statement(insertChunk)); err != nil {
			return err
		}
		defer full.Close()
	}
	args := make([]any, 0, len(columns)*insertChunk)
	for start := 0; start < n; start += insertChunk {
		end := min(start+insertChunk, n)
		args = args[:0]
		for i := start; i < end; i++ {
			args = row(args, i)
		}
		var err error
		if end-start == insertChunk {
			_, err = full.ExecContext(t.ctx, args...)
		} else {
			err = t.exec(statement(end-start), args...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
