package iog_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		total   int64
		weights []uint64
		want    []int64
	}{
		{100, []uint64{1, 1, 1}, []int64{34, 33, 33}},
		{2, []uint64{1, 1, 1}, []int64{1, 1, 0}},
		{10, []uint64{0, 3, 0, 7}, []int64{0, 3, 0, 7}},
		{0, []uint64{5, 5}, []int64{0, 0}},
		{7, []uint64{1}, []int64{7}},
		{1, []uint64{1, 2}, []int64{0, 1}},
		{5, []uint64{2, 3, 3}, []int64{1, 2, 2}},
		{math.MaxInt64, []uint64{math.MaxUint64 / 2, math.MaxUint64 / 2}, []int64{math.MaxInt64/2 + 1, math.MaxInt64 / 2}},
	}
	for _, tt := range tests {
		shares, err := iog.NewAmount(tt.total, iog.IO).Split(tt.weights)
		require.NoError(t, err)
		got := make([]int64, len(shares))
		for i, s := range shares {
			require.Equal(t, iog.IO, s.Currency())
			got[i] = s.Units()
		}
		require.Equal(t, tt.want, got, "split %d by %v", tt.total, tt.weights)
	}
}

func TestSplitRejects(t *testing.T) {
	for _, tt := range []struct {
		name    string
		a       iog.Amount
		weights []uint64
		kind    error
		msg     string
	}{
		{"negative", iog.NewAmount(-1, iog.IO), []uint64{1}, iog.ErrInvalid, "must not be negative"},
		{"no currency", iog.Amount{}, []uint64{1}, iog.ErrInvalid, "no valid currency"},
		{"no weights", iog.NewAmount(1, iog.IO), nil, iog.ErrInvalid, "no weights"},
		{"zero weights", iog.NewAmount(1, iog.IO), []uint64{0, 0}, iog.ErrInvalid, "all 2 weights are zero"},
		{"weights overflow", iog.NewAmount(1, iog.IO), []uint64{math.MaxUint64, 1}, iog.ErrOverflow, "weights sum past"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			shares, err := tt.a.Split(tt.weights)
			require.ErrorIs(t, err, tt.kind)
			require.ErrorContains(t, err, tt.msg)
			require.Nil(t, shares)
		})
	}
}

// TestSplitConserves checks, for random amounts and weights, that the shares
// add up to the whole and that each is its exact proportion rounded down or
// up by less than one base unit.
func TestSplitConserves(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for range 3000 {
		total := r.Int64() >> r.IntN(63)
		n := 1 + r.IntN(64)
		weights := make([]uint64, n)
		var sum uint64
		for i := range weights {
			if r.IntN(5) == 0 {
				continue // some zero weights
			}
			weights[i] = r.Uint64() >> (r.IntN(64-6) + 6) // n×w fits in 64 bits
			sum += weights[i]
		}
		if sum == 0 {
			weights[0], sum = 1, 1
		}
		shares, err := iog.NewAmount(total, iog.USDC).Split(weights)
		require.NoError(t, err)
		require.Len(t, shares, n)

		got := iog.Zero(iog.USDC)
		for i, s := range shares {
			got, err = got.Add(s)
			require.NoError(t, err)
			exact := new(big.Rat).SetFrac(
				new(big.Int).Mul(big.NewInt(total), new(big.Int).SetUint64(weights[i])),
				new(big.Int).SetUint64(sum))
			floor := new(big.Int).Quo(exact.Num(), exact.Denom())
			require.True(t, s.Units() == floor.Int64() || s.Units() == floor.Int64()+1 && !exact.IsInt(),
				"share %d of %d by %v is %d, exact %v", i, total, weights, s.Units(), exact)
			if weights[i] == 0 {
				require.Zero(t, s.Units())
			}
		}
		require.Equal(t, iog.NewAmount(total, iog.USDC), got)
	}
}

// referenceSplit is the largest-remainder method written plainly with
// math/big and a full sort, to check Split's selection against.
func referenceSplit(total int64, weights []uint64) []int64 {
	sum := new(big.Int)
	for _, w := range weights {
		sum.Add(sum, new(big.Int).SetUint64(w))
	}
	shares := make([]int64, len(weights))
	rems := make([]*big.Int, len(weights))
	order := make([]int, len(weights))
	given := int64(0)
	for i, w := range weights {
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(big.NewInt(total), new(big.Int).SetUint64(w)), sum, new(big.Int))
		shares[i], rems[i], order[i] = q.Int64(), r, i
		given += q.Int64()
	}
	sort.SliceStable(order, func(a, b int) bool { return rems[order[a]].Cmp(rems[order[b]]) > 0 })
	for _, i := range order[:total-given] {
		shares[i]++
	}
	return shares
}

func TestSplitMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for range 500 {
		n := 1 + r.IntN(2000)
		weights := make([]uint64, n)
		spread := uint64(1) << r.IntN(40) // small spreads make many ties
		for i := range weights {
			weights[i] = r.Uint64N(spread + 1)
		}
		weights[r.IntN(n)]++
		total := r.Int64N(1 << 40)
		shares, err := iog.NewAmount(total, iog.IO).Split(weights)
		require.NoError(t, err)
		got := make([]int64, n)
		for i, s := range shares {
			got[i] = s.Units()
		}
		require.Equal(t, referenceSplit(total, weights), got)
	}
}
