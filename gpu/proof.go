package gpu

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/internetofgpus/iog"
)

// A proof of compute is a matrix product the server can check far faster
// than the worker can compute it. The server sends a seed; the worker
// expands it into two n×n matrices A and B over the integers modulo the
// prime 2^31-1, computes C = A·B (2n³ multiply-adds) and sends C back; the
// server checks C with Freivalds' algorithm (is A·(B·r) = C·r for random
// vectors r? — 3n² work a round, a wrong C passes a round with probability
// at most 1/p) and checks that the answer came within the time the claimed
// GPU model needs.
//
// Solve runs the product on the CPU, as this module has no GPU kernel. On
// a GPU host a CUDA kernel computing the same product (same seed
// expansion, same modulus) slots in for Solve; the server side does not
// change.

// proofModulus is the prime 2^31-1; products of two residues fit in 62
// bits, so four can be added in a uint64 before reducing.
const proofModulus = 1<<31 - 1

// ProofTask is one proof-of-compute challenge.
type ProofTask struct {
	// ID names the task and seeds its matrices.
	ID     Nonce
	Device iog.DeviceID
	// GPU is the UUID of the GPU that must run it, and Model that GPU's
	// claimed catalog model, which sets the deadline.
	GPU   string
	Model string
	// N is the matrices' order.
	N int
	// Issued and Deadline bound when an answer is accepted.
	Issued   time.Time
	Deadline time.Time
}

// ProofAnswer is a worker's answer: the product, row by row.
type ProofAnswer struct {
	ID      Nonce
	Product []uint32
}

// ProofConfig sizes proof-of-compute tasks. The zero value means the
// defaults documented on each field.
type ProofConfig struct {
	// N is the order of the matrices; 0 means 256 (a 256 KiB answer).
	// At most MaxProofN.
	N int
	// EfficiencyPercent is the share of a GPU's FP32 peak that the modular
	// product is assumed to reach; 0 means 5. The time allowed for the
	// work is 2n³ operations at that share of the claimed model's peak.
	EfficiencyPercent int
	// Slack is added to the work's time for transfer and setup; 0 means
	// 30 seconds.
	Slack time.Duration
	// Rounds is the number of Freivalds rounds; 0 means 2 (a wrong answer
	// passes with probability below 2^-60).
	Rounds int
}

// MaxProofN bounds a task's order, and so an answer's size (64 MiB).
const MaxProofN = 4096

// MaxSupplierLoad is the most time an hourly proof may take on the
// claimed GPU: a quarter of the hour it is lent.
const MaxSupplierLoad = 15 * time.Minute

func (c ProofConfig) withDefaults() ProofConfig {
	if c.N <= 0 {
		c.N = 256
	}
	c.N = min(c.N, MaxProofN)
	if c.EfficiencyPercent <= 0 {
		c.EfficiencyPercent = 5
	}
	if c.Slack <= 0 {
		c.Slack = 30 * time.Second
	}
	if c.Rounds <= 0 {
		c.Rounds = 2
	}
	return c
}

// Allowed returns how long a GPU of model m may take for a task of order
// n: the work at the configured share of m's FP32 peak, plus the slack. A
// model without a published FP32 figure, or work that would take longer
// than MaxSupplierLoad, is ErrInvalid.
func (c ProofConfig) Allowed(m iog.GPUModel, n int) (time.Duration, error) {
	c = c.withDefaults()
	if m.FP32GFLOPS == 0 {
		return 0, fmt.Errorf("proof of compute: %s has no FP32 figure to time it by: %w", m.Name, iog.ErrInvalid)
	}
	if n <= 0 || n > MaxProofN {
		return 0, fmt.Errorf("proof of compute: order %d, want 1 to %d: %w", n, MaxProofN, iog.ErrInvalid)
	}
	ops := 2 * uint64(n) * uint64(n) * uint64(n)
	// ops / GFLOPS is nanoseconds; dividing by the efficiency share.
	ns := ops * 100 / (uint64(m.FP32GFLOPS) * uint64(c.EfficiencyPercent))
	work := time.Duration(ns)
	if work > MaxSupplierLoad {
		return 0, fmt.Errorf("proof of compute: order %d would load a %s for %s, more than %s an hour: %w", n, m.Name, work, MaxSupplierLoad, iog.ErrInvalid)
	}
	return work + c.Slack, nil
}

