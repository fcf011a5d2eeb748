package iog

import (
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
	var remainders []remainder
	var given uint64
	for i, w := range weights {
		// whole*w/total fits in 64 bits because w <= total, so Div64
		// cannot overflow (hi < w <= total).
		hi, lo := bits.Mul64(whole, w)
		q, r := bits.Div64(hi, lo, total)
		shares[i] = Amount{int64(q), a.currency}
		given += q
		if r > 0 {
			if remainders == nil {
				remainders = make([]remainder, 0, len(weights)-i)
			}
			remainders = append(remainders, remainder{r, i})
		}
	}
	if left := whole - given; left > 0 {
		selectLargest(remainders, int(left))
		for _, rem := range remainders[:left] {
			shares[rem.i].units++
		}
	}
	return shares, nil
}

// remainder is the fractional part r/total of share i's exact proportion.
type remainder struct {
	r uint64
	i int
}

// ranksBefore orders remainders largest first, ties to the lower index.
// Indices are distinct, so it is a strict total order and the k first are
// the same set whatever algorithm finds them.
func ranksBefore(x, y remainder) bool { return x.r > y.r || x.r == y.r && x.i < y.i }

// selectLargest reorders rs so that rs[:k] holds its k first remainders in
// the ranksBefore order (in no particular order among themselves). It is
// quickselect, expected O(n), falling back to a sort of what is left after
// 2·log2(n) rounds so that no input makes it quadratic.
func selectLargest(rs []remainder, k int) {
	lo, hi := 0, len(rs)
	for rounds := 2 * bits.Len(uint(len(rs))); hi-lo > 1; rounds-- {
		if rounds == 0 {
			slices.SortFunc(rs[lo:hi], func(x, y remainder) int {
				if ranksBefore(x, y) {
					return -1
				}
				return 1
			})
			return
		}
		p := partition(rs, lo, hi)
		switch {
		case p == k || p+1 == k:
			return
		case p < k:
			lo = p + 1
		default:
			hi = p
		}
	}
}

// partition moves the median of rs[lo], rs[mid] and rs[hi-1] to its final
// place p in rs[lo:hi], with everything ranked before it in rs[lo:p], and
// returns p.
func partition(rs []remainder, lo, hi int) int {
	mid, last := lo+(hi-lo)/2, hi-1
	if ranksBefore(rs[mid], rs[lo]) {
		rs[mid], rs[lo] = rs[lo], rs[mid]
	}
	if ranksBefore(rs[last], rs[lo]) {
		rs[last], rs[lo] = rs[lo], rs[last]
	}
	if ranksBefore(rs[mid], rs[last]) {
		rs[mid], rs[last] = rs[last], rs[mid]
	}
	pivot, p := rs[last], lo
	for j := lo; j < last; j++ {
		if ranksBefore(rs[j], pivot) {
			rs[p], rs[j] = rs[j], rs[p]
			p++
		}
	}
	rs[p], rs[last] = rs[last], rs[p]
	return p
}
