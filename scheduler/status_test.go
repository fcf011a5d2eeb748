package scheduler_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler"
)

// TestStatusSaysWhyAJobWaits: a waiting job's reason aggregates the
// nodes' reasons, as Kubernetes' Unschedulable condition does, or names
// what else stopped it.
func TestStatusSaysWhyAJobWaits(t *testing.T) {
	us := iog.Location{Country: "US", Region: "Virginia"}
	de := iog.Location{Country: "DE", Region: "Hesse"}
	pool := func() []scheduler.Node {
		var nodes []scheduler.Node
		for i := range 12 {
			n := gpuNode(fmt.Sprint("n", i), "H100", 1)
			n.Location = us
			if i >= 8 {
				n.Location = de
			}
			nodes = append(nodes, n)
		}
		return append(nodes, scheduler.Node{ID: "cpu", CPUMilli: 8000, MemoryBytes: 8 << 30, Location: us})
	}
	fill := func(t *testing.T, f *scheduler.Framework) {
		for i := range 8 {
			j := gpuJob(fmt.Sprint("fill", i), 1, 0)
			j.Requirements.Locations = []iog.Location{{Country: "US"}}
			require.NoError(t, f.Submit(j))
		}
		schedule(t, f)
	}
	inUS := func(j scheduler.Job) scheduler.Job {
		j.Requirements.Locations = []iog.Location{{Country: "US"}}
		return j
	}
	gang := func(j scheduler.Job) scheduler.Job { j.Gang = true; return j }
	h100 := func(j scheduler.Job) scheduler.Job { j.Requirements.GPUModel = "H100"; return j }
	tests := []struct {
		name    string
		prof    scheduler.Profile
		job     scheduler.Job
		want    string
		reasons []scheduler.Rejection
	}{
		{"capacity and place", scheduler.Profile{}, inUS(h100(gpuJob("job", 1, 0))),
			"0/13 nodes are available: 8 have too few free H100, 4 are in another place, 1 has no GPUs",
			[]scheduler.Rejection{{Reason: "have too few free H100", Nodes: 8}, {Reason: "are in another place", Nodes: 4}, {Reason: "have no GPUs", Nodes: 1}}},
		{"gang short of GPUs", scheduler.Profile{}, gang(gpuJob("job", 6, 0)),
			"4/13 nodes are available with 4 of the 6 GPUs the gang needs: 8 have no free GPUs, 1 has no GPUs", nil},
		{"permit", scheduler.Profile{Permit: []scheduler.PermitPlugin{refuse{"quota"}}}, gpuJob("refused", 1, 0),
			"quota did not permit it: no", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFramework(t, tc.prof, pool()...)
			fill(t, f)
			require.NoError(t, f.Submit(tc.job))
			st, ok := f.Status(tc.job.ID)
			require.True(t, ok)
			require.Equal(t, scheduler.Waiting, st.Phase)
			require.Empty(t, st.Reason, "not tried yet")
			schedule(t, f)
			st, ok = f.Status(tc.job.ID)
			require.True(t, ok)
			require.Equal(t, scheduler.Waiting, st.Phase)
			require.Equal(t, tc.want, st.Reason)
			if tc.reasons != nil {
				require.Equal(t, tc.reasons, st.Rejections)
				require.Equal(t, 13, st.Nodes)
			}
		})
	}
	_, ok := newFramework(t, scheduler.Profile{}).Status("none")
	require.False(t, ok)
}

// TestStatusOfAHeldAndAPreemptedJob: the queue held for a starved job is
// a reason too; a preempted job is tried again at once.
func TestStatusOfAHeldAndAPreemptedJob(t *testing.T) {
	clock := iog.NewManualClock(t0)
	f := scheduler.NewFramework(scheduler.Config{Clock: clock, StarvationLimit: time.Hour, Profile: scheduler.ProfileOf(scheduler.FirstFit{})})
	require.NoError(t, f.AddNode(gpuNode("n", "T4", 2)))
	require.NoError(t, f.Submit(gpuJob("low", 1, 0)))
	schedule(t, f)
	big := gpuJob("big", 2, 0)
	big.Submitted = t0.Add(-2 * time.Hour)
	require.NoError(t, f.Submit(big))
	require.NoError(t, f.Submit(gpuJob("small", 1, 0)))
	schedule(t, f)
	st, _ := f.Status("small")
	require.Equal(t, "waits behind job big, which has waited past the starvation limit", st.Reason)

	urgent := gpuJob("urgent", 2, 0)
	urgent.Requirements.Priority = 9
	require.NoError(t, f.Submit(urgent))
	schedule(t, f)
	st, _ = f.Status("low")
	require.Equal(t, scheduler.Waiting, st.Phase)
	require.Equal(t, "0/1 nodes are available: 1 has too few free GPUs", st.Reason, "tried again in the cycle that preempted it")
	st, _ = f.Status("urgent")
	require.Equal(t, scheduler.Placed, st.Phase)
	require.Equal(t, iog.DeviceID("n"), st.Placement.Assignments[0].Device)
}
