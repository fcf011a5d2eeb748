package scheduler_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler"
)

// TestRemoveNode: the work on a removed device leaves it as on a failure
// (a lone job back to the queue, a gang member re-placed), the device is
// gone for good, and its ID can join again afresh.
func TestRemoveNode(t *testing.T) {
	ctx := context.Background()
	f := newFramework(t, scheduler.ProfileOf(scheduler.FirstFit{}),
		gpuNode("a", "T4", 4), gpuNode("b", "T4", 4), gpuNode("c", "T4", 4), gpuNode("d", "A10", 1))
	require.NoError(t, f.Submit(gpuJob("solo", 1, 0)))
	gang := gpuJob("gang", 6, 0)
	gang.Gang = true
	require.NoError(t, f.Submit(gang))
	schedule(t, f)
	requirePlacedOn(t, f, "solo", []iog.DeviceID{"a"})
	requirePlacedOn(t, f, "gang", []iog.DeviceID{"b", "c"})

	moved, err := f.RemoveNode(ctx, "c")
	require.NoError(t, err)
	require.Equal(t, []iog.JobID{"gang"}, moved)
	require.NoError(t, f.CheckInvariants())
	requirePlacedOn(t, f, "gang", []iog.DeviceID{"b", "a"})

	moved, err = f.RemoveNode(ctx, "a")
	require.NoError(t, err)
	require.ElementsMatch(t, []iog.JobID{"solo", "gang"}, moved)
	require.NoError(t, f.CheckInvariants())
	for _, id := range []iog.JobID{"solo", "gang"} {
		st, ok := f.Status(id)
		require.True(t, ok)
		require.Equal(t, scheduler.Waiting, st.Phase)
		require.Equal(t, "its device a was removed", st.Reason)
	}
	require.False(t, f.VisitNode("a", func(*scheduler.NodeInfo) {}))

	_, err = f.RemoveNode(ctx, "a")
	require.ErrorIs(t, err, iog.ErrNotFound)
	_, err = f.SetNodeUp(ctx, "a", true)
	require.ErrorIs(t, err, iog.ErrNotFound)

	_, err = f.SetNodeUp(ctx, "d", false)
	require.NoError(t, err)
	moved, err = f.RemoveNode(ctx, "d") // down, the last of its model
	require.NoError(t, err)
	require.Empty(t, moved)

	require.NoError(t, f.AddNode(gpuNode("a", "T4", 8)))
	rep := schedule(t, f)
	require.Len(t, rep.Placed, 2)
	requirePlacedOn(t, f, "gang", []iog.DeviceID{"a"})
	requirePlacedOn(t, f, "solo", []iog.DeviceID{"b"}) // first fit: b was added before the new a
	var ids []iog.DeviceID
	f.VisitNodes(func(n *scheduler.NodeInfo) { ids = append(ids, n.ID()) })
	require.Equal(t, []iog.DeviceID{"b", "a"}, ids, "a rejoins last")
}
