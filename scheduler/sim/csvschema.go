package sim

import (
	"fmt"
	"slices"

	"github.com/internetofgpus/iog"
)

// csvSchema is the columns a CSV file may have, in the order its row
// reader takes them. The first required are needed; a later one the file
// lacks reads as empty, so that a short variant of a file goes through
// the same row reader as the full one.
type csvSchema struct {
	columns  []string
	required int
}

// positions maps a file's header onto the schema: positions[i] is where
// column i is in the file's records, -1 when the file lacks it. A column
// the schema does not know, one named twice or a required one missing
// is iog.ErrInvalid, naming the column.
func (s csvSchema) positions(header []string) ([]int, error) {
	at := make([]int, len(s.columns))
	for i := range at {
		at[i] = -1
	}
	for p, name := range header {
		i := slices.Index(s.columns, name)
		if i < 0 {
			return nil, fmt.Errorf("unknown column %q; want some of %q: %w", name, s.columns, iog.ErrInvalid)
		}
		if at[i] >= 0 {
			return nil, fmt.Errorf("column %q appears twice: %w", name, iog.ErrInvalid)
		}
		at[i] = p
	}
	for i, p := range at[:s.required] {
		if p < 0 {
			return nil, fmt.Errorf("required column %q is missing: %w", s.columns[i], iog.ErrInvalid)
		}
	}
	return at, nil
}
