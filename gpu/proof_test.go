package gpu_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

func mustModel(t testing.TB, name string) iog.GPUModel {
	m, ok := iog.LookupGPUModel(name)
	require.True(t, ok, name)
	return m
}

func TestProofSolveAndVerify(t *testing.T) {
	task := gpu.ProofTask{ID: gpu.Nonce{9}, Device: "rig-1", Model: "H100-SXM", N: 33, Steps: 3, Issued: epoch, Deadline: epoch.Add(time.Minute)}
	answer, err := gpu.Solve(context.Background(), task)
	require.NoError(t, err)
	require.Len(t, answer.Product, 33*33)
	rng := rand.New(seeded(1))
	require.NoError(t, gpu.VerifyProof(task, answer, epoch.Add(time.Second), 2, rng))

	other := task
	other.ID = gpu.Nonce{10}
	otherAnswer, err := gpu.Solve(context.Background(), other)
	require.NoError(t, err)
	require.NotEqual(t, answer.Product, otherAnswer.Product, "the seed decides the task")

	tests := []struct {
		name   string
		change func(a *gpu.ProofAnswer)
		at     time.Time
		kind   error
	}{
		{"one entry off by one", func(a *gpu.ProofAnswer) { a.Product[500] = (a.Product[500] + 1) % (1<<31 - 1) }, epoch, iog.ErrInvalid},
		{"two rows swapped", func(a *gpu.ProofAnswer) {
			copy(a.Product[:33], otherAnswer.Product[:33])
		}, epoch, iog.ErrInvalid},
		{"all zero", func(a *gpu.ProofAnswer) { clear(a.Product) }, epoch, iog.ErrInvalid},
		{"not a residue", func(a *gpu.ProofAnswer) { a.Product[0] = 1<<31 - 1 }, epoch, iog.ErrInvalid},
		{"truncated", func(a *gpu.ProofAnswer) { a.Product = a.Product[:100] }, epoch, iog.ErrInvalid},
		{"another task's answer", func(a *gpu.ProofAnswer) { a.ID = other.ID }, epoch, iog.ErrInvalid},
		{"right but late", func(*gpu.ProofAnswer) {}, epoch.Add(time.Minute + time.Nanosecond), iog.ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := gpu.ProofAnswer{ID: answer.ID, Product: append([]uint32(nil), answer.Product...)}
			tt.change(&a)
			err := gpu.VerifyProof(task, a, tt.at, 2, rng)
			require.ErrorIs(t, err, tt.kind)
			require.Equal(t, gpu.CheckProof, gpu.FailedCheck(err))
		})
	}
}

func TestProofSolveStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := gpu.Solve(ctx, gpu.ProofTask{N: 64, Steps: 1})
	require.ErrorIs(t, err, context.Canceled)
	_, err = gpu.Solve(context.Background(), gpu.ProofTask{N: gpu.MaxProofN + 1, Steps: 1})
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = gpu.Solve(context.Background(), gpu.ProofTask{N: 8})
	require.ErrorIs(t, err, iog.ErrInvalid)
}