// proofMatrices expands a task's seed into A and B.
func proofMatrices(id Nonce, n int) (a, b []uint32) {
	src := rand.NewChaCha8(id)
	a = make([]uint32, n*n)
	b = make([]uint32, n*n)
	fill := func(m []uint32) {
		for i := range m {
			// Rejection sampling keeps the residues uniform.
			for {
				v := uint32(src.Uint64() >> 33)
				if v < proofModulus {
					m[i] = v
					break
				}
			}
		}
	}
	fill(a)
	fill(b)
	return a, b
}

// Solve computes a task's answer on the CPU, stopping with ctx's error if
// ctx ends first.
func Solve(ctx context.Context, t ProofTask) (ProofAnswer, error) {
	n := t.N
	if n <= 0 || n > MaxProofN {
		return ProofAnswer{}, fmt.Errorf("solve proof: order %d, want 1 to %d: %w", n, MaxProofN, iog.ErrInvalid)
	}
	a, b := proofMatrices(t.ID, n)
	// Transposing B makes the inner loop walk both operands in order.
	bt := make([]uint32, n*n)
	for i := range n {
		for j := range n {
			bt[j*n+i] = b[i*n+j]
		}
	}
	c := make([]uint32, n*n)
	for i := range n {
		if i%16 == 0 {
			if err := ctx.Err(); err != nil {
				return ProofAnswer{}, fmt.Errorf("solve proof: %w", err)
			}
		}
		row := a[i*n : (i+1)*n]
		for j := range n {
			c[i*n+j] = dotMod(row, bt[j*n:(j+1)*n])
		}
	}
	return ProofAnswer{ID: t.ID, Product: c}, nil
}

// dotMod returns the dot product of x and y modulo proofModulus.
func dotMod(x, y []uint32) uint32 {
	var acc uint64
	k := 0
	for ; k+4 <= len(x); k += 4 {
		s := uint64(x[k])*uint64(y[k]) + uint64(x[k+1])*uint64(y[k+1]) +
			uint64(x[k+2])*uint64(y[k+2]) + uint64(x[k+3])*uint64(y[k+3])
		acc = (acc + s%proofModulus) % proofModulus
	}
	for ; k < len(x); k++ {
		acc = (acc + uint64(x[k])*uint64(y[k])) % proofModulus
	}
	return uint32(acc)
}

// checkProduct runs Freivalds' check of c = a·b with rounds random vectors
// drawn from rng.
func checkProduct(a, b, c []uint32, n, rounds int, rng *rand.Rand) bool {
	r := make([]uint32, n)
	br := make([]uint32, n)
	for range rounds {
		for i := range r {
			r[i] = uint32(rng.Uint64N(proofModulus))
		}
		for i := range n {
			br[i] = dotMod(b[i*n:(i+1)*n], r)
		}
		for i := range n {
			if dotMod(a[i*n:(i+1)*n], br) != dotMod(c[i*n:(i+1)*n], r) {
				return false
			}
		}
	}
	return true
}

// VerifyProof checks answer against task at time now: the answer must be
// the task's, arrive before the deadline, have every entry a residue and
// pass Freivalds' check with vectors drawn from rng (the server's own
// randomness: a worker that could predict it could forge answers). A
// failure is a *Rejection of CheckProof wrapping ErrExpired (too late) or
// ErrInvalid (wrong).
func VerifyProof(task ProofTask, answer ProofAnswer, now time.Time, rounds int, rng *rand.Rand) error {
	fail := func(err error) error { return reject(task.Device, CheckProof, err) }
	switch {
	case answer.ID != task.ID:
		return fail(fmt.Errorf("answer is for another task: %w", iog.ErrInvalid))
	case now.After(task.Deadline):
		return fail(fmt.Errorf("answer took %s, a %s needs at most %s: %w", now.Sub(task.Issued), task.Model, task.Deadline.Sub(task.Issued), iog.ErrExpired))
	case task.N <= 0 || task.N > MaxProofN || len(answer.Product) != task.N*task.N:
		return fail(fmt.Errorf("answer has %d entries, want %d: %w", len(answer.Product), task.N*task.N, iog.ErrInvalid))
	}
	for _, v := range answer.Product {
		if v >= proofModulus {
			return fail(fmt.Errorf("answer holds %d, not a residue modulo 2^31-1: %w", v, iog.ErrInvalid))
		}
	}
	a, b := proofMatrices(task.ID, task.N)
	if !checkProduct(a, b, answer.Product, task.N, max(rounds, 1), rng) {
		return fail(fmt.Errorf("the product is wrong: %w", iog.ErrInvalid))
	}
	return nil
}
