package sim

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBuckets(t *testing.T) {
	b := newBuckets(10_000, 130) // 10 GPUs: 1% is 100 milli-GPU
	events := []struct{ arrived, used uint64 }{
		{0, 0},       // 0%
		{40, 40},     // 0.4% rounds to 0%
		{60, 0},      // 0.6% rounds to 1%: a failed pod arrives all the same
		{140, 100},   // 1.4% rounds to 1%
		{250, 200},   // 2.5% rounds half to even: 2%
		{350, 300},   // 3.5% rounds half to even: 4%
		{1000, 333},  // 10%, 3.33%
		{1000, 334},  // 10%, 3.34%: the mean, 3.335, is just below in binary: 3.33
		{12996, 999}, // 129.96% rounds to 130%
	}
	for _, e := range events {
		b.add(e.arrived, e.used)
	}
	tests := []struct {
		x    int
		want float64
		ok   bool
	}{
		{0, 0.2, true},
		{1, 0.5, true},
		{2, 2, true},
		{3, (2 + 3) / 2.0, true}, // none at 3%: the mean over 2% to 4%
		{4, 3, true},
		{10, 3.33, true},
		{9, 3.33, true}, // over 8% to 10%
		{7, 0, false},   // none within 6% to 8%
		{130, 9.99, true},
	}
	for _, tc := range tests {
		got, ok := b.at(tc.x)
		require.Equal(t, tc.ok, ok, "at %d%%", tc.x)
		require.InDelta(t, tc.want, got, 1e-9, "at %d%%", tc.x)
	}
}
