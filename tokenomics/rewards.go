package tokenomics

import (
	"fmt"
	"math/bits"
	"time"

	"github.com/internetofgpus/iog"
)

// Pool is the reward pool a device earns from.
type Pool uint8

// The reward pools.
const (
	// GPUPool pays devices that lend GPUs.
	GPUPool Pool = iota + 1
	// CPUPool pays devices that lend CPUs only.
	CPUPool
)

// String returns "GPU" or "CPU".
func (p Pool) String() string {
	switch p {
	case GPUPool:
		return "GPU"
	case CPUPool:
		return "CPU"
	}
	return fmt.Sprintf("Pool(%d)", uint8(p))
}

// RewardCandidate is a device's claim on one epoch's block reward: what
// eligibility and weight are computed from.
type RewardCandidate struct {
	Device iog.DeviceID
	Pool   Pool
	// Multiplier is the earning multiplier of the device's GPU model (see
	// Multipliers), or the CPU pool's own for a CPU device.
	Multiplier iog.Rate
	// Units is the number of GPUs, or 1 for a CPU device.
	Units int
	// Stake is the device's active stake, and MinStake what it must reach.
	Stake, MinStake iog.Amount
	// PassedProofOfCompute reports that the device answered the epoch's
	// proof-of-compute challenge.
	PassedProofOfCompute bool
	// Uptime is how long the device has been up without a break at the
	// epoch's end, and the part of the epoch it was up: the device's
	// iog.Health read at the epoch's end (Health.Uptime), before the next
	// window starts.
	Uptime iog.Uptime
}

// RewardConfig configures Distribute. The zero value is io.net's rules.
type RewardConfig struct {
	// GPUPoolShare is the GPU pool's part of each epoch's emission; the CPU
	// pool gets the rest. Zero means 95%; 1 gives the GPUs everything.
	GPUPoolShare iog.Rate
	// MinUptime is the continuous uptime a device needs to earn. Zero
	// means 5 hours.
	MinUptime time.Duration
	// StakePerUnit caps a device's earning multiplier by its stake: a
	// device earns on at most Stake / StakePerUnit multiplier-units, so
	// earning more takes more stake. Zero means StakePerGPU (200 IO), which
	// a device meeting RequiredStake always satisfies.
	StakePerUnit iog.Amount
}

// The defaults of a zero RewardConfig.
var (
	DefaultGPUPoolShare = iog.BasisPoints(9_500)
	DefaultMinUptime    = 5 * time.Hour
)

// Payout is what one device earns in an epoch.
type Payout struct {
	Device iog.DeviceID
	Pool   Pool
	Amount iog.Amount
	// Weight is the device's weight in its pool, in billionths of a
	// multiplier-unit.
	Weight uint64
}

// Ineligible is a device that earns nothing this epoch, and why.
type Ineligible struct {
	Device iog.DeviceID
	Reason string
}

// Distribution is one epoch's block reward, split.
type Distribution struct {
	Epoch    uint64
	Emission iog.Amount
	// Pools is what each pool received: Pools[GPUPool], Pools[CPUPool].
	Pools map[Pool]iog.Amount
	// Payouts lists the eligible devices in input order.
	Payouts    []Payout
	Ineligible []Ineligible
	// Unpaid is the part of the emission no device could earn: the pools
	// that had no eligible device. The sum of the payouts plus Unpaid is
	// exactly the emission.
	Unpaid iog.Amount
}

// weightScale: weights are computed in billionths of a multiplier-unit.
const weightScale = 1_000_000_000

// Distribute splits an epoch's emission among the candidate devices.
//
// The emission is first divided into the GPU and CPU pools (the GPU
// pool's share rounded down, the CPU pool takes the rest). A device is
// eligible when it passed the epoch's proof-of-compute check, has been up
// at least MinUptime without a break, has at least its minimum stake, and
// has a positive multiplier and uptime. Its weight is its stake-capped
// earning multiplier × its uptime fraction:
//
//	min(Multiplier × Units, Stake / StakePerUnit) × Uptime.Fraction
//
// computed to a billionth (truncated). Each pool is split among its
// eligible devices by weight with iog.Amount.Split, so the payouts add up
// to the pool to the base unit; a pool with no eligible device is Unpaid.
//
// Bad input (a negative or non-IO amount, an uptime fraction above 1, a
// device listed twice, an unknown pool) is ErrInvalid; weights too large
// to add up are ErrOverflow.
func Distribute(epoch uint64, emission iog.Amount, candidates []RewardCandidate, cfg RewardConfig) (Distribution, error) {
	what := fmt.Sprintf("distribute epoch %d", epoch)
	if err := checkIO(what+": emission", emission, true); err != nil {
		return Distribution{}, err
	}
	cfg, err := cfg.withDefaults(what)
	if err != nil {
		return Distribution{}, err
	}
	gpuPool, err := emission.MulRate(cfg.GPUPoolShare, iog.RoundDown)
	if err != nil {
		return Distribution{}, fmt.Errorf("%s: %w", what, err)
	}
	pools := map[Pool]iog.Amount{GPUPool: gpuPool, CPUPool: iog.NewAmount(emission.Units()-gpuPool.Units(), iog.IO)}

	d := Distribution{Epoch: epoch, Emission: emission, Pools: pools, Unpaid: iog.Zero(iog.IO)}
	seen := make(map[iog.DeviceID]struct{}, len(candidates))
	pool := make([]Pool, len(candidates)) // the pool of each eligible candidate, 0 for the others
	var weights [3][]uint64
	for i := range candidates {
		c := &candidates[i]
		if _, dup := seen[c.Device]; dup {
			return Distribution{}, fmt.Errorf("%s: device %s listed twice: %w", what, c.Device, iog.ErrInvalid)
		}
		seen[c.Device] = struct{}{}
		w, reason, err := c.weight(cfg)
		if err != nil {
			return Distribution{}, fmt.Errorf("%s: device %s: %w", what, c.Device, err)
		}
		if reason != "" {
			d.Ineligible = append(d.Ineligible, Ineligible{Device: c.Device, Reason: reason})
			continue
		}
		if weights[c.Pool] == nil {
			weights[c.Pool] = make([]uint64, 0, len(candidates)-i)
		}
		pool[i] = c.Pool
		weights[c.Pool] = append(weights[c.Pool], w)
	}
	var shares [3][]iog.Amount
	for _, p := range []Pool{GPUPool, CPUPool} {
		if len(weights[p]) == 0 {
			d.Unpaid = iog.NewAmount(d.Unpaid.Units()+pools[p].Units(), iog.IO)
			continue
		}
		if shares[p], err = pools[p].Split(weights[p]); err != nil {
			return Distribution{}, fmt.Errorf("%s: %v pool: %w", what, p, err)
		}
	}
	d.Payouts = make([]Payout, 0, len(weights[GPUPool])+len(weights[CPUPool]))
	var next [3]int
	for i, p := range pool {
		if p == 0 {
			continue
		}
		j := next[p]
		next[p]++
		d.Payouts = append(d.Payouts, Payout{Device: candidates[i].Device, Pool: p, Amount: shares[p][j], Weight: weights[p][j]})
	}
	return d, nil
}