// The time allowed follows the claimed model: a task an H100 finishes in
// time is too slow on an RTX 3060 passing itself off as one.
func TestProofAllowed(t *testing.T) {
	cfg := gpu.ProofConfig{Steps: 1000, EfficiencyPercent: 50, Slack: time.Second}
	tests := []struct {
		model string
		n     int
		want  time.Duration
	}{
		// 1000 × 2·1024³ operations at half of 67,000 GFLOPS: 64.1 ms.
		{"H100-SXM", 1024, time.Second + 64_103*time.Microsecond},
		// The same work at half of 12,700 GFLOPS: 338.2 ms.
		{"RTX-3060", 1024, time.Second + 338_186*time.Microsecond},
		{"T4", 512, time.Second + 66_280*time.Microsecond},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			got, err := cfg.Allowed(mustModel(t, tt.model), tt.n)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
	_, err := cfg.Allowed(mustModel(t, "T4"), gpu.MaxProofN+1)
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = gpu.ProofConfig{EfficiencyPercent: 1, Steps: 1000}.Allowed(mustModel(t, "P100"), gpu.MaxProofN)
	require.ErrorIs(t, err, iog.ErrInvalid, "more than a quarter hour of load")
	require.ErrorContains(t, err, "more than 15m0s an hour")
	_, err = cfg.Allowed(iog.GPUModel{Name: "X"}, 64)
	require.ErrorIs(t, err, iog.ErrInvalid)
}

// The hourly proof drives reward eligibility through the Verifier.
func TestVerifierProofOfCompute(t *testing.T) {
	n := newNet(7)
	key, inv := n.supplier(t, "rig-1", 2)
	_, err := n.v.ProofTask("rig-1", inv.GPUs[0].GPU.UUID)
	require.ErrorIs(t, err, iog.ErrNotFound, "no accepted report yet")
	_, err = n.v.Verify(n.signed(t, key, "rig-1", inv))
	require.NoError(t, err)
	_, err = n.v.ProofTask("rig-1", "GPU-unknown")
	require.ErrorIs(t, err, iog.ErrNotFound)
	_, err = n.v.ProofTask("rig-9", inv.GPUs[0].GPU.UUID)
	require.ErrorIs(t, err, iog.ErrNotFound)

	task, err := n.v.ProofTask("rig-1", inv.GPUs[0].GPU.UUID)
	require.NoError(t, err)
	require.Equal(t, "H100-SXM", task.Model)
	require.Equal(t, 16, task.N)
	require.Equal(t, 1, task.Steps)
	answer, err := gpu.Solve(context.Background(), task)
	require.NoError(t, err)
	require.NoError(t, n.v.SubmitProof(answer))
	require.ErrorIs(t, n.v.SubmitProof(answer), iog.ErrNotFound, "a task is answered once")
	require.False(t, n.v.Eligible("rig-1"), "GPU 1 has not proved itself")
	task, err = n.v.ProofTask("rig-1", inv.GPUs[1].GPU.UUID)
	require.NoError(t, err)
	answer, err = gpu.Solve(context.Background(), task)
	require.NoError(t, err)
	require.NoError(t, n.v.SubmitProof(answer))
	require.True(t, n.v.Eligible("rig-1"))

	// An hour and a quarter later, without a new proof, it is not.
	n.clock.Advance(75*time.Minute + time.Second)
	require.False(t, n.v.Eligible("rig-1"))

	// A late answer fails, and so does a wrong one; both cost trust.
	task, err = n.v.ProofTask("rig-1", inv.GPUs[1].GPU.UUID)
	require.NoError(t, err)
	answer, err = gpu.Solve(context.Background(), task)
	require.NoError(t, err)
	n.clock.AdvanceTo(task.Deadline.Add(time.Second))
	err = n.v.SubmitProof(answer)
	require.ErrorIs(t, err, iog.ErrExpired)
	task, err = n.v.ProofTask("rig-1", inv.GPUs[1].GPU.UUID)
	require.NoError(t, err)
	answer, err = gpu.Solve(context.Background(), task)
	require.NoError(t, err)
	answer.Product[7] ^= 1
	require.ErrorIs(t, n.v.SubmitProof(answer), iog.ErrInvalid)
	trust, err := n.v.Trust("rig-1")
	require.NoError(t, err)
	require.Equal(t, gpu.TrustScore(1000*4/15), trust)
	require.False(t, n.v.Eligible("rig-1"))

	var last gpu.ProofTask
	for range 16 {
		last, err = n.v.ProofTask("rig-1", inv.GPUs[0].GPU.UUID)
		require.NoError(t, err)
	}
	_, err = n.v.ProofTask("rig-1", inv.GPUs[0].GPU.UUID)
	require.ErrorIs(t, err, iog.ErrConflict, "unanswered tasks are bounded")

	// Past their deadline, unanswered tasks close as failures.
	n.clock.AdvanceTo(last.Deadline.Add(time.Second))
	_, err = n.v.ProofTask("rig-1", inv.GPUs[0].GPU.UUID)
	require.NoError(t, err)
	trust, err = n.v.Trust("rig-1")
	require.NoError(t, err)
	require.Equal(t, gpu.TrustScore(1000*4/(3+5*18+2)), trust)
	answer, err = gpu.Solve(context.Background(), last)
	require.NoError(t, err)
	require.ErrorIs(t, n.v.SubmitProof(answer), iog.ErrNotFound, "a closed task takes no answer")

	require.NoError(t, n.v.Remove("rig-1"))
	require.ErrorIs(t, n.v.SubmitProof(answer), iog.ErrNotFound)
}

func TestProofAnswerWire(t *testing.T) {
	task := gpu.ProofTask{ID: gpu.Nonce{4, 2}, N: 8, Steps: 2}
	answer, err := gpu.Solve(context.Background(), task)
	require.NoError(t, err)
	b, err := answer.MarshalBinary()
	require.NoError(t, err)
	var back gpu.ProofAnswer
	require.NoError(t, back.UnmarshalBinary(b))
	require.Equal(t, answer, back)

	for name, bad := range map[string][]byte{
		"empty":         nil,
		"other version": append(append([]byte("\xffiog proof answer"), 2), make([]byte, 36)...),
		"short":         b[:len(b)-1],
		"trailing":      append(bytes.Clone(b), 0),
		"huge count":    append(append(append([]byte("\xffiog proof answer"), 1), make([]byte, 32)...), 0xff, 0xff, 0xff, 0xff),
	} {
		t.Run(name, func(t *testing.T) {
			keep := back
			require.ErrorIs(t, back.UnmarshalBinary(bad), iog.ErrInvalid)
			require.Equal(t, keep, back, "a failed decode changes nothing")
		})
	}
}

// FuzzProofAnswerUnmarshal: no input panics the decoder, and what it
// accepts encodes back to the same bytes.
func FuzzProofAnswerUnmarshal(f *testing.F) {
	answer, err := gpu.Solve(context.Background(), gpu.ProofTask{ID: gpu.Nonce{1}, N: 4, Steps: 1})
	require.NoError(f, err)
	b, err := answer.MarshalBinary()
	require.NoError(f, err)
	f.Add(b)
	f.Add([]byte("\xffiog proof answer\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var a gpu.ProofAnswer
		if err := a.UnmarshalBinary(data); err != nil {
			require.ErrorIs(t, err, iog.ErrInvalid)
			return
		}
		again, err := a.MarshalBinary()
		require.NoError(t, err)
		require.Equal(t, data, again)
	})
}

// A task and a challenge travel as JSON, their nonces in hex.
func TestProofTaskJSON(t *testing.T) {
	task := gpu.ProofTask{ID: gpu.Nonce{0xab, 1}, Device: "rig-1", GPU: "GPU-x", Model: "L4", N: 64, Steps: 3, Issued: epoch, Deadline: epoch.Add(time.Minute)}
	b, err := json.Marshal(task)
	require.NoError(t, err)
	require.Contains(t, string(b), `"ID":"ab01000000`)
	var back gpu.ProofTask
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, task, back)

	_, err = gpu.ParseNonce("ab")
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = gpu.ParseNonce(strings.Repeat("zz", 32))
	require.ErrorIs(t, err, iog.ErrInvalid)
	require.Error(t, json.Unmarshal([]byte(`{"ID": "00"}`), &back))
}

