package iog

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSelectLargestPatterns checks selectLargest on the input shapes that
// defeat naive quickselects: sorted, reversed, all equal, organ pipe,
// sawtooth and random, for every k.
func TestSelectLargestPatterns(t *testing.T) {
	const n = 257
	shapes := map[string]func(i int) uint64{
		"ascending":  func(i int) uint64 { return uint64(i) },
		"descending": func(i int) uint64 { return uint64(n - i) },
		"equal":      func(int) uint64 { return 7 },
		"organ pipe": func(i int) uint64 { return uint64(min(i, n-i)) },
		"sawtooth":   func(i int) uint64 { return uint64(i % 5) },
		"random":     func(i int) uint64 { return rand.New(rand.NewPCG(uint64(i), 1)).Uint64N(50) },
	}
	for name, shape := range shapes {
		base := make([]remainder, n)
		for i := range base {
			base[i] = remainder{shape(i), i}
		}
		sorted := slices.Clone(base)
		slices.SortFunc(sorted, func(x, y remainder) int {
			if ranksBefore(x, y) {
				return -1
			}
			return 1
		})
		for k := 1; k < n; k++ {
			rs := slices.Clone(base)
			selectLargest(rs, k)
			top := rs[:k]
			slices.SortFunc(top, func(x, y remainder) int { return x.i - y.i })
			want := slices.Clone(sorted[:k])
			slices.SortFunc(want, func(x, y remainder) int { return x.i - y.i })
			require.Equal(t, want, top, "%s, k=%d", name, k)
		}
	}
}
