package gpu

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/internetofgpus/iog"
)

// A proof of compute is a chain of matrix products the server can check
// far faster than the worker can compute it. The server sends a seed; the
// worker expands it into two n×n matrices A and B over the integers modulo
// the prime p = 2^31-1, computes C = A·B^k by k successive products (2kn³
// operations, each step needing the last) and sends C back. The server
// checks C with Freivalds' algorithm: is C·r = A·(B·(…(B·r))) for a random
// vector r only it knows? That is (k+2)n² work a round, and a wrong C
// passes a round with probability at most 1/p. It also checks that the
// answer came within the time the claimed GPU model needs for the work
// (ProofConfig.Allowed).
//
// What the deadline can tell apart depends on the configuration. A
// weaker GPU posing as a stronger one is late only when the work on the
// claimed model is long against ProofConfig.Slack, which must cover the
// upload of the n² answer, and when EfficiencyPercent is close to what
// the fastest kernel reaches (at 5%, anything that runs the product at a
// twentieth of the claimed peak is in time). With the defaults (order
// 256, one step, 30 s of slack) the work is about 10 µs on an H100 and
// 17 ms on one CPU core, so the proof shows that the device computes the
// right answer, not which hardware it has. Making the work dominate costs
// the server too: its check is (k+2)n² multiply-adds a round on a CPU
// against the worker's 2kn³ on a GPU, and at n ≤ MaxProofN a GPU's
// hundredfold to thousandfold speed over a CPU core nearly cancels the
// factor n, so seconds of GPU work cost seconds of server CPU.
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
	// N is the matrices' order, and Steps the number of products.
	N     int
	Steps int
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
//
// The deadline (Allowed) tells a weaker GPU from the claimed one only
// when the work on the claimed model is long against Slack. The defaults
// are not: an order-256 product takes about 10 µs on an H100 at 5% of
// its peak and 17 ms on one CPU core, both far inside 30 s of slack, so
// they prove a right answer, not the hardware class. Larger N and Steps
// make the work count, at a server cost of (k+2)n² multiply-adds a
// Freivalds round on the CPU, which at GPU speeds is of the order of the
// worker's own time.
type ProofConfig struct {
	// N is the order of the matrices; 0 means DefaultProofN (a 256 KiB
	// answer). At most MaxProofN.
	N int
	// Steps is the number of successive products; 0 means 1. At most
	// MaxProofSteps.
	Steps int
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
	// MaxLoad is the most proof work a GPU is given in one clock hour, at
	// the claimed model's speed; 0 means MaxSupplierLoad.
	MaxLoad time.Duration
}

// MaxProofN bounds a task's order, and so an answer's size (64 MiB).
const MaxProofN = 4096

// DefaultProofN is a task's order when ProofConfig.N is zero.
const DefaultProofN = 256

// MaxProofSteps bounds a task's chain of products.
const MaxProofSteps = 1 << 16

// MaxSupplierLoad is the default of ProofConfig.MaxLoad: io.net's
// documentation runs the proof of work hourly, with up to 15 minutes of
// load, a quarter of the hour a GPU is lent. Allowed refuses a task that
// alone needs more than MaxLoad; Verifier.ProofTask refuses one that
// would take the GPU's hour past it.
const MaxSupplierLoad = 15 * time.Minute

func (c ProofConfig) withDefaults() ProofConfig {
	if c.N <= 0 {
		c.N = DefaultProofN
	}
	c.N = min(c.N, MaxProofN)
	if c.Steps <= 0 {
		c.Steps = 1
	}
	c.Steps = min(c.Steps, MaxProofSteps)
	if c.EfficiencyPercent <= 0 {
		c.EfficiencyPercent = 5
	}
	if c.Slack <= 0 {
		c.Slack = 30 * time.Second
	}
	if c.Rounds <= 0 {
		c.Rounds = 2
	}
	if c.MaxLoad <= 0 {
		c.MaxLoad = MaxSupplierLoad
	}
	return c
}

