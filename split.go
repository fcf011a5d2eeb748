package iog

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
)

// Split divides a into len(weights) shares proportional to weights, and the
// shares always add up to exactly a: nothing is created or lost to rounding.
//
// It uses the largest-remainder method: each share first gets the floor of
// its exact proportion, then the base units left over (fewer than
// len(weights)) go one each to the shares with the largest fractional
// remainders, ties going to the lower index. The result depends only on a
// and weights, so every party that splits the same reward gets the same
// answer.
//
// A share whose weight is zero is zero. A negative amount, an empty or
// all-zero list of weights, or an amount with no currency is ErrInvalid;
// weights whose sum exceeds 2^64-1 are ErrOverflow.
func (a Amount) Split(weights []uint64) ([]Amount, error) {
	if err := a.CheckNonNegative("split amount"); err != nil {
		return nil, err
	}
	if len(weights) == 0 {
		return nil, invalidf("split %v: no weights to split by", a)
	}
	var total uint64
	for _, w := range weights {
		var carry uint64
		total, carry = bits.Add64(total, w, 0)
		if carry != 0 {
			return nil, fmt.Errorf("split %v: weights sum past 2^64-1: %w", a, ErrOverflow)
		}
	}
	if total == 0 {
		return nil, invalidf("split %v: all %d weights are zero", a, len(weights))
	}

	whole := uint64(a.units)
	shares := make([]Amount, len(weights))
	remainders := make([]uint64, len(weights))
	var given uint64
	for i, w := range weights {
		// whole*w/total fits in 64 bits because w <= total, so Div64
		// cannot overflow (hi < w <= total).
		hi, lo := bits.Mul64(whole, w)
		q, r := bits.Div64(hi, lo, total)
		shares[i] = Amount{int64(q), a.currency}
		remainders[i] = r
		given += q
	}
	if left := whole - given; left > 0 {
		order := make([]int, 0, len(weights))
		for i, r := range remainders {
			if r > 0 {
				order = append(order, i)
			}
		}
		slices.SortFunc(order, func(i, j int) int {
			if c := cmp.Compare(remainders[j], remainders[i]); c != 0 {
				return c
			}
			return cmp.Compare(i, j)
		})
		for _, i := range order[:left] {
			shares[i].units++
		}
	}
	return shares, nil
}
