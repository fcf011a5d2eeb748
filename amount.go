package iog

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// Amount is an exact quantity of a currency: a signed integer count of the
// currency's base units (10^-8 IO, 10^-6 USDC, ...). Money in this module is
// never a float. Arithmetic is checked: a result that does not fit is
// ErrOverflow and amounts of different currencies do not mix
// (ErrCurrencyMismatch); nothing wraps around silently.
//
// Amounts are values: compare them with Cmp or ==, copy them freely. The zero
// value has no currency and is rejected by every operation; use Zero(c) for
// a zero amount of a currency.
type Amount struct {
	units    int64
	currency Currency
}

// NewAmount returns the amount of units base units of c.
func NewAmount(units int64, c Currency) Amount { return Amount{units, c} }

// Zero returns the zero amount of c.
func Zero(c Currency) Amount { return Amount{0, c} }

// Units returns a's count of base units.
func (a Amount) Units() int64 { return a.units }

// Currency returns a's currency.
func (a Amount) Currency() Currency { return a.currency }

// IsZero reports whether a is zero units.
func (a Amount) IsZero() bool { return a.units == 0 }

// Sign returns -1, 0 or +1 for a negative, zero or positive amount.
func (a Amount) Sign() int {
	switch {
	case a.units < 0:
		return -1
	case a.units > 0:
		return 1
	}
	return 0
}

// CheckNonNegative returns nil when a has a valid currency and is not
// negative, and otherwise an ErrInvalid error that names what a is, as in
// "budget -5 USD: must not be negative".
func (a Amount) CheckNonNegative(what string) error {
	if !a.currency.Valid() {
		return invalidf("%s: amount has no valid currency", what)
	}
	if a.units < 0 {
		return invalidf("%s %s: must not be negative", what, a)
	}
	return nil
}

// sameCurrency checks that a and b can be combined by op.
func (a Amount) sameCurrency(op string, b Amount) error {
	if !a.currency.Valid() || !b.currency.Valid() {
		return invalidf("%s %v and %v: amount has no valid currency", op, a, b)
	}
	if a.currency != b.currency {
		return fmt.Errorf("%s %v and %v: %w (%w)", op, a, b, ErrCurrencyMismatch, ErrInvalid)
	}
	return nil
}

func (a Amount) overflow(op string, operand any) error {
	return fmt.Errorf("%s %v %s %v: result out of range for %v: %w", op, a, opSymbol[op], operand, a.currency, ErrOverflow)
}

var opSymbol = map[string]string{"add": "+", "subtract": "-", "multiply": "×", "convert": "at"}

// Add returns a+b.
func (a Amount) Add(b Amount) (Amount, error) {
	if err := a.sameCurrency("add", b); err != nil {
		return Amount{}, err
	}
	s := a.units + b.units
	if (a.units >= 0) == (b.units >= 0) && (s >= 0) != (a.units >= 0) {
		return Amount{}, a.overflow("add", b)
	}
	return Amount{s, a.currency}, nil
}

// Sub returns a-b.
func (a Amount) Sub(b Amount) (Amount, error) {
	if err := a.sameCurrency("subtract", b); err != nil {
		return Amount{}, err
	}
	d := a.units - b.units
	if (a.units >= 0) != (b.units >= 0) && (d >= 0) != (a.units >= 0) {
		return Amount{}, a.overflow("subtract", b)
	}
	return Amount{d, a.currency}, nil
}

// Neg returns -a.
func (a Amount) Neg() (Amount, error) {
	if !a.currency.Valid() {
		return Amount{}, invalidf("negate %v: amount has no valid currency", a)
	}
	if a.units == math.MinInt64 {
		return Amount{}, fmt.Errorf("negate %v: result out of range: %w", a, ErrOverflow)
	}
	return Amount{-a.units, a.currency}, nil
}

// Mul returns a×n.
func (a Amount) Mul(n int64) (Amount, error) {
	if !a.currency.Valid() {
		return Amount{}, invalidf("multiply %v: amount has no valid currency", a)
	}
	hi, lo := bits.Mul64(magnitude(a.units), magnitude(n))
	p, ok := signed(lo, (a.units < 0) != (n < 0))
	if hi != 0 || !ok {
		return Amount{}, a.overflow("multiply", n)
	}
	return Amount{p, a.currency}, nil
}

// MulRate returns a×r rounded to a base unit by mode. It is how fees,
// shares and discounts are taken: NewAmount(1000, USDC).MulRate(BasisPoints(25), RoundHalfEven).
func (a Amount) MulRate(r Rate, mode Rounding) (Amount, error) {
	if err := a.checkScalable("multiply", mode); err != nil {
		return Amount{}, err
	}
	scaled, ok := a.scale(r.num, r.Den(), a.currency, mode)
	if !ok {
		return Amount{}, a.overflow("multiply", r)
	}
	return scaled, nil
}

