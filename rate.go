package iog

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// Rounding says how a result that falls between two base units is rounded.
// Every operation that can lose precision takes one explicitly; there is no
// default. The zero value is not a rounding mode.
type Rounding uint8

// The rounding modes.
const (
	// RoundDown rounds toward zero (truncation).
	RoundDown Rounding = iota + 1
	// RoundUp rounds away from zero.
	RoundUp
	// RoundFloor rounds toward negative infinity.
	RoundFloor
	// RoundCeiling rounds toward positive infinity.
	RoundCeiling
	// RoundHalfUp rounds to the nearest unit, halves away from zero.
	RoundHalfUp
	// RoundHalfEven rounds to the nearest unit, halves to the even neighbour
	// (banker's rounding).
	RoundHalfEven
)

var roundingNames = [...]string{
	RoundDown:     "down",
	RoundUp:       "up",
	RoundFloor:    "floor",
	RoundCeiling:  "ceiling",
	RoundHalfUp:   "half-up",
	RoundHalfEven: "half-even",
}

// Valid reports whether r is one of the declared rounding modes.
func (r Rounding) Valid() bool { return r != 0 && int(r) < len(roundingNames) }

// String returns the mode's name, such as "half-even".
func (r Rounding) String() string {
	if !r.Valid() {
		return fmt.Sprintf("Rounding(%d)", uint8(r))
	}
	return roundingNames[r]
}

// mulDivRound returns round(x*num/den) for a value whose sign is negative
// when neg is set, computed on the magnitudes with a 128-bit intermediate.
// ok is false when the rounded magnitude does not fit in 64 bits or when den
// is zero. The rounding mode must be valid.
func mulDivRound(x, num, den uint64, neg bool, mode Rounding) (q uint64, ok bool) {
	if den == 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(x, num)
	if hi >= den {
		return 0, false
	}
	q, r := bits.Div64(hi, lo, den)
	if r == 0 || !roundsAway(q, r, den, neg, mode) {
		return q, true
	}
	if q == math.MaxUint64 {
		return 0, false
	}
	return q + 1, true
}

// roundsAway reports whether a magnitude q with a nonzero remainder r/den
// is rounded up to q+1 under mode.
func roundsAway(q, r, den uint64, neg bool, mode Rounding) bool {
	switch mode {
	case RoundUp:
		return true
	case RoundFloor:
		return neg
	case RoundCeiling:
		return !neg
	case RoundHalfUp:
		return r >= den-r
	case RoundHalfEven:
		return r > den-r || (r == den-r && q&1 == 1)
	default: // RoundDown
		return false
	}
}

// Rate is an exact non-negative rational number, used to scale amounts: a
// fee of 0.25%, a price of 1.85 USD per IO, a share of a pool. It is kept in
// lowest terms. The zero value is the rate 0.
type Rate struct {
	num, den uint64 // den == 0 only in the zero value, which means 0/1
}

// NewRate returns the rate num/den. A zero denominator is ErrInvalid.
func NewRate(num, den uint64) (Rate, error) {
	if den == 0 {
		return Rate{}, invalidf("rate %d/0: zero denominator", num)
	}
	return reduced(num, den), nil
}

// BasisPoints returns the rate bp/10,000: BasisPoints(25) is 0.25%.
func BasisPoints(bp uint64) Rate { return reduced(bp, 10_000) }

func reduced(num, den uint64) Rate {
	g := gcd(num, den)
	return Rate{num / g, den / g}
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Num returns the numerator of r in lowest terms.
func (r Rate) Num() uint64 { return r.num }

// Den returns the denominator of r in lowest terms (1 for the zero value).
func (r Rate) Den() uint64 {
	if r.den == 0 {
		return 1
	}
	return r.den
}

// IsZero reports whether r is 0.
func (r Rate) IsZero() bool { return r.num == 0 }

// Cmp compares r and o and returns -1, 0 or +1.
func (r Rate) Cmp(o Rate) int {
	lh, ll := bits.Mul64(r.num, o.Den())
	rh, rl := bits.Mul64(o.num, r.Den())
	switch {
	case lh < rh || (lh == rh && ll < rl):
		return -1
	case lh == rh && ll == rl:
		return 0
	default:
		return 1
	}
}

// ParseRate parses a rate written as a plain decimal ("0.0025", "1.85"), a
// percentage ("0.25%") or a fraction ("3/8"). Negative numbers, exponents
// and zero denominators are ErrInvalid; numbers too precise to hold exactly
// are ErrOverflow.
func ParseRate(s string) (Rate, error) {
	if n, d, ok := strings.Cut(s, "/"); ok {
		num, err1 := strconv.ParseUint(n, 10, 64)
		den, err2 := strconv.ParseUint(d, 10, 64)
		if err1 != nil || err2 != nil || !isDigits(n) || !isDigits(d) {
			return Rate{}, invalidf("parse rate %q: a fraction is two whole numbers, as in 3/8", s)
		}
		if den == 0 {
			return Rate{}, invalidf("parse rate %q: zero denominator", s)
		}
		return reduced(num, den), nil
	}
	body, percent := strings.CutSuffix(s, "%")
	parts, err := splitDecimal(body)
	if err != nil {
		return Rate{}, fmt.Errorf("parse rate %q: %w", s, err)
	}
	if parts.neg {
		return Rate{}, invalidf("parse rate %q: a rate cannot be negative", s)
	}
	scale := len(parts.frac)
	if percent {
		scale += 2
	}
	num, ok := parts.magnitude(len(parts.frac))
	if !ok || scale >= len(pow10) {
		return Rate{}, fmt.Errorf("parse rate %q: more digits than a rate holds exactly: %w", s, ErrOverflow)
	}
	return reduced(num, pow10[scale]), nil
}

// String returns r as an exact decimal when it has one ("0.0025"), and as
// a fraction otherwise ("1/3"). ParseRate accepts both forms.
func (r Rate) String() string {
	den := r.Den()
	for k, p := range pow10 {
		if p%den != 0 {
			continue
		}
		hi, scaled := bits.Mul64(r.num, p/den)
		if hi != 0 {
			break
		}
		return string(formatFixed(nil, false, scaled, k, true))
	}
	return strconv.FormatUint(r.num, 10) + "/" + strconv.FormatUint(den, 10)
}

// MarshalText implements encoding.TextMarshaler with String.
func (r Rate) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseRate. On
// error r is left unchanged.
func (r *Rate) UnmarshalText(text []byte) error { return unmarshalWith(r, text, ParseRate) }
