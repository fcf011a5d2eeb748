package iog_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in    string
		c     iog.Currency
		units int64
	}{
		{"4566.21", iog.IO, 456621000000},
		{"4566.21004566", iog.IO, 456621004566},
		{"0", iog.IO, 0},
		{"-0", iog.IO, 0},
		{"0.00000001", iog.IO, 1},
		{"-12.5", iog.USDC, -12500000},
		{"007.10", iog.USDC, 7100000},
		{"300000000", iog.IO, 300_000_000 * 100_000_000},
		{"92233720368.54775807", iog.IO, math.MaxInt64},
		{"-92233720368.54775808", iog.IO, math.MinInt64},
		{"9223372036854.775807", iog.USDC, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			a, err := iog.ParseDecimal(tt.in, tt.c)
			require.NoError(t, err)
			require.Equal(t, iog.NewAmount(tt.units, tt.c), a)
		})
	}
}

func TestParseDecimalRejects(t *testing.T) {
	tests := []struct {
		in       string
		c        iog.Currency
		overflow bool
		msg      string
	}{
		{in: "", c: iog.IO, msg: "not a plain decimal"},
		{in: "1e5", c: iog.IO, msg: "no exponent"},
		{in: "1,000", c: iog.IO, msg: "not a plain decimal"},
		{in: ".5", c: iog.IO, msg: "not a plain decimal"},
		{in: "5.", c: iog.IO, msg: "not a plain decimal"},
		{in: "+5", c: iog.IO, msg: "not a plain decimal"},
		{in: "--5", c: iog.IO, msg: "not a plain decimal"},
		{in: " 5", c: iog.IO, msg: "not a plain decimal"},
		{in: "NaN", c: iog.IO, msg: "not a plain decimal"},
		{in: "0x10", c: iog.IO, msg: "not a plain decimal"},
		{in: "1.0000000001", c: iog.IO, msg: "10 decimal places, but IO has 8"},
		{in: "0.1234567", c: iog.USDC, msg: "7 decimal places, but USDC has 6"},
		{in: "92233720368.54775808", c: iog.IO, overflow: true, msg: "out of range for IO"},
		{in: "-92233720368.54775809", c: iog.IO, overflow: true, msg: "out of range"},
		{in: "99999999999999999999999", c: iog.IO, overflow: true, msg: "out of range"},
		{in: "1", c: iog.Currency(0), msg: "not a currency"},
		{in: "1", c: iog.Currency(99), msg: "not a currency"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := iog.ParseDecimal(tt.in, tt.c)
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.Equal(t, tt.overflow, errors.Is(err, iog.ErrOverflow))
			require.ErrorContains(t, err, tt.msg)
		})
	}
}

func TestParseAmount(t *testing.T) {
	a, err := iog.ParseAmount("4566.21 IO")
	require.NoError(t, err)
	require.Equal(t, iog.NewAmount(456621000000, iog.IO), a)

	a, err = iog.ParseAmount("2.5 $usdc")
	require.NoError(t, err)
	require.Equal(t, iog.NewAmount(2500000, iog.USDC), a)

	for in, msg := range map[string]string{
		"4566.21":     `want a number and a currency`,
		"5 XYZ":       `unknown currency "XYZ" (known: IO, IOSD, USDC, USD)`,
		"5  IO":       `unknown currency " IO"`,
		"abc IO":      `not a plain decimal number`,
		"1.123 IO IO": `unknown currency "IO IO"`,
	} {
		_, err := iog.ParseAmount(in)
		require.ErrorIs(t, err, iog.ErrInvalid, in)
		require.ErrorContains(t, err, msg, in)
	}
}

