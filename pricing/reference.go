package pricing

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strings"
	"sync"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/errtext"
)

// Reference is one on-demand price of a big cloud for one GPU-hour: the
// price the network is compared with and kept under.
type Reference struct {
	// AsOf is the date the price was read.
	AsOf time.Time
	// Provider is the cloud, such as "AWS"; "" in a quote means none.
	Provider string
	// Offering is the instance type the price comes from.
	Offering string
	// Model is the catalog name of the GPU model.
	Model string
	// HourlyPerGPU is the price of one GPU for one hour, in USD.
	HourlyPerGPU iog.Amount
}

// ReferenceTable is a dated, replaceable table of the big clouds'
// on-demand GPU prices. It is reference data, not a live feed: every row
// says when it was read. A table does not change once built.
type ReferenceTable struct {
	rows     []Reference
	cheapest map[string]Reference
	// perTFLOPS is the row with the lowest price per FP16 TFLOPS, and
	// perTFLOPSGFLOPS its model's FP16 GFLOPS.
	perTFLOPS       Reference
	perTFLOPSGFLOPS uint32
}

// MaxReferenceBytes bounds the CSV of a reference table, comments
// included.
const MaxReferenceBytes = 2 << 20

// Limits on a reference table read from outside.
const (
	maxReferenceRows   = 10_000
	maxReferenceField  = 128
	referenceDateStyle = "2006-01-02"
)

// NewReferenceTable builds a table from rows. Each row needs a date, a
// provider, a catalog model (named as iog.LookupGPUModel accepts; it is
// stored under its canonical name) and a positive USD price; problems are
// iog.ErrInvalid.
func NewReferenceTable(rows []Reference) (*ReferenceTable, error) {
	t := newReferenceTable(len(rows))
	for i, r := range rows {
		if err := t.add(r); err != nil {
			return nil, fmt.Errorf("reference row %d: %w", i+1, err)
		}
	}
	return t, nil
}

// newReferenceTable returns an empty table with room for n rows.
func newReferenceTable(n int) *ReferenceTable {
	return &ReferenceTable{rows: make([]Reference, 0, n), cheapest: map[string]Reference{}}
}

// add checks r (see NewReferenceTable) and adds it to t under its model's
// canonical name; on error t is unchanged.
func (t *ReferenceTable) add(r Reference) error {
	m, ok := iog.LookupGPUModel(r.Model)
	switch {
	case r.AsOf.IsZero():
		return fmt.Errorf("no date: %w", iog.ErrInvalid)
	case r.Provider == "":
		return fmt.Errorf("no provider: %w", iog.ErrInvalid)
	case !ok:
		return fmt.Errorf("%q is not a catalog GPU model: %w", errtext.Clip(r.Model), iog.ErrInvalid)
	case r.HourlyPerGPU.Currency() != iog.USD || r.HourlyPerGPU.Sign() <= 0:
		return fmt.Errorf("price %v: want a positive amount of USD: %w", r.HourlyPerGPU, iog.ErrInvalid)
	}
	r.Model = m.Name
	t.rows = append(t.rows, r)
	if c, ok := t.cheapest[m.Name]; !ok || r.HourlyPerGPU.Units() < c.HourlyPerGPU.Units() {
		t.cheapest[m.Name] = r
	}
	// price/GFLOPS < best/bestGFLOPS, compared as cross products:
	// both fit 128 bits, and 64 for any real price.
	if m.FP16GFLOPS > 0 && (t.perTFLOPSGFLOPS == 0 ||
		lessPerGFLOPS(r.HourlyPerGPU, m.FP16GFLOPS, t.perTFLOPS.HourlyPerGPU, t.perTFLOPSGFLOPS)) {
		t.perTFLOPS, t.perTFLOPSGFLOPS = r, m.FP16GFLOPS
	}
	return nil
}

// Rows returns a copy of the table's rows, in the order given.
func (t *ReferenceTable) Rows() []Reference {
	if t == nil {
		return nil
	}
	return append([]Reference(nil), t.rows...)
}

