package gpu_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// TestAttack replays the April 2024 flood against a Verifier: 10,000
// spoofed reports and proof answers of five kinds, shuffled among 1,000
// honest reports from 250 suppliers. Every spoof must be rejected by the
// check meant to catch it, and every honest report accepted.
//
// Answers to proofs of compute arrive when the GPU that really computed
// them would be done: the honest H100s after an H100's work, the
// attackers' "H100s", really RTX 3060s, after a 3060's. The proofs are
// sized so that the work is long against the slack, as a deployment that
// means to tell GPUs apart must size them (see gpu.ProofConfig); on the
// manual clock their small scale costs nothing.
func TestAttack(t *testing.T) {
	const (
		suppliers   = 250 // honest, one device each
		rounds      = 4   // honest reports per supplier
		perKind     = 2000
		attackers   = 50 // keys
		perAttacker = 4  // devices per attacker key
	)
	proof := gpu.ProofConfig{N: 16, Steps: 8, Slack: 10 * time.Nanosecond}
	n := newNetProof(2024, proof)
	ctx := context.Background()
	// workOn is how long a GPU of model needs for a task's work, at the
	// efficiency the Verifier assumes.
	workOn := func(model string) time.Duration {
		d, err := proof.Allowed(mustModel(t, model), proof.N)
		require.NoError(t, err)
		return d - proof.Slack
	}
	h100Work, rtx3060Work := workOn("H100-SXM"), workOn("RTX-3060")

	type supplier struct {
		key    gpu.Keypair
		device iog.DeviceID
		inv    gpu.Inventory
		first  gpu.SignedReport // an accepted report, for replays
	}
	honest := make([]*supplier, suppliers)
	var honestUUIDs []gpu.GPUReading
	for i := range honest {
		dev := iog.DeviceID(fmt.Sprintf("honest-%03d", i))
		key, inv := n.supplier(t, dev, 1+i%8)
		honest[i] = &supplier{key: key, device: dev, inv: inv}
	}

	type attacker struct {
		key    gpu.Keypair
		device iog.DeviceID
	}
	var bad []attacker
	for i := range attackers {
		key, err := gpu.NewKeypair(n.src)
		require.NoError(t, err)
		for j := range perAttacker {
			dev := iog.DeviceID(fmt.Sprintf("attacker-%02d-%d", i, j))
			require.NoError(t, n.v.Register(dev, key.Address()))
			bad = append(bad, attacker{key: key, device: dev})
		}
	}

	accepted, rejected, late := 0, map[gpu.Check]int{}, 0
	var wrongAccepted []string
	honestReport := func(s *supplier) {
		s.inv = n.moved(s.inv)
		sr := n.signed(t, s.key, s.device, s.inv)
		if _, err := n.v.Verify(sr); err != nil {
			wrongAccepted = append(wrongAccepted, fmt.Sprintf("honest %s refused: %v", s.device, err))
			return
		}
		accepted++
		if s.first == nil {
			s.first = sr
		}
	}
	// spoof runs one attack, which must fail the want check.
	spoof := func(want gpu.Check, attack func() error) {
		err := attack()
		if got := gpu.FailedCheck(err); got != want {
			wrongAccepted = append(wrongAccepted, fmt.Sprintf("%s spoof: got check %q, error %v", want, got, err))
			return
		}
		rejected[want]++
	}

	// Round one: every honest device reports, so there is something to
	// replay and clone.
	for _, s := range honest {
		honestReport(s)
		honestUUIDs = append(honestUUIDs, s.inv.GPUs...)
	}
	// The attackers' proof devices first pass a report that is consistent
	// on paper; their lie is in the compute they claim.
	proofGPU := map[iog.DeviceID]string{}
	for _, a := range bad[:attackers] {
		inv := h100Host(n.rng, 8)
		_, err := n.v.Verify(n.signed(t, a.key, a.device, inv))
		require.NoError(t, err)
		proofGPU[a.device] = inv.GPUs[0].GPU.UUID
	}

	spoofSpecs := []func(inv *gpu.Inventory){
		func(inv *gpu.Inventory) { inv.GPUs[0].GPU.MemoryBytes = 160 << 30 },                             // an "H100" with 160 GB
		func(inv *gpu.Inventory) { inv.GPUs[0].GPU.ComputeCapability = iog.ComputeCapability{Major: 8} }, // an Ampere claiming Hopper
		func(inv *gpu.Inventory) { inv.GPUs[0].GPU.Model = "NVIDIA H900" },                               // no such model
		func(inv *gpu.Inventory) { inv.GPUs[0].GPU.UUID = "GPU-" + fmt.Sprint(n.rng.Uint64()) },          // not a UUID
		func(inv *gpu.Inventory) { inv.GPUs = append(inv.GPUs, h100Host(n.rng, 16).GPUs...) },            // 24 GPUs in one box
		func(inv *gpu.Inventory) { inv.GPUs[0].Telemetry.MemoryUsedBytes = 1 << 40 },                     // uses more than it has
	}
	specCheck := []gpu.Check{gpu.CheckSpec, gpu.CheckSpec, gpu.CheckSpec, gpu.CheckUUID, gpu.CheckCapacity, gpu.CheckSpec}

	var events []func()
	for range rounds - 1 {
		for _, s := range honest {
			events = append(events, func() { honestReport(s) })
		}
	}
	for i := range perKind {
		// Forged signatures: an attacker signs reports for honest devices,
		// with a live nonce of theirs.
		events = append(events, func() {
			s := honest[n.rng.IntN(len(honest))]
			a := bad[i%len(bad)]
			spoof(gpu.CheckSignature, func() error {
				ch, err := n.v.Challenge(s.device)
				require.NoError(t, err)
				_, err = n.v.Verify(forge(t, a.key, gpu.Report{Device: s.device, Owner: s.key.Address(), Nonce: ch.Nonce, Inventory: h100Host(n.rng, 8)}))
				return err
			})
		})
		// Replays of honest reports already accepted.
		events = append(events, func() {
			s := honest[i%len(honest)]
			spoof(gpu.CheckNonce, func() error { _, err := n.v.Verify(s.first); return err })
		})
		// Cloned UUIDs: attackers' own devices, properly signed, claiming
		// GPUs that honest devices hold.
		events = append(events, func() {
			a := bad[attackers+i%(len(bad)-attackers)]
			inv := h100Host(n.rng, 1+i%8)
			inv.GPUs[i%len(inv.GPUs)] = honestUUIDs[n.rng.IntN(len(honestUUIDs))]
			spoof(gpu.CheckDuplicate, func() error { _, err := n.v.Verify(n.signed(t, a.key, a.device, inv)); return err })
		})
		// Inconsistent specs, properly signed.
		events = append(events, func() {
			a := bad[attackers+i%(len(bad)-attackers)]
			inv := h100Host(n.rng, 8)
			kind := i % len(spoofSpecs)
			spoofSpecs[kind](&inv)
			spoof(specCheck[kind], func() error { _, err := n.v.Verify(n.signed(t, a.key, a.device, inv)); return err })
		})
		// Proof-of-compute answers from the attackers' "H100"s, really RTX
		// 3060s: right ones, which come when a 3060 is done, too late for
		// an H100; and wrong ones in time, either made up or the right
		// product with one entry off (a shortcut that got one thing wrong).
		events = append(events, func() {
			a := bad[i%attackers]
			spoof(gpu.CheckProof, func() error {
				task, err := n.v.ProofTask(a.device, proofGPU[a.device])
				require.NoError(t, err)
				switch i % 4 {
				case 1, 3:
					answer, err := gpu.Solve(ctx, task)
					require.NoError(t, err)
					n.clock.AdvanceTo(task.Issued.Add(rtx3060Work))
					err = n.v.SubmitProof(answer)
					if errors.Is(err, iog.ErrExpired) {
						late++
					}
					return err
				case 2:
					answer, err := gpu.Solve(ctx, task)
					require.NoError(t, err)
					k := n.rng.IntN(len(answer.Product))
					answer.Product[k] = (answer.Product[k] + 1) % (1<<31 - 1)
					n.clock.AdvanceTo(task.Issued.Add(h100Work))
					return n.v.SubmitProof(answer)
				}
				answer := gpu.ProofAnswer{ID: task.ID, Product: make([]uint32, task.N*task.N)}
				for k := range answer.Product {
					answer.Product[k] = n.rng.Uint32N(1<<31 - 1)
				}
				return n.v.SubmitProof(answer)
			})
		})
	}
	rand.New(seeded(7)).Shuffle(len(events), func(i, j int) { events[i], events[j] = events[j], events[i] })
	for _, e := range events {
		e()
	}

	// Honest devices prove each GPU's compute in an H100's time and are
	// eligible; no attacker is.
	require.Greater(t, rtx3060Work, h100Work+proof.Slack, "a 3060 misses an H100's deadline")
	for _, s := range honest {
		for _, g := range s.inv.GPUs {
			task, err := n.v.ProofTask(s.device, g.GPU.UUID)
			require.NoError(t, err)
			answer, err := gpu.Solve(ctx, task)
			require.NoError(t, err)
			n.clock.AdvanceTo(task.Issued.Add(h100Work))
			require.NoError(t, n.v.SubmitProof(answer))
		}
		require.True(t, n.v.Eligible(s.device), s.device)
	}
	for _, a := range bad {
		require.False(t, n.v.Eligible(a.device), a.device)
	}

	total := 0
	for _, c := range rejected {
		total += c
	}
	t.Logf("honest reports accepted: %d of %d", accepted, suppliers*rounds)
	t.Logf("spoofs rejected: %d of %d (%v; %d of the proofs right but late)", total, 5*perKind, rejected, late)
	require.Empty(t, wrongAccepted)
	require.Equal(t, suppliers*rounds, accepted)
	require.Equal(t, 5*perKind, total)
	require.Equal(t, perKind, rejected[gpu.CheckSignature])
	require.Equal(t, perKind, rejected[gpu.CheckNonce])
	require.Equal(t, perKind, rejected[gpu.CheckDuplicate])
	require.Equal(t, perKind, rejected[gpu.CheckProof])
	require.Equal(t, perKind/2, late)
	require.Equal(t, perKind, rejected[gpu.CheckSpec]+rejected[gpu.CheckUUID]+rejected[gpu.CheckCapacity])
}