func (cfg RewardConfig) withDefaults(what string) (RewardConfig, error) {
	if cfg.GPUPoolShare.IsZero() {
		cfg.GPUPoolShare = DefaultGPUPoolShare
	}
	if cfg.GPUPoolShare.Num() > cfg.GPUPoolShare.Den() {
		return cfg, fmt.Errorf("%s: GPU pool share %v is above 1: %w", what, cfg.GPUPoolShare, iog.ErrInvalid)
	}
	if cfg.MinUptime <= 0 {
		cfg.MinUptime = DefaultMinUptime
	}
	if cfg.StakePerUnit.Currency() == 0 {
		cfg.StakePerUnit = StakePerGPU
	}
	if err := checkIO(what+": stake per unit", cfg.StakePerUnit, false); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// weight returns the candidate's weight in billionths, or the reason it is
// not eligible, or an error for input that makes no sense.
func (c *RewardCandidate) weight(cfg RewardConfig) (uint64, string, error) {
	switch {
	case c.Pool != GPUPool && c.Pool != CPUPool:
		return 0, "", fmt.Errorf("%v is not a reward pool: %w", c.Pool, iog.ErrInvalid)
	case c.Units < 1:
		return 0, "", fmt.Errorf("%d units: a device has at least one: %w", c.Units, iog.ErrInvalid)
	case c.Uptime.Fraction.Num() > c.Uptime.Fraction.Den():
		return 0, "", fmt.Errorf("uptime fraction %v is above 1: %w", c.Uptime.Fraction, iog.ErrInvalid)
	}
	if err := checkIO("stake", c.Stake, true); err != nil {
		return 0, "", err
	}
	if err := checkIO("minimum stake", c.MinStake, true); err != nil {
		return 0, "", err
	}
	switch {
	case !c.PassedProofOfCompute:
		return 0, "failed the proof-of-compute check", nil
	case c.Uptime.Continuous < cfg.MinUptime:
		return 0, fmt.Sprintf("up %v without a break, less than %v", c.Uptime.Continuous, cfg.MinUptime), nil
	case c.Stake.Units() < c.MinStake.Units():
		return 0, fmt.Sprintf("stake %v below the minimum %v", c.Stake, c.MinStake), nil
	case c.Multiplier.IsZero():
		return 0, "earning multiplier is 0", nil
	case c.Uptime.Fraction.IsZero():
		return 0, "no uptime this epoch", nil
	}
	// earning = min(Multiplier × Units, Stake / StakePerUnit), as num/den.
	num, den := c.Multiplier.Num(), c.Multiplier.Den()
	hi, num := bits.Mul64(num, uint64(c.Units))
	if hi != 0 {
		return 0, "", fmt.Errorf("multiplier %v × %d units: %w", c.Multiplier, c.Units, iog.ErrOverflow)
	}
	sNum, sDen := uint64(c.Stake.Units()), uint64(cfg.StakePerUnit.Units())
	lh, ll := bits.Mul64(sNum, den)
	rh, rl := bits.Mul64(num, sDen)
	if lh < rh || lh == rh && ll < rl { // the stake caps the multiplier
		num, den = sNum, sDen
	}
	w, ok := mulDiv(num, weightScale, den)
	if ok {
		w, ok = mulDiv(w, c.Uptime.Fraction.Num(), c.Uptime.Fraction.Den())
	}
	if !ok {
		return 0, "", fmt.Errorf("weight of multiplier %v × %d units: %w", c.Multiplier, c.Units, iog.ErrOverflow)
	}
	if w == 0 {
		return 0, "weight rounds to 0", nil
	}
	return w, "", nil
}

// mulDiv returns floor(x × num / den), and false when it does not fit.
func mulDiv(x, num, den uint64) (uint64, bool) {
	hi, lo := bits.Mul64(x, num)
	if hi >= den {
		return 0, false
	}
	q, _ := bits.Div64(hi, lo, den)
	return q, true
}