// Convert returns a expressed in currency to at price, the number of whole
// units of to that one whole unit of a's currency buys, rounded to a base
// unit of to by mode. Burning 10 IO at 1.85 USD each into IOSD is
// ioAmount.Convert(IOSD, price, RoundDown).
func (a Amount) Convert(to Currency, price Rate, mode Rounding) (Amount, error) {
	if err := a.checkScalable("convert", mode); err != nil {
		return Amount{}, err
	}
	if !to.Valid() {
		return Amount{}, invalidf("convert %v to %v: not a currency", a, to)
	}
	num, den := price.num, price.Den()
	var hi uint64
	if from := a.currency.Decimals(); to.Decimals() >= from {
		hi, num = bits.Mul64(num, pow10[to.Decimals()-from])
	} else {
		hi, den = bits.Mul64(den, pow10[from-to.Decimals()])
	}
	scaled, ok := a.scale(num, den, to, mode)
	if hi != 0 || !ok {
		return Amount{}, a.overflow("convert", price)
	}
	return scaled, nil
}

// checkScalable checks that a can be scaled by op under mode.
func (a Amount) checkScalable(op string, mode Rounding) error {
	if !a.currency.Valid() {
		return invalidf("%s %v: amount has no valid currency", op, a)
	}
	if !mode.Valid() {
		return invalidf("%s %v: %v is not a rounding mode", op, a, mode)
	}
	return nil
}

// scale returns a×num/den in currency to, rounded by mode, and false when
// the result does not fit.
func (a Amount) scale(num, den uint64, to Currency, mode Rounding) (Amount, bool) {
	neg := a.units < 0
	q, ok := mulDivRound(magnitude(a.units), num, den, neg, mode)
	if !ok {
		return Amount{}, false
	}
	s, ok := signed(q, neg)
	return Amount{s, to}, ok
}

// Round returns a rounded by mode to places decimal places of a whole unit:
// Round(2, RoundHalfUp) rounds to the cent. Places at or above the
// currency's decimals leave a unchanged.
func (a Amount) Round(places int, mode Rounding) (Amount, error) {
	if err := a.checkScalable("round", mode); err != nil {
		return Amount{}, err
	}
	if places < 0 {
		return Amount{}, invalidf("round %v to %d places: places must not be negative", a, places)
	}
	step := a.roundingStep(places)
	neg := a.units < 0
	q, _ := mulDivRound(magnitude(a.units), 1, step, neg, mode)
	hi, lo := bits.Mul64(q, step)
	s, ok := signed(lo, neg)
	if hi != 0 || !ok {
		return Amount{}, fmt.Errorf("round %v to %d places: result out of range: %w", a, places, ErrOverflow)
	}
	return Amount{s, a.currency}, nil
}

// roundingStep returns the number of base units in one unit of the last of
// places decimal places.
func (a Amount) roundingStep(places int) uint64 {
	d := a.currency.Decimals()
	if places >= d {
		return 1
	}
	return pow10[d-places]
}

// Cmp compares a and b and returns -1, 0 or +1. Amounts of different
// currencies do not compare: that is ErrCurrencyMismatch.
func (a Amount) Cmp(b Amount) (int, error) {
	if err := a.sameCurrency("compare", b); err != nil {
		return 0, err
	}
	switch {
	case a.units < b.units:
		return -1, nil
	case a.units > b.units:
		return 1, nil
	}
	return 0, nil
}

// magnitude returns |v| as an unsigned integer; it is exact for MinInt64.
func magnitude(v int64) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1
	}
	return uint64(v)
}

// signed returns the int64 with magnitude m and the given sign, and false
// when it does not fit.
func signed(m uint64, neg bool) (int64, bool) {
	if neg {
		if m > 1<<63 {
			return 0, false
		}
		return int64(-m), true
	}
	if m > math.MaxInt64 {
		return 0, false
	}
	return int64(m), true
}

