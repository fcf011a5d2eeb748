package tokenomics

import (
	"fmt"
	"math"
	"math/bits"
	"time"

	"github.com/internetofgpus/iog"
)

// GeometricConfig describes an emission that starts at First and shrinks by
// the factor Ratio every epoch: epoch n emits First × Ratio^(n−1), in exact
// fixed-point arithmetic (see NewGeometric).
type GeometricConfig struct {
	// Initial is the supply before the first epoch; its currency is the
	// schedule's.
	Initial iog.Amount
	// First is what epoch 1 emits. It must be positive.
	First iog.Amount
	// Ratio is the factor from one epoch's emission to the next, at most 1.
	// Its denominator is the precision of the decay: 1 − 1.3887e-5 needs a
	// denominator of 10^19 to pin a 300,000,000 IO total to a few base units.
	// A zero Ratio asks NewGeometric to derive it from Total (see
	// SolveGeometricRatio).
	Ratio iog.Rate
	// Epochs is the number of emitting epochs, at least 1.
	Epochs uint64
	// EpochLength is how long an epoch lasts, such as time.Hour.
	EpochLength time.Duration
	// Total, when not zero, is what all the epochs must emit together,
	// exactly. The difference between Total and the sum of the rounded
	// geometric emissions (the residue, a few base units when Ratio is
	// right) is added to the last epoch. A residue larger than First
	// means Ratio does not fit Total, and is ErrInvalid. A zero Total
	// emits exactly the rounded geometric series.
	Total iog.Amount
}

// uint128 is an unsigned 128-bit fixed-point number of base units: hi is
// the whole base units, lo the fraction in units of 2^-64.
type uint128 struct{ hi, lo uint64 }

func (a uint128) add(b uint128) (uint128, bool) {
	lo, c := bits.Add64(a.lo, b.lo, 0)
	hi, c := bits.Add64(a.hi, b.hi, c)
	return uint128{hi, lo}, c == 0
}

// mulRatio returns a × num / den, truncated, for num <= den.
func (a uint128) mulRatio(num, den uint64) uint128 {
	h1, h0 := bits.Mul64(a.hi, num) // a.hi×num, shifted left 64 bits
	l1, l0 := bits.Mul64(a.lo, num)
	mid, c := bits.Add64(h0, l1, 0)
	top := h1 + c // < den, because a.hi < 2^64 and num <= den
	_, r := bits.Div64(0, top, den)
	q1, r := bits.Div64(r, mid, den)
	q0, _ := bits.Div64(r, l0, den)
	return uint128{q1, q0}
}

// geometricPrefix returns the cumulative emission table of the rounded
// geometric series: cum[n] is the floor of the exact fixed-point sum of the
// first n terms, so every epoch's emission cum[n]−cum[n−1] is an integer
// and nothing is lost between epochs. ok is false when the sum passes
// math.MaxInt64 base units.
func geometricPrefix(first int64, num, den uint64, epochs uint64) (cum []int64, ok bool) {
	cum = make([]int64, epochs+1)
	if _, ok = geometricSum(first, num, den, epochs, cum); !ok {
		return nil, false
	}
	return cum, true
}

// geometricSum returns the floor of the fixed-point sum of the series,
// and false when it passes math.MaxInt64 base units. When cum is not nil
// (epochs+1 long), cum[n] receives the floor of the sum of the first n
// terms.
func geometricSum(first int64, num, den uint64, epochs uint64, cum []int64) (int64, bool) {
	term := uint128{uint64(first), 0}
	var sum uint128
	ok := true
	for n := uint64(1); n <= epochs; n++ {
		if sum, ok = sum.add(term); !ok || sum.hi > math.MaxInt64 {
			return 0, false
		}
		if cum != nil {
			cum[n] = int64(sum.hi)
		}
		term = term.mulRatio(num, den)
	}
	return int64(sum.hi), true
}

