package iog_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

func mustRate(t testing.TB, s string) iog.Rate {
	t.Helper()
	r, err := iog.ParseRate(s)
	require.NoError(t, err)
	return r
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		in       string
		num, den uint64
		str      string
	}{
		{"0.0025", 1, 400, "0.0025"},
		{"0.25%", 1, 400, "0.0025"},
		{"2%", 1, 50, "0.02"},
		{"1.85", 37, 20, "1.85"},
		{"3/8", 3, 8, "0.375"},
		{"2/6", 1, 3, "1/3"},
		{"0", 0, 1, "0"},
		{"0/5", 0, 1, "0"},
		{"100", 100, 1, "100"},
		{"18446744073709551615", math.MaxUint64, 1, "18446744073709551615"},
		{"0.0000000000000000001", 1, 10_000_000_000_000_000_000, "0.0000000000000000001"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r := mustRate(t, tt.in)
			require.Equal(t, tt.num, r.Num())
			require.Equal(t, tt.den, r.Den())
			require.Equal(t, tt.str, r.String())
			require.Equal(t, r, mustRate(t, r.String()))
		})
	}
}

func TestParseRateRejects(t *testing.T) {
	for in, kind := range map[string]error{
		"-0.25":                  iog.ErrInvalid,
		"1e3":                    iog.ErrInvalid,
		"1/0":                    iog.ErrInvalid,
		"1/-2":                   iog.ErrInvalid,
		"+1/2":                   iog.ErrInvalid,
		"abc":                    iog.ErrInvalid,
		"%":                      iog.ErrInvalid,
		"":                       iog.ErrInvalid,
		"18446744073709551616":   iog.ErrOverflow,
		"0.00000000000000000001": iog.ErrOverflow,
		"0.0000000000000000001%": iog.ErrOverflow,
	} {
		_, err := iog.ParseRate(in)
		require.ErrorIs(t, err, kind, in)
	}
	_, err := iog.NewRate(1, 0)
	require.ErrorIs(t, err, iog.ErrInvalid)
}

func TestRateCmp(t *testing.T) {
	require.Equal(t, -1, mustRate(t, "1/3").Cmp(mustRate(t, "0.34")))
	require.Equal(t, 1, mustRate(t, "1/3").Cmp(mustRate(t, "0.33")))
	require.Equal(t, 0, mustRate(t, "0.25%").Cmp(iog.BasisPoints(25)))
	require.Equal(t, 0, iog.Rate{}.Cmp(mustRate(t, "0")))
	require.True(t, iog.Rate{}.IsZero())
}

func TestRateStringRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 20000 {
		rate, err := iog.NewRate(r.Uint64()>>r.IntN(64), r.Uint64()>>r.IntN(64)|1)
		require.NoError(t, err)
		require.Equal(t, rate, mustRate(t, rate.String()))
	}
}

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"0.0025", "0.25%", "3/8", "1e3", "-1", "1/0", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := iog.ParseRate(s)
		if err != nil {
			return
		}
		again, err := iog.ParseRate(r.String())
		require.NoError(t, err)
		require.Equal(t, r, again)
	})
}