// Cheapest returns the lowest reference price of the catalog model named
// model (its canonical name), and false when the table has none. A nil
// table has none, and no table has one for "", the name of a GPU priced
// from its score.
func (t *ReferenceTable) Cheapest(model string) (Reference, bool) {
	if t == nil {
		return Reference{}, false
	}
	r, ok := t.cheapest[model]
	return r, ok
}

// CheapestPerTFLOPS returns the reference with the lowest price per FP16
// TFLOPS of its model across the whole table, with that model's FP16
// GFLOPS, and false for a table without rows. It is the base of
// Quote.SavingPerTFLOPS: the big clouds' best deal on raw compute.
func (t *ReferenceTable) CheapestPerTFLOPS() (ref Reference, fp16GFLOPS uint32, ok bool) {
	if t == nil || t.perTFLOPSGFLOPS == 0 {
		return Reference{}, 0, false
	}
	return t.perTFLOPS, t.perTFLOPSGFLOPS, true
}

// lessPerGFLOPS reports whether a/ag < b/bg, for positive amounts of one
// currency and positive GFLOPS.
func lessPerGFLOPS(a iog.Amount, ag uint32, b iog.Amount, bg uint32) bool {
	hiA, loA := bits.Mul64(uint64(a.Units()), uint64(bg))
	hiB, loB := bits.Mul64(uint64(b.Units()), uint64(ag))
	return hiA < hiB || hiA == hiB && loA < loB
}

// SavingPerTFLOPS returns how much cheaper hourly, the price of a GPU of
// gflops FP16 GFLOPS, is per TFLOPS than ref, the price of a GPU of
// refGFLOPS, in ppm of ref's price per TFLOPS (negative if dearer).
func SavingPerTFLOPS(hourly iog.Amount, gflops uint32, ref iog.Amount, refGFLOPS uint32) (PPM, error) {
	if gflops == 0 || refGFLOPS == 0 {
		return 0, fmt.Errorf("saving per TFLOPS: no FP16 throughput to compare: %w", iog.ErrInvalid)
	}
	ours, err := hourly.Mul(int64(refGFLOPS))
	var theirs iog.Amount
	if err == nil {
		theirs, err = ref.Mul(int64(gflops))
	}
	var change PPM
	if err == nil {
		change, err = ChangeOf(theirs, ours)
	}
	if err != nil {
		return 0, fmt.Errorf("saving per TFLOPS: %w", err)
	}
	return -change, nil
}

//go:embed reference.csv
var referenceCSV string

// DefaultReferences returns the reference table shipped with the package
// (reference.csv): on-demand list prices of AWS, Google Cloud and Azure
// for H100, A100, L40S, L4, A10, V100 and T4, as of the date in each row
// (2025-01-15). They are approximate, written from memory and not checked
// against the providers, and clouds have cut GPU prices since: use them to
// show how the comparison works, and give a Model a table of current
// prices (ParseReferenceTable) to make claims with.
var DefaultReferences = sync.OnceValue(func() *ReferenceTable {
	t, err := ParseReferenceTable(strings.NewReader(referenceCSV))
	if err != nil {
		panic("pricing: the embedded reference.csv is broken: " + err.Error())
	}
	return t
})

// referenceColumns is the header a reference table must start with.
var referenceColumns = []string{"as_of", "provider", "offering", "model", "usd_per_gpu_hour"}