// NewGeometric returns the geometric schedule c describes, with every
// epoch's emission precomputed so that Emission and Supply are O(1).
//
// The arithmetic is exact and the same on every machine: each term is a
// 128-bit fixed-point number (64 fraction bits of a base unit), the next
// term is the previous × Ratio truncated, the running sum is kept at full
// precision, and epoch n emits floor(sum of n terms) − floor(sum of n−1
// terms). So the rounded emissions add up to the floor of the exact running
// sum, and when Total is set the few base units of residue are put in the
// last epoch, in plain sight.
//
// Bad configurations are ErrInvalid; amounts beyond an iog.Amount are
// ErrOverflow.
func NewGeometric(c GeometricConfig) (EmissionSchedule, error) {
	const what = "geometric emission"
	if err := checkScheduleBase(what, c.Initial, c.EpochLength); err != nil {
		return nil, err
	}
	cur := c.Initial.Currency()
	if err := checkPositive(what+" first epoch", c.First, cur); err != nil {
		return nil, err
	}
	if c.Epochs == 0 {
		return nil, fmt.Errorf("%s: no epochs: %w", what, iog.ErrInvalid)
	}
	if c.Epochs > maxEpochs {
		return nil, fmt.Errorf("%s: %d epochs, more than the %d a schedule may have: %w", what, c.Epochs, uint64(maxEpochs), iog.ErrInvalid)
	}
	hasTotal := c.Total.Currency() != 0 && !c.Total.IsZero()
	if hasTotal {
		if err := checkPositive(what+" total", c.Total, cur); err != nil {
			return nil, err
		}
	}
	ratio := c.Ratio
	if ratio.IsZero() {
		if !hasTotal {
			return nil, fmt.Errorf("%s: a zero ratio needs a total to derive it from: %w", what, iog.ErrInvalid)
		}
		var err error
		if ratio, err = SolveGeometricRatio(c.First, c.Total, c.Epochs, ratioPrecision); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
	}
	if ratio.Num() > ratio.Den() {
		return nil, fmt.Errorf("%s: ratio %v is above 1; emission may only stay level or decay: %w", what, ratio, iog.ErrInvalid)
	}
	cum, ok := geometricPrefix(c.First.Units(), ratio.Num(), ratio.Den(), c.Epochs)
	if !ok {
		return nil, fmt.Errorf("%s: the epochs emit more than an amount holds: %w", what, iog.ErrOverflow)
	}
	if hasTotal {
		residue := c.Total.Units() - cum[c.Epochs]
		if residue > c.First.Units() || -residue > c.First.Units() {
			return nil, fmt.Errorf("%s: ratio %v emits %v over %d epochs, too far from the total %v to settle in the last epoch: %w",
				what, ratio, iog.NewAmount(cum[c.Epochs], cur), c.Epochs, c.Total, iog.ErrInvalid)
		}
		if cum[c.Epochs-1] > c.Total.Units() {
			return nil, fmt.Errorf("%s: the epochs before the last already emit more than the total %v: %w", what, c.Total, iog.ErrInvalid)
		}
		cum[c.Epochs] = c.Total.Units()
	}
	if cum[c.Epochs] > math.MaxInt64-c.Initial.Units() {
		return nil, fmt.Errorf("%s: final supply exceeds what an amount holds: %w", what, iog.ErrOverflow)
	}
	return &prefixSchedule{initial: c.Initial, length: c.EpochLength, cum: cum}, nil
}

// maxEpochs bounds a precomputed schedule (eight bytes per epoch): a
// hundred years of hourly epochs.
const maxEpochs = 100 * 8766

// ratioPrecision is the denominator NewGeometric derives ratios with.
const ratioPrecision = 10_000_000_000_000_000_000

// SolveGeometricRatio derives the decay of a geometric schedule: the
// largest ratio num/den (den fixed, such as 10^19) for which First,
// First×ratio, … over epochs epochs, rounded as NewGeometric rounds them,
// emit no more than total. The rounded sum grows with the ratio, so the
// answer is found by bisection over num, about 64 passes over the epochs.
// When even a ratio of 1 (a level emission) emits less than total, or
// First alone exceeds it, there is no decaying ratio and the error is
// ErrInvalid; so are more epochs than NewGeometric accepts.
func SolveGeometricRatio(first, total iog.Amount, epochs, den uint64) (iog.Rate, error) {
	if err := checkPositive("solve ratio: first emission", first, first.Currency()); err != nil {
		return iog.Rate{}, err
	}
	if err := checkPositive("solve ratio: total", total, first.Currency()); err != nil {
		return iog.Rate{}, err
	}
	if epochs == 0 || den == 0 {
		return iog.Rate{}, fmt.Errorf("solve ratio: epochs and denominator must be positive: %w", iog.ErrInvalid)
	}
	if epochs > maxEpochs {
		return iog.Rate{}, fmt.Errorf("solve ratio: %d epochs, more than the %d a schedule may have: %w", epochs, uint64(maxEpochs), iog.ErrInvalid)
	}
	level, ok := geometricSum(first.Units(), den, den, epochs, nil)
	if ok && level < total.Units() {
		return iog.Rate{}, fmt.Errorf("solve ratio: %d level epochs of %v emit less than %v: %w", epochs, first, total, iog.ErrInvalid)
	}
	if ok && level == total.Units() {
		return one, nil
	}
	if first.Units() > total.Units() {
		return iog.Rate{}, fmt.Errorf("solve ratio: the first epoch's %v alone exceeds %v: %w", first, total, iog.ErrInvalid)
	}
	lo, hi := uint64(0), den // invariant: sum(lo) <= total < sum(hi)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if s, ok := geometricSum(first.Units(), mid, den, epochs, nil); ok && s <= total.Units() {
			lo = mid
		} else {
			hi = mid
		}
	}
	return iog.NewRate(lo, den)
}

// checkPositive checks that a is a positive amount of currency c.
func checkPositive(what string, a iog.Amount, c iog.Currency) error {
	if err := a.CheckNonNegative(what); err != nil {
		return err
	}
	if a.Currency() != c {
		return fmt.Errorf("%s %v: want an amount of %v: %w (%w)", what, a, c, iog.ErrCurrencyMismatch, iog.ErrInvalid)
	}
	if a.IsZero() {
		return fmt.Errorf("%s: must be positive: %w", what, iog.ErrInvalid)
	}
	return nil
}
