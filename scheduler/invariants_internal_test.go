package scheduler

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

// TestCheckInvariantsCatchesCorruption shows that CheckInvariants is not
// vacuous: each corruption of the bookkeeping is reported.
func TestCheckInvariantsCatchesCorruption(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(f *Framework)
		want    string
	}{
		{"double booking", func(f *Framework) {
			e := f.jobs["a"]
			f.jobs["b"].placement.Assignments[0].GPUs = e.placement.Assignments[0].GPUs
		}, "booked"},
		{"free drift", func(f *Framework) { f.nodes[0].freeCPU++ }, "free CPU"},
		{"lost job", func(f *Framework) { f.jobs["a"].state = parked }, "waiting"},
		{"stale index", func(f *Framework) { f.nodes[0].free[1] = 1000 }, "bucket"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFramework(Config{Clock: iog.NewManualClock(iog.SystemClock.Now())})
			require.NoError(t, f.AddNode(Node{ID: "n", GPUModel: "T4", GPUs: 2, CPUMilli: 4000, MemoryBytes: 1 << 30}))
			for _, id := range []iog.JobID{"a", "b"} {
				require.NoError(t, f.Submit(Job{ID: id, Requirements: iog.Requirements{GPUCount: 1, CPUMilli: 1}}))
			}
			_, err := f.Schedule(context.Background())
			require.NoError(t, err)
			require.NoError(t, f.CheckInvariants())
			tc.corrupt(f)
			require.ErrorContains(t, f.CheckInvariants(), tc.want)
		})
	}
}