func TestCurrency(t *testing.T) {
	require.Equal(t, []iog.Currency{iog.IO, iog.IOSD, iog.USDC, iog.USD}, iog.Currencies())
	for _, c := range iog.Currencies() {
		parsed, err := iog.ParseCurrency(c.String())
		require.NoError(t, err)
		require.Equal(t, c, parsed)
	}
	require.Equal(t, 8, iog.IO.Decimals())
	require.Equal(t, 8, iog.IOSD.Decimals())
	require.Equal(t, 6, iog.USDC.Decimals())
	require.Equal(t, 0, iog.Currency(0).Decimals())
	require.Equal(t, "Currency(9)", iog.Currency(9).String())
	_, err := iog.Currency(0).MarshalText()
	require.ErrorIs(t, err, iog.ErrInvalid)
}

// randomAmount draws units across all magnitudes, extremes included.
func randomAmount(r *rand.Rand, c iog.Currency) iog.Amount {
	switch r.IntN(8) {
	case 0:
		return iog.NewAmount(math.MaxInt64-r.Int64N(3), c)
	case 1:
		return iog.NewAmount(math.MinInt64+r.Int64N(3), c)
	case 2:
		return iog.NewAmount(r.Int64N(2001)-1000, c)
	}
	units := r.Int64() >> r.IntN(63)
	if r.IntN(2) == 0 {
		units = -units
	}
	return iog.NewAmount(units, c)
}

func TestFormatParseIdentity(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		c := iog.Currencies()[r.IntN(len(iog.Currencies()))]
		a := randomAmount(r, c)
		parsed, err := iog.ParseAmount(a.String())
		require.NoError(t, err, a.String())
		require.Equal(t, a, parsed)
		parsed, err = iog.ParseDecimal(a.Decimal(), c)
		require.NoError(t, err)
		require.Equal(t, a, parsed)
	}
}

func TestDecimal(t *testing.T) {
	tests := []struct {
		a    iog.Amount
		want string
	}{
		{iog.NewAmount(456621004566, iog.IO), "4566.21004566"},
		{iog.NewAmount(456621000000, iog.IO), "4566.21"},
		{iog.NewAmount(30_000_000_000_000_000, iog.IO), "300000000"},
		{iog.NewAmount(-50_000_000, iog.IO), "-0.5"},
		{iog.NewAmount(1, iog.USDC), "0.000001"},
		{iog.NewAmount(math.MinInt64, iog.IO), "-92233720368.54775808"},
		{iog.Zero(iog.USD), "0"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.a.Decimal())
		require.Equal(t, tt.want+" "+tt.a.Currency().String(), tt.a.String())
	}
}

func TestRoundedDecimal(t *testing.T) {
	tests := []struct {
		a      iog.Amount
		places int
		mode   iog.Rounding
		want   string
	}{
		{iog.NewAmount(456621004566, iog.IO), 2, iog.RoundHalfUp, "4566.21"},
		{iog.NewAmount(456615000000, iog.IO), 1, iog.RoundHalfEven, "4566.2"},
		{iog.NewAmount(456625000000, iog.IO), 1, iog.RoundHalfEven, "4566.2"},
		{iog.NewAmount(456625000000, iog.IO), 1, iog.RoundHalfUp, "4566.3"},
		{iog.NewAmount(-456625000000, iog.IO), 1, iog.RoundHalfUp, "-4566.3"},
		{iog.NewAmount(-456625000000, iog.IO), 1, iog.RoundFloor, "-4566.3"},
		{iog.NewAmount(-456625000000, iog.IO), 1, iog.RoundCeiling, "-4566.2"},
		{iog.NewAmount(-1, iog.IO), 2, iog.RoundHalfEven, "0.00"},
		{iog.NewAmount(1_500_000, iog.USDC), 0, iog.RoundHalfEven, "2"},
		{iog.NewAmount(1_500_000, iog.USDC), 8, iog.RoundHalfEven, "1.50000000"},
		{iog.NewAmount(2_000_000, iog.USDC), 2, iog.RoundDown, "2.00"},
		{iog.NewAmount(math.MaxInt64, iog.IO), 0, iog.RoundUp, "92233720369"},
		{iog.NewAmount(math.MinInt64, iog.IO), 0, iog.RoundUp, "-92233720369"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.a.RoundedDecimal(tt.places, tt.mode), "%v to %d places %v", tt.a, tt.places, tt.mode)
	}
}

