package gpu_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// prove has the Verifier issue a task for each of uuids and answers it
// right, at once.
func (n *net) prove(t *testing.T, device iog.DeviceID, uuids ...string) {
	t.Helper()
	for _, u := range uuids {
		task, err := n.v.ProofTask(device, u)
		require.NoError(t, err)
		answer, err := gpu.Solve(context.Background(), task)
		require.NoError(t, err)
		require.NoError(t, n.v.SubmitProof(answer))
	}
}

// uuidsOf returns the UUIDs of inv's GPUs.
func uuidsOf(inv gpu.Inventory) []string {
	out := make([]string, len(inv.GPUs))
	for i, g := range inv.GPUs {
		out[i] = g.GPU.UUID
	}
	return out
}

// A proof costs a device a few milliseconds of its GPU, so, as with
// reports, a burst of right answers must not flush its failures out of
// its trust history: the numbers, 30 reports of impossible
// hardware and then 96 proofs answered in the same second, which made
// trust 989 and the device eligible.
func TestVerifierProofBurstDoesNotWashOutFailures(t *testing.T) {
	n := newNet(20)
	key, inv := n.supplier(t, "rig-1", 8)
	_, err := n.v.Verify(n.signed(t, key, "rig-1", inv))
	require.NoError(t, err)
	for range 30 {
		bad := n.moved(inv)
		bad.GPUs[0].GPU.MemoryBytes = 200 << 30
		_, err := n.v.Verify(n.signed(t, key, "rig-1", bad))
		require.Equal(t, gpu.CheckSpec, gpu.FailedCheck(err))
	}
	liar, err := n.v.Trust("rig-1")
	require.NoError(t, err)
	require.Equal(t, gpu.TrustScore(1000*2/(1+5*30+2)), liar)

	uuids := uuidsOf(inv)
	for i := range 96 {
		n.prove(t, "rig-1", uuids[i%len(uuids)])
	}
	burst, err := n.v.Trust("rig-1")
	require.NoError(t, err)
	require.Equal(t, gpu.TrustScore(1000*(1+8+1)/(1+8+5*30+2)), burst, "one pass a GPU counts")
	require.False(t, n.v.Eligible("rig-1"))

	// Honest hours earn the trust back, as time passes and not faster.
	hours := 0
	for !n.v.Eligible("rig-1") {
		require.Less(t, hours, 48, "an honest device regains eligibility within two days")
		for range 4 {
			n.clock.Advance(15 * time.Minute)
			inv = n.moved(inv)
			_, err := n.v.Verify(n.signed(t, key, "rig-1", inv))
			require.NoError(t, err)
		}
		n.prove(t, "rig-1", uuids...)
		hours++
	}
	require.GreaterOrEqual(t, hours, 6, "at four reports and a proof a GPU an hour, the 30 failures take hours to outweigh")
}

// A device that reports and answers its hourly proofs honestly stays
// eligible, hour after hour, and its trust grows toward 1000.
func TestVerifierHonestHourlyProofsStayEligible(t *testing.T) {
	n := newNet(21)
	key, inv := n.supplier(t, "rig-1", 4)
	uuids := uuidsOf(inv)
	var last gpu.TrustScore
	for hour := range 48 {
		inv = n.moved(inv)
		_, err := n.v.Verify(n.signed(t, key, "rig-1", inv))
		require.NoError(t, err)
		n.prove(t, "rig-1", uuids...)
		require.True(t, n.v.Eligible("rig-1"), "hour %d", hour)
		trust, err := n.v.Trust("rig-1")
		require.NoError(t, err)
		require.GreaterOrEqual(t, trust, last, "hour %d", hour)
		last = trust
		n.clock.Advance(time.Hour)
	}
	require.Equal(t, gpu.TrustScore(1000*97/98), last, "a full history of passes")
}
