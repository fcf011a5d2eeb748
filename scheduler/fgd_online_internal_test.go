package scheduler

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

func TestFGDOnlineReestimates(t *testing.T) {
	p := NewFGDOnline(0.95)
	var seen []iog.Requirements
	for i := range 600 {
		job := &Job{ID: iog.JobID(fmt.Sprint("j", i)), Requirements: iog.Requirements{CPUMilli: uint64(1000 * (1 + i%7)), GPUCount: i % 3}}
		require.NoError(t, p.PreFilter(nil, job))
		require.NoError(t, p.PreFilter(nil, job), "a job tried again is seen once")
		seen = append(seen, job.Requirements)
		// The estimate is of the arrivals up to the last re-estimation:
		// 1, 2, 4 … 128, then 256, 512.
		last := 1
		for n := 1; n <= len(seen); n++ {
			if n < 256 && n&(n-1) == 0 || n%256 == 0 {
				last = n
			}
		}
		require.Equal(t, NewTypicalPods(seen[:last], 0.95).Pods(), p.fgd.typical.Pods(), "after %d", len(seen))
	}
	require.Len(t, p.seen, 600)
}

func TestCPUOnlyTie(t *testing.T) {
	tests := []struct {
		name string
		free []uint16
		want float64
	}{
		{"no idle GPU", []uint16{0, 0}, 0.999},
		{"no GPU", nil, 0.999},
		{"2 idle GPUs", []uint16{1000, 1000}, 0.999 * (1 - 2000.0/8001)},
		{"8 idle GPUs: still above 0", []uint16{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, 0.999 / 8001},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := cpuOnlyTie(&NodeInfo{free: tc.free})
			require.InDelta(t, tc.want, got, 1e-12)
			require.Less(t, got, 1.0, "never changes an integer FGD score's order")
			require.Greater(t, got, 0.0)
		})
	}
	for _, c := range []float64{0, -1, 2} {
		require.Equal(t, 0.95, NewFGDOnline(c).coverage, "a coverage outside (0, 1] is the artifact's")
	}
}