// pow10[k] is 10^k for every k whose power fits in a uint64.
var pow10 = func() [20]uint64 {
	var p [20]uint64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// Decimal returns a as a plain decimal number of whole units, with as many
// fraction digits as it needs and no exponent: "4566.21", "-0.5", "300000000".
// ParseDecimal(a.Decimal(), a.Currency()) returns a.
func (a Amount) Decimal() string {
	var buf [24]byte
	return string(formatFixed(buf[:0], a.units < 0, magnitude(a.units), a.currency.Decimals(), true))
}

// RoundedDecimal returns a rounded by mode to places decimal places and
// written with exactly that many fraction digits: RoundedDecimal(2,
// RoundHalfUp) of 4566.21004566 IO is "4566.21".
func (a Amount) RoundedDecimal(places int, mode Rounding) string {
	places = max(places, 0)
	if !mode.Valid() {
		mode = RoundHalfEven
	}
	neg, m, d := a.units < 0, magnitude(a.units), a.currency.Decimals()
	if places < d {
		m, _ = mulDivRound(m, 1, pow10[d-places], neg, mode)
		d = places
	}
	b := formatFixed(nil, neg && m != 0, m, d, false)
	if pad := places - d; pad > 0 {
		if d == 0 {
			b = append(b, '.')
		}
		b = append(b, strings.Repeat("0", pad)...)
	}
	return string(b)
}

// String returns a as a decimal followed by its currency code: "4566.21 IO".
// ParseAmount(a.String()) returns a.
func (a Amount) String() string {
	var buf [40]byte
	b := formatFixed(buf[:0], a.units < 0, magnitude(a.units), a.currency.Decimals(), true)
	b = append(b, ' ')
	return string(append(b, a.currency.String()...))
}

// formatFixed appends the decimal for the magnitude m scaled by 10^-scale,
// with its sign; trim drops trailing fraction zeros (and a bare point).
func formatFixed(b []byte, neg bool, m uint64, scale int, trim bool) []byte {
	if neg {
		b = append(b, '-')
	}
	p := pow10[scale]
	b = strconv.AppendUint(b, m/p, 10)
	frac := m % p
	if scale == 0 || (trim && frac == 0) {
		return b
	}
	var digits [19]byte
	for i := scale - 1; i >= 0; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	n := scale
	for trim && digits[n-1] == '0' {
		n--
	}
	b = append(b, '.')
	return append(b, digits[:n]...)
}

// ParseAmount parses an amount as String writes it: a plain decimal, one
// space, and a currency code ("4566.21 IO", "-12 USDC"). See ParseDecimal
// for the number's rules. Use CheckNonNegative where a negative amount is
// not allowed.
func ParseAmount(s string) (Amount, error) {
	number, code, ok := strings.Cut(s, " ")
	if !ok {
		return Amount{}, invalidf("parse amount %q: want a number and a currency, as in \"4566.21 IO\"", s)
	}
	c, err := ParseCurrency(code)
	if err != nil {
		return Amount{}, fmt.Errorf("parse amount %q: %w", s, err)
	}
	return ParseDecimal(number, c)
}

// MustParseAmount is ParseAmount for amounts written in source code, such as
// package-level constants. It panics if s is not an amount, so it must never
// see outside input.
func MustParseAmount(s string) Amount {
	a, err := ParseAmount(s)
	if err != nil {
		panic(err)
	}
	return a
}

// ParseDecimal parses a plain decimal number of whole units of c: digits,
// an optional '.' followed by digits, and an optional leading '-'. It
// refuses what could be misread: exponents ("1e5"), digit separators
// ("1,000"), bare points (".5", "5."), and more fraction digits than c has
// decimals (they would have to be rounded away). Those are ErrInvalid; a
// number too large for an Amount is also ErrOverflow.
func ParseDecimal(s string, c Currency) (Amount, error) {
	if !c.Valid() {
		return Amount{}, invalidf("parse amount %q: %v is not a currency", s, c)
	}
	parts, err := splitDecimal(s)
	if err != nil {
		return Amount{}, fmt.Errorf("parse amount %q: %w", s, err)
	}
	if len(parts.frac) > c.Decimals() {
		return Amount{}, invalidf("parse amount %q: %d decimal places, but %v has %d", s, len(parts.frac), c, c.Decimals())
	}
	m, ok := parts.magnitude(c.Decimals())
	var units int64
	if ok {
		units, ok = signed(m, parts.neg)
	}
	if !ok {
		return Amount{}, fmt.Errorf("parse amount %q: out of range for %v: %w (%w)", s, c, ErrOverflow, ErrInvalid)
	}
	return Amount{units, c}, nil
}

// MarshalText implements encoding.TextMarshaler with String.
func (a Amount) MarshalText() ([]byte, error) {
	if !a.currency.Valid() {
		return nil, invalidf("marshal amount: %v has no valid currency", a)
	}
	return []byte(a.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseAmount. On
// error a is left unchanged.
func (a *Amount) UnmarshalText(text []byte) error { return unmarshalWith(a, text, ParseAmount) }

// decimalParts is the syntax of a plain decimal number.
type decimalParts struct {
	neg       bool
	int, frac string // digits only; frac may be empty
}

// splitDecimal checks the syntax of a plain decimal number and splits it.
func splitDecimal(s string) (decimalParts, error) {
	var p decimalParts
	body := s
	if rest, ok := strings.CutPrefix(body, "-"); ok {
		p.neg, body = true, rest
	}
	p.int, p.frac, _ = strings.Cut(body, ".")
	hasPoint := len(p.int) != len(body)
	if !isDigits(p.int) || (hasPoint && !isDigits(p.frac)) {
		return decimalParts{}, invalidf("%q is not a plain decimal number (digits with an optional '.' and fraction, no exponent or separators)", s)
	}
	return p, nil
}

// magnitude returns the number's magnitude in units of 10^-scale, and false
// if it does not fit in a uint64 or has more than scale fraction digits.
func (p decimalParts) magnitude(scale int) (uint64, bool) {
	if len(p.frac) > scale {
		return 0, false
	}
	var v uint64
	for _, digits := range [2]string{p.int, p.frac} {
		for i := 0; i < len(digits); i++ {
			hi, lo := bits.Mul64(v, 10)
			sum, carry := bits.Add64(lo, uint64(digits[i]-'0'), 0)
			if hi != 0 || carry != 0 {
				return 0, false
			}
			v = sum
		}
	}
	if scale-len(p.frac) >= len(pow10) {
		return 0, v == 0
	}
	hi, lo := bits.Mul64(v, pow10[scale-len(p.frac)])
	return lo, hi == 0
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