func TestRound(t *testing.T) {
	a := iog.NewAmount(456621004566, iog.IO)
	r, err := a.Round(2, iog.RoundHalfUp)
	require.NoError(t, err)
	require.Equal(t, "4566.21 IO", r.String())

	r, err = a.Round(8, iog.RoundUp)
	require.NoError(t, err)
	require.Equal(t, a, r)

	_, err = iog.NewAmount(math.MaxInt64, iog.IO).Round(0, iog.RoundUp)
	require.ErrorIs(t, err, iog.ErrOverflow)
	_, err = a.Round(-1, iog.RoundUp)
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = a.Round(2, iog.Rounding(0))
	require.ErrorIs(t, err, iog.ErrInvalid)
}

// inRange reports whether a big integer fits in an int64.
func inRange(v *big.Int) bool { return v.IsInt64() }

func TestArithmeticMatchesBigInt(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 50000 {
		a, b := randomAmount(r, iog.IO), randomAmount(r, iog.IO)
		ab, bb := big.NewInt(a.Units()), big.NewInt(b.Units())

		check := func(op string, got iog.Amount, err error, want *big.Int) {
			if !inRange(want) {
				require.ErrorIs(t, err, iog.ErrOverflow, "%v %s %v", a, op, b)
				require.Equal(t, iog.Amount{}, got)
				return
			}
			require.NoError(t, err, "%v %s %v", a, op, b)
			require.Equal(t, want.Int64(), got.Units(), "%v %s %v", a, op, b)
			require.Equal(t, iog.IO, got.Currency())
		}
		sum, err := a.Add(b)
		check("+", sum, err, new(big.Int).Add(ab, bb))
		diff, err := a.Sub(b)
		check("-", diff, err, new(big.Int).Sub(ab, bb))
		n := b.Units() >> r.IntN(64)
		prod, err := a.Mul(n)
		check("×", prod, err, new(big.Int).Mul(ab, big.NewInt(n)))
		neg, err := a.Neg()
		check("neg", neg, err, new(big.Int).Neg(ab))
	}
}

func TestCurrencyMismatch(t *testing.T) {
	io, usdc := iog.NewAmount(1, iog.IO), iog.NewAmount(1, iog.USDC)
	_, err := io.Add(usdc)
	require.ErrorIs(t, err, iog.ErrCurrencyMismatch)
	require.ErrorIs(t, err, iog.ErrInvalid)
	require.ErrorContains(t, err, "add 0.00000001 IO and 0.000001 USDC")
	_, err = io.Sub(usdc)
	require.ErrorIs(t, err, iog.ErrCurrencyMismatch)
	_, err = io.Cmp(usdc)
	require.ErrorIs(t, err, iog.ErrCurrencyMismatch)

	var none iog.Amount
	_, err = none.Add(none)
	require.ErrorIs(t, err, iog.ErrInvalid)
	require.NotErrorIs(t, err, iog.ErrCurrencyMismatch)
	_, err = none.Mul(2)
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = none.Neg()
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = none.MulRate(iog.BasisPoints(1), iog.RoundDown)
	require.ErrorIs(t, err, iog.ErrInvalid)
}

func TestCmp(t *testing.T) {
	one, two := iog.NewAmount(1, iog.USD), iog.NewAmount(2, iog.USD)
	for _, tt := range []struct {
		a, b iog.Amount
		want int
	}{{one, two, -1}, {two, one, 1}, {one, one, 0}} {
		got, err := tt.a.Cmp(tt.b)
		require.NoError(t, err)
		require.Equal(t, tt.want, got)
	}
}

func TestCheckNonNegative(t *testing.T) {
	require.NoError(t, iog.Zero(iog.IO).CheckNonNegative("stake"))
	err := iog.MustParseAmount("-5 IO").CheckNonNegative("stake")
	require.ErrorIs(t, err, iog.ErrInvalid)
	require.EqualError(t, err, "stake -5 IO: must not be negative: invalid input")
	require.ErrorIs(t, iog.Amount{}.CheckNonNegative("stake"), iog.ErrInvalid)
}