// FuzzParseNonce: what parses prints back the same, in lower case.
func FuzzParseNonce(f *testing.F) {
	f.Add(gpu.Nonce{1, 2, 3}.String())
	f.Add(strings.Repeat("A", 64))
	f.Fuzz(func(t *testing.T, s string) {
		n, err := gpu.ParseNonce(s)
		if err != nil {
			require.ErrorIs(t, err, iog.ErrInvalid)
			return
		}
		require.Equal(t, strings.ToLower(s), n.String())
	})
}

// A GPU is loaded by proofs for at most MaxSupplierLoad in each hour, the
// rest of the hour being the renter's: past it, ProofTask refuses.
func TestVerifierProofLoadPerHour(t *testing.T) {
	// About six minutes of work on an H100 a task.
	proof := gpu.ProofConfig{N: gpu.MaxProofN, Steps: 1750, EfficiencyPercent: 1}
	n := newNetProof(16, proof)
	key, inv := n.supplier(t, "rig-1", 2)
	_, err := n.v.Verify(n.signed(t, key, "rig-1", inv))
	require.NoError(t, err)
	first, second := inv.GPUs[0].GPU.UUID, inv.GPUs[1].GPU.UUID

	for range 2 {
		_, err := n.v.ProofTask("rig-1", first)
		require.NoError(t, err)
	}
	_, err = n.v.ProofTask("rig-1", first)
	require.ErrorIs(t, err, iog.ErrConflict, "a third task would load the GPU 18 minutes this hour")
	require.ErrorContains(t, err, "15m0s")
	_, err = n.v.ProofTask("rig-1", second)
	require.NoError(t, err, "each GPU has its own quarter hour")

	n.clock.Advance(time.Hour)
	_, err = n.v.ProofTask("rig-1", first)
	require.NoError(t, err, "a new hour")
}