// Allowed returns how long a GPU of model m may take for a task of order
// n and c.Steps products: the work at the configured share of m's FP32
// peak, plus the slack. A model without a published FP32 figure, or work
// that would take longer than c.MaxLoad, is ErrInvalid.
func (c ProofConfig) Allowed(m iog.GPUModel, n int) (time.Duration, error) {
	c = c.withDefaults()
	if m.FP32GFLOPS == 0 {
		return 0, fmt.Errorf("proof of compute: %s has no FP32 figure to time it by: %w", m.Name, iog.ErrInvalid)
	}
	if n <= 0 || n > MaxProofN {
		return 0, fmt.Errorf("proof of compute: order %d, want 1 to %d: %w", n, MaxProofN, iog.ErrInvalid)
	}
	// Operations / GFLOPS is nanoseconds; the share divides the peak. Per
	// step at most 2·4096³·100 ≈ 2^43.6. Comparing the step with the load
	// divided by the steps keeps the product from overflowing, and bounds
	// it by MaxLoad.
	step := 2 * uint64(n) * uint64(n) * uint64(n) * 100 / (uint64(m.FP32GFLOPS) * uint64(c.EfficiencyPercent))
	if step > uint64(c.MaxLoad)/uint64(c.Steps) {
		return 0, fmt.Errorf("proof of compute: %d steps of order %d would load a %s for more than %s an hour: %w", c.Steps, n, m.Name, c.MaxLoad, iog.ErrInvalid)
	}
	return time.Duration(step*uint64(c.Steps)) + c.Slack, nil
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
	if n <= 0 || n > MaxProofN || t.Steps <= 0 || t.Steps > MaxProofSteps {
		return ProofAnswer{}, fmt.Errorf("solve proof: order %d and %d steps, want 1 to %d and 1 to %d: %w", n, t.Steps, MaxProofN, MaxProofSteps, iog.ErrInvalid)
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
	for range t.Steps {
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
		a, c = c, a
	}
	return ProofAnswer{ID: t.ID, Product: a}, nil
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

// checkProduct runs Freivalds' check of c = a·b^steps with rounds random
// vectors drawn from rng.
func checkProduct(a, b, c []uint32, n, steps, rounds int, rng *rand.Rand) bool {
	r := make([]uint32, n)
	v := make([]uint32, n)
	next := make([]uint32, n)
	for range rounds {
		for i := range r {
			r[i] = uint32(rng.Uint64N(proofModulus))
		}
		copy(v, r)
		for range steps {
			for i := range n {
				next[i] = dotMod(b[i*n:(i+1)*n], v)
			}
			v, next = next, v
		}
		for i := range n {
			if dotMod(a[i*n:(i+1)*n], v) != dotMod(c[i*n:(i+1)*n], r) {
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
	case task.N <= 0 || task.N > MaxProofN || task.Steps <= 0 || task.Steps > MaxProofSteps:
		return fail(fmt.Errorf("task of order %d and %d steps is malformed: %w", task.N, task.Steps, iog.ErrInvalid))
	case len(answer.Product) != task.N*task.N:
		return fail(fmt.Errorf("answer has %d entries, want %d: %w", len(answer.Product), task.N*task.N, iog.ErrInvalid))
	}
	for _, v := range answer.Product {
		if v >= proofModulus {
			return fail(fmt.Errorf("answer holds %d, not a residue modulo 2^31-1: %w", v, iog.ErrInvalid))
		}
	}
	a, b := proofMatrices(task.ID, task.N)
	if !checkProduct(a, b, answer.Product, task.N, task.Steps, max(rounds, 1), rng) {
		return fail(fmt.Errorf("the product is wrong: %w", iog.ErrInvalid))
	}
	return nil
}

// proofAnswerMagic opens an encoded ProofAnswer.
const proofAnswerMagic = "\xffiog proof answer"

// proofAnswerVersion is the version of the answer encoding.
const proofAnswerVersion = 1

// MarshalBinary encodes the answer for the wire: the magic, the version,
// the task ID, the entry count and the entries, integers big-endian, 4
// bytes an entry.
func (a ProofAnswer) MarshalBinary() ([]byte, error) {
	if len(a.Product) > MaxProofN*MaxProofN {
		return nil, fmt.Errorf("encode proof answer: %d entries, more than %d: %w", len(a.Product), MaxProofN*MaxProofN, iog.ErrInvalid)
	}
	w := writer{b: make([]byte, 0, len(proofAnswerMagic)+1+len(a.ID)+4+4*len(a.Product))}
	w.raw([]byte(proofAnswerMagic))
	w.u8(proofAnswerVersion)
	w.raw(a.ID[:])
	w.u32(uint32(len(a.Product)))
	for _, v := range a.Product {
		w.u32(v)
	}
	return w.b, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote. Another magic or
// version, a count over MaxProofN² or that does not match the length, or
// trailing bytes are ErrInvalid, and leave a unchanged. Whether the
// entries are right is VerifyProof's question.
func (a *ProofAnswer) UnmarshalBinary(b []byte) error {
	rd := reader{b: b}
	if string(rd.take(len(proofAnswerMagic))) != proofAnswerMagic {
		return fmt.Errorf("decode proof answer: not a proof answer (wrong magic bytes): %w", iog.ErrInvalid)
	}
	if v := rd.u8(); v != proofAnswerVersion {
		return fmt.Errorf("decode proof answer: version %d, this build reads version %d: %w", v, proofAnswerVersion, iog.ErrInvalid)
	}
	var out ProofAnswer
	copy(out.ID[:], rd.take(len(out.ID)))
	n := rd.u32()
	if rd.err != nil {
		return fmt.Errorf("decode proof answer: %w: %w", rd.err, iog.ErrInvalid)
	}
	if n > MaxProofN*MaxProofN || uint64(len(rd.b)) != 4*uint64(n) {
		return fmt.Errorf("decode proof answer: %d entries in %d bytes: %w", n, len(rd.b), iog.ErrInvalid)
	}
	out.Product = make([]uint32, n)
	for i := range out.Product {
		out.Product[i] = rd.u32()
	}
	*a = out
	return nil
}
