package gpu_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// StandingOf a device's record says what the Verifier holding it says, at
// every step of a device's life: registered, reported, proved GPU by GPU,
// overdue, failed, proved again, and past the trust window.
func TestVerifierStandingOf(t *testing.T) {
	n := newNet(23)
	key, inv := n.supplier(t, "rig-1", 2)
	check := func(what string) {
		t.Helper()
		rec, ok := n.v.Record("rig-1")
		require.True(t, ok)
		trust, err := n.v.Trust("rig-1")
		require.NoError(t, err)
		want := gpu.Standing{Trust: trust, Eligible: n.v.Eligible("rig-1")}
		require.Equal(t, want, n.v.StandingOf(rec), what)
		// And of the copies a server keeps beside the record.
		score, _ := rec.Trust(n.clock.Now())
		since, ok := rec.ProvenSince()
		require.Equal(t, want, n.v.StandingAt(score, since, ok), what)
		// And of the part of the record's JSON StandingRecord decodes.
		data, err := json.Marshal(rec)
		require.NoError(t, err)
		part, err := gpu.StandingRecord(data)
		require.NoError(t, err)
		require.Equal(t, want, n.v.StandingOf(part), what)
		var full gpu.DeviceRecord
		require.NoError(t, json.Unmarshal(data, &full))
		require.Equal(t, full.Device, part.Device)
		require.Equal(t, full.Known, part.Known)
		require.Equal(t, full.History, part.History)
		require.Len(t, part.GPUs, len(full.GPUs))
		for i, g := range full.GPUs {
			require.Equal(t, g.GPU.UUID, part.GPUs[i].GPU.UUID)
		}
		// And a Verifier restored from the record agrees.
		restored := gpu.NewVerifier(gpu.VerifierConfig{Clock: n.clock})
		require.NoError(t, restored.Restore([]gpu.DeviceRecord{rec}))
		require.Equal(t, want.Eligible, restored.Eligible("rig-1"), what)
	}
	prove := func(uuid string, corrupt bool) {
		t.Helper()
		task, err := n.v.ProofTask("rig-1", uuid)
		require.NoError(t, err)
		answer, err := gpu.Solve(context.Background(), task)
		require.NoError(t, err)
		if corrupt {
			answer.Product[3] ^= 1
			require.ErrorIs(t, n.v.SubmitProof(answer), iog.ErrInvalid)
			return
		}
		require.NoError(t, n.v.SubmitProof(answer))
	}
	check("registered, no report")
	_, err := n.v.Verify(n.signed(t, key, "rig-1", inv))
	require.NoError(t, err)
	check("reported, nothing proved")
	prove(inv.GPUs[0].GPU.UUID, false)
	check("one GPU of two proved")
	prove(inv.GPUs[1].GPU.UUID, false)
	check("both proved")
	require.True(t, n.v.StandingOf(mustRecord(t, n.v, "rig-1")).Eligible)

	// Copies taken when the record was written judge it later, while
	// the trust score holds, as the record itself would.
	written := mustRecord(t, n.v, "rig-1")
	score, until := written.Trust(n.clock.Now())
	since, ok := written.ProvenSince()
	n.clock.Advance(75*time.Minute + time.Second)
	require.True(t, until.IsZero() || n.clock.Now().Before(until))
	require.Equal(t, n.v.StandingOf(written), n.v.StandingAt(score, since, ok))
	require.False(t, n.v.StandingAt(score, since, ok).Eligible, "proofs overdue")
	check("proofs overdue")
	prove(inv.GPUs[0].GPU.UUID, false)
	prove(inv.GPUs[1].GPU.UUID, true)
	check("a failed proof")
	for range 8 {
		prove(inv.GPUs[1].GPU.UUID, false)
	}
	check("proved again")
	n.clock.Advance(gpu.TrustWindow + time.Hour)
	check("the history past the trust window")

	// A record no Verifier holds: an unknown device's is not eligible.
	require.Equal(t, gpu.Standing{Trust: 500}, n.v.StandingOf(gpu.DeviceRecord{Device: "rig-9"}))
	_, ok = gpu.DeviceRecord{Device: "rig-9"}.ProvenSince()
	require.False(t, ok, "a record without GPUs was never proven")
}

// Of a record holding more outcomes than a Verifier keeps, StandingOf
// reads the latest, as Recording them in order would keep them.
func TestVerifierStandingOfLongHistory(t *testing.T) {
	clock := iog.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	v := gpu.NewVerifier(gpu.VerifierConfig{Clock: clock})
	var r gpu.DeviceRecord
	var h gpu.TrustHistory
	for i := range 200 {
		o := gpu.Outcome{At: clock.Now().Add(-time.Duration(200-i) * time.Minute), Check: gpu.CheckProof, Passed: i >= 50}
		r.History = append(r.History, o)
		h.Record(o)
	}
	require.Equal(t, h.Score(clock.Now()), v.StandingOf(r).Trust)
	require.Equal(t, gpu.TrustScore(1000*97/98), v.StandingOf(r).Trust, "the last 96 outcomes, all passes")
}

// StandingRecord refuses what is not a record's JSON.
func TestStandingRecordMalformed(t *testing.T) {
	for _, data := range []string{"", "{", `{"gpus": 3}`, `{"history": [{"at": "yesterday"}]}`} {
		_, err := gpu.StandingRecord([]byte(data))
		require.ErrorIs(t, err, iog.ErrInvalid, data)
	}
}

func mustRecord(t *testing.T, v *gpu.Verifier, id iog.DeviceID) gpu.DeviceRecord {
	t.Helper()
	rec, ok := v.Record(id)
	require.True(t, ok)
	return rec
}
