package gpu_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

func TestTrustHistory(t *testing.T) {
	var h gpu.TrustHistory
	require.Equal(t, gpu.TrustScore(500), h.Score(epoch), "no history: half trust")
	_, ok := h.LastPassed(gpu.CheckProof)
	require.False(t, ok)

	tests := []struct {
		passed, failed int
		want           gpu.TrustScore
	}{
		{1, 0, 666},
		{10, 0, 916},
		{10, 1, 647},
		{0, 1, 142},
		{90, 6, 745}, // the ring holds 96
	}
	for _, tt := range tests {
		var h gpu.TrustHistory
		at := epoch
		for range tt.passed {
			at = at.Add(time.Minute)
			h.Record(gpu.Outcome{At: at, Check: gpu.CheckProof, Passed: true})
		}
		for range tt.failed {
			at = at.Add(time.Minute)
			h.Record(gpu.Outcome{At: at, Check: gpu.CheckSpec})
		}
		require.Equal(t, tt.want, h.Score(at), "%d passed, %d failed", tt.passed, tt.failed)
	}
}

// The history keeps the last 96 outcomes: a long-honest device that starts
// lying loses its old credit as the lies push it out.
func TestTrustHistoryForgetsOldest(t *testing.T) {
	var h gpu.TrustHistory
	at := epoch
	for range 96 {
		at = at.Add(time.Minute)
		h.Record(gpu.Outcome{At: at, Check: gpu.CheckProof, Passed: true})
	}
	last, ok := h.LastPassed(gpu.CheckProof)
	require.True(t, ok)
	require.Equal(t, at, last)
	for range 96 {
		at = at.Add(time.Minute)
		h.Record(gpu.Outcome{At: at, Check: gpu.CheckProof})
	}
	require.Equal(t, gpu.TrustScore(1000*1/(5*96+2)), h.Score(at))
	_, ok = h.LastPassed(gpu.CheckProof)
	require.False(t, ok, "the passes were pushed out")
}

// Property: a failure never raises the score, a pass never lowers it.
func TestTrustScoreMonotone(t *testing.T) {
	rng := rand.New(seeded(14))
	var h gpu.TrustHistory
	at := epoch
	for range 500 {
		at = at.Add(time.Minute)
		before := h.Score(at)
		passed := rng.IntN(4) > 0
		h.Record(gpu.Outcome{At: at, Check: gpu.CheckProof, Passed: passed})
		after := h.Score(at)
		if passed {
			require.GreaterOrEqual(t, after, before)
		} else {
			require.LessOrEqual(t, after, before)
		}
		require.Less(t, after, gpu.TrustScore(1000))
	}
}

func TestInventoryDevice(t *testing.T) {
	inv := h100Host(rand.New(seeded(15)), 2)
	key, err := gpu.NewKeypair(seeded(16))
	require.NoError(t, err)
	d := inv.Device("rig-1", "worker-1", key.Address())
	require.NoError(t, d.Validate())
	require.Equal(t, iog.DeviceID("rig-1"), d.ID)
	require.Equal(t, key.Address(), d.Owner)
	require.Equal(t, inv.Host.CPU, d.CPU)
	require.Equal(t, inv.Host.MemoryBytes, d.MemoryBytes)
	require.Len(t, d.GPUs, 2)
	require.Equal(t, inv.GPUs[1].GPU, d.GPUs[1])
}

// TestScoreUntil checks that the score ScoreUntil returns holds at every
// instant up to the one it names, and that a record's Trust is its
// history's.
func TestScoreUntil(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	t.Run("empty", func(t *testing.T) {
		var h gpu.TrustHistory
		score, until := h.ScoreUntil(now)
		require.Equal(t, gpu.TrustScore(500), score)
		require.True(t, until.IsZero(), "an empty history never changes")
	})
	t.Run("edges", func(t *testing.T) {
		var h gpu.TrustHistory
		h.Record(gpu.Outcome{At: now.Add(-gpu.TrustWindow), Check: gpu.CheckFormat, Passed: true})
		h.Record(gpu.Outcome{At: now.Add(-2 * gpu.TrustWindow), Check: gpu.CheckFormat, Passed: false})
		h.Record(gpu.Outcome{At: now.Add(time.Hour), Check: gpu.CheckFormat, Passed: false})
		score, until := h.ScoreUntil(now)
		require.Equal(t, h.Score(now), score)
		require.Equal(t, now.Add(time.Nanosecond), until, "the pass on the window's edge leaves it next")
		require.NotEqual(t, score, h.Score(until))
	})
	rng := rand.New(rand.NewPCG(7, 11))
	for round := range 200 {
		var h gpu.TrustHistory
		for range rng.IntN(192) {
			at := now.Add(time.Duration(rng.Int64N(int64(3*gpu.TrustWindow))) - 2*gpu.TrustWindow)
			h.Record(gpu.Outcome{At: at, Check: gpu.CheckFormat, Passed: rng.IntN(4) > 0})
		}
		score, until := h.ScoreUntil(now)
		require.Equal(t, h.Score(now), score)
		recScore, recUntil := gpu.DeviceRecord{History: h.Outcomes()}.Trust(now)
		require.Equal(t, score, recScore, "round %d: the record's trust", round)
		require.Equal(t, until, recUntil, "round %d", round)
		if until.IsZero() {
			require.Equal(t, score, h.Score(now.Add(3*gpu.TrustWindow)), "round %d", round)
			continue
		}
		require.True(t, until.After(now), "round %d", round)
		for range 20 {
			at := now.Add(time.Duration(rng.Int64N(int64(until.Sub(now)))))
			require.Equal(t, score, h.Score(at), "round %d at %v, until %v", round, at, until)
		}
		require.Equal(t, score, h.Score(until.Add(-time.Nanosecond)), "round %d", round)
	}
}