func TestMulRate(t *testing.T) {
	third, _ := iog.NewRate(1, 3)
	tests := []struct {
		units int64
		rate  iog.Rate
		mode  iog.Rounding
		want  int64
	}{
		{1000_000000, iog.BasisPoints(25), iog.RoundHalfEven, 2_500000},
		{15, iog.BasisPoints(1000), iog.RoundDown, 1},
		{15, iog.BasisPoints(1000), iog.RoundUp, 2},
		{15, iog.BasisPoints(1000), iog.RoundHalfUp, 2},
		{15, iog.BasisPoints(1000), iog.RoundHalfEven, 2},
		{25, iog.BasisPoints(1000), iog.RoundHalfEven, 2},
		{25, iog.BasisPoints(1000), iog.RoundHalfUp, 3},
		{-25, iog.BasisPoints(1000), iog.RoundHalfUp, -3},
		{-25, iog.BasisPoints(1000), iog.RoundHalfEven, -2},
		{-15, iog.BasisPoints(1000), iog.RoundFloor, -2},
		{-15, iog.BasisPoints(1000), iog.RoundCeiling, -1},
		{-15, iog.BasisPoints(1000), iog.RoundDown, -1},
		{-15, iog.BasisPoints(1000), iog.RoundUp, -2},
		{15, iog.BasisPoints(1000), iog.RoundFloor, 1},
		{15, iog.BasisPoints(1000), iog.RoundCeiling, 2},
		{10, third, iog.RoundHalfEven, 3},
		{20, third, iog.RoundHalfEven, 7},
		{math.MaxInt64, iog.BasisPoints(10000), iog.RoundDown, math.MaxInt64},
		{math.MinInt64, iog.BasisPoints(5000), iog.RoundDown, math.MinInt64 / 2},
		{7, iog.Rate{}, iog.RoundUp, 0},
	}
	for _, tt := range tests {
		got, err := iog.NewAmount(tt.units, iog.USDC).MulRate(tt.rate, tt.mode)
		require.NoError(t, err)
		require.Equal(t, iog.NewAmount(tt.want, iog.USDC), got, "%d × %v %v", tt.units, tt.rate, tt.mode)
	}

	_, err := iog.NewAmount(math.MaxInt64, iog.USDC).MulRate(iog.BasisPoints(20000), iog.RoundDown)
	require.ErrorIs(t, err, iog.ErrOverflow)
	_, err = iog.NewAmount(5, iog.USDC).MulRate(iog.BasisPoints(1), iog.Rounding(42))
	require.ErrorIs(t, err, iog.ErrInvalid)
}

// roundRat rounds a rational by mode, as the reference for MulRate.
func roundRat(x *big.Rat, mode iog.Rounding) *big.Int {
	num, den := x.Num(), x.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int)) // truncated toward zero
	if m.Sign() == 0 {
		return q
	}
	neg := x.Sign() < 0
	twice := new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2))
	half := twice.Cmp(den)
	away := false
	switch mode {
	case iog.RoundUp:
		away = true
	case iog.RoundFloor:
		away = neg
	case iog.RoundCeiling:
		away = !neg
	case iog.RoundHalfUp:
		away = half >= 0
	case iog.RoundHalfEven:
		away = half > 0 || half == 0 && q.Bit(0) == 1
	}
	if !away {
		return q
	}
	if neg {
		return q.Sub(q, big.NewInt(1))
	}
	return q.Add(q, big.NewInt(1))
}