// ParseReferenceTable reads a reference table as CSV: a header row
// "as_of,provider,offering,model,usd_per_gpu_hour", then one row per
// price, such as "2025-01-15,AWS,p5.48xlarge,H100-SXM,12.29"; lines
// starting with '#' are comments. Dates are YYYY-MM-DD and prices plain
// decimals of USD. Input over MaxReferenceBytes and every other problem is
// iog.ErrInvalid, naming the line where there is one.
func ParseReferenceTable(r io.Reader) (*ReferenceTable, error) {
	// The CSV reader skips comment lines whole, whatever their length, so
	// the bound on rows and fields alone does not bound what is read.
	data, err := io.ReadAll(io.LimitReader(r, MaxReferenceBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reference table: read: %w", err)
	}
	if len(data) > MaxReferenceBytes {
		return nil, fmt.Errorf("reference table: larger than %d bytes: %w", MaxReferenceBytes, iog.ErrInvalid)
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comment = '#'
	cr.FieldsPerRecord = len(referenceColumns)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, csvError(err)
	}
	if strings.Join(header, ",") != strings.Join(referenceColumns, ",") {
		return nil, fmt.Errorf("reference table: header %q: want %q: %w",
			errtext.Clip(strings.Join(header, ",")), strings.Join(referenceColumns, ","), iog.ErrInvalid)
	}
	t := newReferenceTable(0)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		if len(t.rows) == maxReferenceRows {
			return nil, fmt.Errorf("reference table: more than %d rows: %w", maxReferenceRows, iog.ErrInvalid)
		}
		for _, f := range rec {
			if len(f) > maxReferenceField {
				return nil, fmt.Errorf("reference table line %d: a field is longer than %d bytes: %w", line, maxReferenceField, iog.ErrInvalid)
			}
		}
		asOf, err := time.Parse(referenceDateStyle, rec[0])
		if err != nil {
			return nil, fmt.Errorf("reference table line %d: date %q: want YYYY-MM-DD: %w", line, errtext.Clip(rec[0]), iog.ErrInvalid)
		}
		price, err := iog.ParseDecimal(rec[4], iog.USD)
		if err != nil {
			return nil, fmt.Errorf("reference table line %d: %w", line, err)
		}
		row := Reference{AsOf: asOf, Provider: rec[1], Offering: rec[2], Model: rec[3], HourlyPerGPU: price}
		if err := t.add(row); err != nil {
			return nil, fmt.Errorf("reference table line %d: %w", line, err)
		}
	}
	return t, nil
}

// csvError reports a CSV syntax error as iog.ErrInvalid.
func csvError(err error) error {
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("reference table: empty; want a header row: %w", iog.ErrInvalid)
	}
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		return fmt.Errorf("reference table: %w: %w", perr, iog.ErrInvalid)
	}
	return fmt.Errorf("reference table: read: %w", err)
}

// Ceiling is the competitor factor: the price of a model the reference
// table knows is kept at or below Share of the cheapest big-cloud
// on-demand price for it. A model without a reference is not capped.
type Ceiling struct {
	// References is the table of cloud prices.
	References *ReferenceTable
	// Share is the most of the cheapest reference price a GPU-hour may
	// cost. It must not be zero when References is set: that would cap
	// every price the table knows at nothing.
	Share iog.Rate
}

// DefaultCeiling returns a ceiling at half the cheapest reference price
// of DefaultReferences.
func DefaultCeiling() *Ceiling {
	return &Ceiling{References: DefaultReferences(), Share: iog.BasisPoints(5000)}
}

// Apply caps hourly at Share of the cheapest reference price of in's
// model.
func (c *Ceiling) Apply(in *Input, hourly iog.Amount) (Adjustment, error) {
	adj := Adjustment{Factor: "cloud ceiling", Reason: "no reference price", Before: hourly, After: hourly}
	ref, ok := c.References.Cheapest(in.Model.Name)
	if !ok { // no reference, or a GPU priced from its score (no name)
		return adj, nil
	}
	if c.Share.IsZero() {
		return Adjustment{}, fmt.Errorf("ceiling factor: share of the reference price is zero: %w", iog.ErrInvalid)
	}
	limit, err := ref.HourlyPerGPU.MulRate(c.Share, iog.RoundDown)
	if err != nil {
		return Adjustment{}, fmt.Errorf("ceiling factor: %w", err)
	}
	adj.Reason, adj.Value, adj.Unit = "at most", limit.Units()/100, UnitUSDMicros
	if limit.Units() < hourly.Units() {
		adj.After = limit
	}
	return adj, nil
}
