package pricing

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
)

// PriceModel prices GPU rentals. A quote depends only on the request, the
// model's market state and the time at passed in: the same three give the
// same quote, so quotes can be replayed and audited.
//
// Quote returns an error wrapping iog.ErrInvalid for a request that cannot
// be priced (see Request.Validate), iog.ErrUnavailable when the model has
// no market state to price with, and iog.ErrOverflow when a total does not
// fit an amount. Implementations must be safe for concurrent use.
type PriceModel interface {
	Quote(req Request, at time.Time) (Quote, error)
}

// Quote is the price of a request at a moment: the hourly rate per GPU and
// the total in USD, the same total in the payment currency with its fee
// lines, the big clouds' reference price it is compared with, and each
// factor that shaped it.
type Quote struct {
	// Model is the catalog name of the GPU model priced, or "" for a GPU
	// priced from its benchmark score.
	Model string
	// Class is the priced GPU's class.
	Class iog.GPUClass
	// GPUCount and Hours repeat the request's.
	GPUCount int
	Hours    int
	// Location is the allowed location the quote is for: the cheapest of
	// the request's, or the zero Location (anywhere) when it named none.
	Location iog.Location
	// At is the moment the quote was made for.
	At time.Time

	// HourlyPerGPU is the price of one GPU for one hour, in USD.
	HourlyPerGPU iog.Amount
	// Total is HourlyPerGPU × GPUCount × Hours, in USD: the rental price
	// before fees.
	Total iog.Amount

	// Currency is the currency the renter pays in.
	Currency iog.Currency
	// IOPriceUSD is the price of one IO in USD the quote converted with.
	IOPriceUSD iog.Rate
	// Fees divides Total, converted into Currency, between renter,
	// supplier and network: Fees.Price is that converted total and
	// Fees.RenterPays what the renter pays.
	Fees Fees

	// Reference is the big clouds' on-demand price of the same GPU used
	// as a ceiling and for Saving; its Provider is "" when the model has
	// none.
	Reference Reference
	// Saving is how much cheaper HourlyPerGPU is than Reference, in
	// parts per million of the reference price (negative if dearer, 0
	// when there is no reference).
	Saving PPM
	// PerTFLOPSReference is the big clouds' cheapest offer per FP16
	// TFLOPS of any GPU in the reference table, and SavingPerTFLOPS how
	// much cheaper per FP16 TFLOPS this quote is, in ppm: the figure that
	// compares any GPU, a consumer card or a benchmarked one too, with the
	// clouds' best deal on raw compute. Both are zero without a table.
	PerTFLOPSReference Reference
	SavingPerTFLOPS    PPM

	// Factors explains the price: every factor the model applied, in
	// order, with the hourly price before and after it.
	Factors []Adjustment
}