func TestMulRateMatchesBigRat(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	modes := []iog.Rounding{iog.RoundDown, iog.RoundUp, iog.RoundFloor, iog.RoundCeiling, iog.RoundHalfUp, iog.RoundHalfEven}
	for range 50000 {
		a := randomAmount(r, iog.IO)
		rate, err := iog.NewRate(r.Uint64()>>r.IntN(64), r.Uint64()>>r.IntN(64)|1)
		require.NoError(t, err)
		mode := modes[r.IntN(len(modes))]
		got, err := a.MulRate(rate, mode)

		exact := new(big.Rat).SetFrac(
			new(big.Int).Mul(big.NewInt(a.Units()), new(big.Int).SetUint64(rate.Num())),
			new(big.Int).SetUint64(rate.Den()))
		want := roundRat(exact, mode)
		if !inRange(want) {
			require.ErrorIs(t, err, iog.ErrOverflow)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, want.Int64(), got.Units(), "%v × %v %v", a, rate, mode)
	}
}

func TestConvert(t *testing.T) {
	price := mustRate(t, "1.85")
	tests := []struct {
		from  string
		to    iog.Currency
		price iog.Rate
		mode  iog.Rounding
		want  string
	}{
		{"10 IO", iog.IOSD, price, iog.RoundDown, "18.5 IOSD"},
		{"0.00000001 IO", iog.USDC, price, iog.RoundDown, "0 USDC"},
		{"0.00000001 IO", iog.USDC, price, iog.RoundUp, "0.000001 USDC"},
		{"2.5 USDC", iog.IOSD, mustRate(t, "1"), iog.RoundDown, "2.5 IOSD"},
		{"2.12345678 IOSD", iog.USDC, mustRate(t, "1"), iog.RoundHalfEven, "2.123457 USDC"},
		{"18.5 USD", iog.IO, mustRate(t, "20/37"), iog.RoundHalfEven, "10 IO"},
		{"-3 IO", iog.USD, price, iog.RoundFloor, "-5.55 USD"},
	}
	for _, tt := range tests {
		got, err := iog.MustParseAmount(tt.from).Convert(tt.to, tt.price, tt.mode)
		require.NoError(t, err)
		require.Equal(t, tt.want, got.String(), "%s at %v", tt.from, tt.price)
	}
	_, err := iog.MustParseAmount("1 IO").Convert(iog.Currency(0), price, iog.RoundDown)
	require.ErrorIs(t, err, iog.ErrInvalid)
	huge, _ := iog.NewRate(math.MaxUint64, 1)
	_, err = iog.MustParseAmount("1 USDC").Convert(iog.IO, huge, iog.RoundDown)
	require.ErrorIs(t, err, iog.ErrOverflow)
}

func TestAmountText(t *testing.T) {
	type payment struct {
		Amount iog.Amount   `json:"amount"`
		Rate   iog.Rate     `json:"rate"`
		Cur    iog.Currency `json:"currency"`
	}
	in := payment{iog.MustParseAmount("4566.21 IO"), iog.BasisPoints(25), iog.USDC}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	require.JSONEq(t, `{"amount":"4566.21 IO","rate":"0.0025","currency":"USDC"}`, string(b))
	var out payment
	require.NoError(t, json.Unmarshal(b, &out))
	require.Equal(t, in, out)

	before := out
	require.ErrorIs(t, json.Unmarshal([]byte(`{"amount":"1e3 IO"}`), &out), iog.ErrInvalid)
	require.ErrorIs(t, json.Unmarshal([]byte(`{"rate":"-1"}`), &out), iog.ErrInvalid)
	require.ErrorIs(t, json.Unmarshal([]byte(`{"currency":"DOGE"}`), &out), iog.ErrInvalid)
	require.Equal(t, before, out, "a failed decode must not change the value")

	_, err = json.Marshal(payment{})
	require.ErrorIs(t, err, iog.ErrInvalid)
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"4566.21 IO", "-0.000001 USDC", "92233720368.54775808 IO", "1e5 IO", ".5 IO", "0 $iosd", "1 USD", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := iog.ParseAmount(s)
		if err != nil {
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.Equal(t, iog.Amount{}, a)
			return
		}
		again, err := iog.ParseAmount(a.String())
		require.NoError(t, err)
		require.Equal(t, a, again)
	})
}