// ProofConfig.MaxLoad sets the hour's load in place of MaxSupplierLoad,
// for Allowed and ProofTask alike.
func TestVerifierProofMaxLoad(t *testing.T) {
	// About six minutes of work on an H100 a task, with a 10-minute cap.
	proof := gpu.ProofConfig{N: gpu.MaxProofN, Steps: 1750, EfficiencyPercent: 1, MaxLoad: 10 * time.Minute}
	n := newNetProof(18, proof)
	key, inv := n.supplier(t, "rig-1", 1)
	_, err := n.v.Verify(n.signed(t, key, "rig-1", inv))
	require.NoError(t, err)
	_, err = n.v.ProofTask("rig-1", inv.GPUs[0].GPU.UUID)
	require.NoError(t, err)
	_, err = n.v.ProofTask("rig-1", inv.GPUs[0].GPU.UUID)
	require.ErrorIs(t, err, iog.ErrConflict, "a second task would load the GPU 12 minutes this hour")
	require.ErrorContains(t, err, "10m0s")

	h100, ok := iog.LookupGPUModel("H100-SXM")
	require.True(t, ok)
	proof.Steps = 3500
	_, err = proof.Allowed(h100, gpu.MaxProofN)
	require.ErrorIs(t, err, iog.ErrInvalid, "12 minutes of work in one task")
	proof.MaxLoad = 0
	_, err = proof.Allowed(h100, gpu.MaxProofN)
	require.NoError(t, err, "12 minutes fit the default 15")
}

// A device is eligible only when every GPU it reports has passed a proof
// in the interval: one real GPU cannot vouch for fake ones beside it.
func TestVerifierEligibleNeedsEveryGPU(t *testing.T) {
	n := newNet(17)
	key, inv := n.supplier(t, "rig-1", 3)
	_, err := n.v.Verify(n.signed(t, key, "rig-1", inv))
	require.NoError(t, err)
	prove := func(uuid string) {
		t.Helper()
		task, err := n.v.ProofTask("rig-1", uuid)
		require.NoError(t, err)
		answer, err := gpu.Solve(context.Background(), task)
		require.NoError(t, err)
		require.NoError(t, n.v.SubmitProof(answer))
	}
	prove(inv.GPUs[0].GPU.UUID)
	prove(inv.GPUs[1].GPU.UUID)
	require.False(t, n.v.Eligible("rig-1"), "GPU 2 has not proved itself")
	prove(inv.GPUs[2].GPU.UUID)
	require.True(t, n.v.Eligible("rig-1"))

	// An hour later GPU 0 and 1 prove themselves again, GPU 2 does not.
	n.clock.Advance(time.Hour)
	prove(inv.GPUs[0].GPU.UUID)
	prove(inv.GPUs[1].GPU.UUID)
	n.clock.Advance(20 * time.Minute)
	require.False(t, n.v.Eligible("rig-1"), "GPU 2's proof is 80 minutes old")

	// A device that drops the unproven GPU from its reports is eligible
	// for what it still reports.
	inv = n.moved(inv)
	inv.GPUs = inv.GPUs[:2]
	_, err = n.v.Verify(n.signed(t, key, "rig-1", inv))
	require.NoError(t, err)
	require.True(t, n.v.Eligible("rig-1"))
}