// String returns a short human summary of q.
func (q Quote) String() string {
	name := q.Model
	switch {
	case name == "" && q.Class == iog.AnyGPUClass:
		name = "benchmarked GPU"
	case name == "":
		name = "benchmarked " + q.Class.String() + " GPU"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d×%s for %dh", q.GPUCount, name, q.Hours)
	if loc := q.Location.String(); loc != "" {
		fmt.Fprintf(&b, " in %s", loc)
	}
	fmt.Fprintf(&b, ": %s USD/GPU-hour, total %s USD; renter pays %v",
		q.HourlyPerGPU.RoundedDecimal(4, iog.RoundHalfUp), q.Total.RoundedDecimal(2, iog.RoundHalfUp), q.Fees.RenterPays)
	if q.Reference.Provider != "" {
		fmt.Fprintf(&b, " (%v cheaper than %s)", q.Saving, q.Reference.Provider)
	}
	return b.String()
}

// Moved returns the factors that changed the price, in order.
func (q Quote) Moved() []Adjustment {
	var out []Adjustment
	for _, a := range q.Factors {
		if a.Before != a.After {
			out = append(out, a)
		}
	}
	return out
}

// Adjustment explains one factor of a quote: the hourly price per GPU, in
// USD, before and after the factor, and what moved it. Its fields hold
// no formatted text, so that building a quote does not allocate; String
// writes the explanation.
type Adjustment struct {
	// Factor names the factor, such as "demand".
	Factor string
	// Reason says what the factor looked at, such as "utilization of
	// datacenter GPUs".
	Reason string
	// Value is the measure behind Reason, read in Unit.
	Value int64
	// Unit says how Value reads.
	Unit Unit
	// Before and After are the hourly price per GPU around the factor.
	Before, After iog.Amount
}

// Unit says how an Adjustment's Value reads.
type Unit uint8

// The units of an Adjustment's Value.
const (
	// NoUnit: Value carries nothing.
	NoUnit Unit = iota
	// UnitPPM: Value is a fraction in parts per million.
	UnitPPM
	// UnitHour: Value is an hour of the day, 0 to 23.
	UnitHour
	// UnitHours: Value is a number of hours.
	UnitHours
	// UnitTier: Value is an iog.BandwidthTier.
	UnitTier
	// UnitUSDMicros: Value is an amount in millionths of a USD.
	UnitUSDMicros
)

// String explains a as "demand: utilization 92% → +22.00%: 2.1700 → 2.6474 USD".
func (a Adjustment) String() string {
	var b strings.Builder
	b.WriteString(a.Factor)
	b.WriteString(": ")
	b.WriteString(a.Reason)
	switch a.Unit {
	case UnitPPM:
		b.WriteString(" " + PPM(a.Value).String())
	case UnitHour:
		fmt.Fprintf(&b, " %02d:00", a.Value)
	case UnitHours:
		b.WriteString(" " + strconv.FormatInt(a.Value, 10) + "h")
	case UnitTier:
		b.WriteString(" " + iog.BandwidthTier(a.Value).String())
	case UnitUSDMicros:
		b.WriteString(" " + iog.NewAmount(a.Value*100, iog.USD).String())
	}
	if a.Before.Currency().Valid() && a.Before.Sign() > 0 && a.Before != a.After {
		if change, err := ChangeOf(a.Before, a.After); err == nil {
			sign := ""
			if change > 0 {
				sign = "+"
			}
			b.WriteString(" → " + sign + change.String())
		}
	}
	fmt.Fprintf(&b, ": %s → %s USD", a.Before.RoundedDecimal(4, iog.RoundHalfUp), a.After.RoundedDecimal(4, iog.RoundHalfUp))
	return b.String()
}

// PPM is a signed fraction in parts per million: 1,000,000 is 100%. It
// carries savings and changes, which may be negative and so do not fit
// iog.Rate.
type PPM int64

// String returns p as a percentage with two decimals, such as "82.31%".
func (p PPM) String() string {
	neg := p < 0
	m := int64(p)
	if neg {
		m = -m
	}
	hundredths := (m + 50) / 100 // round half up to 0.01%
	s := strconv.FormatInt(hundredths/100, 10) + "." + fmt.Sprintf("%02d", hundredths%100) + "%"
	if neg && hundredths != 0 {
		s = "-" + s
	}
	return s
}

// ChangeOf returns the relative change from before to after, in parts per
// million of before, rounded toward zero. Both must be positive amounts of
// one currency.
func ChangeOf(before, after iog.Amount) (PPM, error) {
	if before.Sign() <= 0 || after.Sign() < 0 || before.Currency() != after.Currency() {
		return 0, fmt.Errorf("change from %v to %v: want a positive amount and a non-negative one of the same currency: %w", before, after, iog.ErrInvalid)
	}
	b, a := uint64(before.Units()), uint64(after.Units())
	diff, sign := a-b, PPM(1)
	if a < b {
		diff, sign = b-a, -1
	}
	// |after − before| × 10^6 / before, truncated, in 128 bits.
	hi, lo := bits.Mul64(diff, ppmScale)
	if hi >= b {
		return 0, fmt.Errorf("change from %v to %v: too large to express: %w", before, after, iog.ErrOverflow)
	}
	q, _ := bits.Div64(hi, lo, b)
	if q > math.MaxInt64 {
		return 0, fmt.Errorf("change from %v to %v: too large to express: %w", before, after, iog.ErrOverflow)
	}
	return sign * PPM(q), nil
}

// Score is the measured performance of a GPU, which prices a GPU the
// catalog does not know. The gpu package's benchmarks produce it through
// Scorer; a catalog model's published figures give the same numbers
// (ScoreOf), so a GPU priced from its score is priced like a catalog model
// with the same figures.
type Score struct {
	// FP16GFLOPS is the measured dense half-precision throughput.
	FP16GFLOPS uint32
	// FP32GFLOPS is the measured single-precision throughput.
	FP32GFLOPS uint32
	// MemoryBytes is the GPU's memory.
	MemoryBytes uint64
	// MemoryBandwidthGBps is the measured memory bandwidth.
	MemoryBandwidthGBps uint32
}

// IsZero reports whether s carries no measurement.
func (s Score) IsZero() bool { return s == Score{} }

// Scorer is anything that can tell a GPU's performance for pricing, such
// as a benchmark result of the gpu package. HardwareScore returns the
// measured figures.
type Scorer interface {
	HardwareScore() Score
}

// ScoreOf returns the published figures of a catalog model as a Score.
func ScoreOf(m iog.GPUModel) Score {
	return Score{
		FP16GFLOPS:          m.FP16GFLOPS,
		FP32GFLOPS:          m.FP32GFLOPS,
		MemoryBytes:         m.MemoryBytes,
		MemoryBandwidthGBps: m.MemoryBandwidthGBps,
	}
}
