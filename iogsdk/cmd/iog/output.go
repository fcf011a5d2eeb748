package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// The colors, each an SGR sequence of the same length, so that a column
// whose every cell is painted stays aligned by tabwriter.
const (
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	gray   = "\x1b[90m"
	bold   = "\x1b[01m"
	reset  = "\x1b[0m"
)

func paint(color, s string) string { return color + s + reset }

// table is an aligned table for people: a header and rows, one column of
// which (status, when not negative) is painted on a terminal.
type table struct {
	header []string
	rows   [][]string
	status int
	// paint colors a status cell; nil paints none.
	paint func(string) string
}

func newTable(header ...string) *table { return &table{header: header, status: -1} }

func (t *table) row(cells ...string) { t.rows = append(t.rows, cells) }

// write writes the table, its status column painted when color.
func (t *table) write(w io.Writer, color bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	line := func(cells []string, header bool) {
		out := make([]string, len(cells))
		for i, c := range cells {
			switch {
			case !color || i != t.status:
				out[i] = c
			case header:
				out[i] = paint(bold, c)
			case t.paint != nil:
				out[i] = t.paint(c)
			default:
				out[i] = paint(bold, c)
			}
		}
		fmt.Fprintln(tw, strings.Join(out, "\t"))
	}
	line(t.header, true)
	for _, r := range t.rows {
		line(r, false)
	}
	return tw.Flush()
}

// fields is a two-column table of names and values, for one object.
func fields(pairs ...string) *table {
	t := &table{status: -1}
	for i := 0; i+1 < len(pairs); i += 2 {
		t.rows = append(t.rows, []string{pairs[i] + ":", pairs[i+1]})
	}
	return t
}

// writeFields writes a fields table (it has no header).
func (t *table) writeFields(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// show writes v as indented JSON with --json, or else what people read.
func (a *app) show(v any, people func(w io.Writer, color bool) error) error {
	if a.json {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	return people(a.stdout, a.colors(a.stdout))
}

// when formats a time for a table, or "-" for none.
func when(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04 MST")
}

// orDash returns s, or "-" when it is empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
