package tokenomics

import (
	"fmt"
	"math/bits"

	"github.com/internetofgpus/iog"
)

// Pool is the reward pool a device earns from.
type Pool uint8

// The reward pools, io.net's documentation's two.
const (
	// EnterprisePool pays devices of enterprise GPUs (datacenter and
	// workstation cards, iog.GPUClass.Enterprise).
	EnterprisePool Pool = iota + 1
	// CommunityPool pays devices of consumer GPUs, and CPU devices.
	CommunityPool
)

var poolNames = [...]string{EnterprisePool: "Enterprise", CommunityPool: "Community"}

// String returns "Enterprise" or "Community".
func (p Pool) String() string {
	if p == EnterprisePool || p == CommunityPool {
		return poolNames[p]
	}
	return fmt.Sprintf("Pool(%d)", uint8(p))
}

// ParsePool parses a pool's name as String writes it. Anything else is
// ErrInvalid.
func ParsePool(s string) (Pool, error) {
	for _, p := range []Pool{EnterprisePool, CommunityPool} {
		if s == poolNames[p] {
			return p, nil
		}
	}
	return 0, fmt.Errorf("reward pool %q: want Enterprise or Community: %w", s, iog.ErrInvalid)
}

// PoolOf returns the pool a device earns from: the Enterprise pool for
// a GPU device of an enterprise class, the Community pool for a consumer
// GPU, a GPU of no known class, and a CPU device.
func PoolOf(p Processor, class iog.GPUClass) Pool {
	if p == GPUProcessor && class.Enterprise() {
		return EnterprisePool
	}
	return CommunityPool
}

// Processor is what a device lends, which its score is normalised with.
type Processor uint8

// The processors.
const (
	// GPUProcessor is a device that lends GPUs.
	GPUProcessor Processor = iota + 1
	// CPUProcessor is a device that lends CPUs only.
	CPUProcessor
)

// String returns "GPU" or "CPU".
func (p Processor) String() string {
	switch p {
	case GPUProcessor:
		return "GPU"
	case CPUProcessor:
		return "CPU"
	}
	return fmt.Sprintf("Processor(%d)", uint8(p))
}

// RewardCandidate is a device's claim on one epoch's block reward: what
// nomination and weight are computed from.
type RewardCandidate struct {
	Device iog.DeviceID
	// Processor says whether the device lends GPUs or CPUs only, and
	// Class is a GPU device's class: together they pick its pool
	// (PoolOf).
	Processor Processor
	Class     iog.GPUClass
	// Units is the number of GPUs, or 1 for a CPU device.
	Units int
	// NominationCandidate is what Nominate judges, and the multiplier,
	// stake and uptime the weight is computed from.
	NominationCandidate
}

// RewardConfig configures Distribute. The zero value is io.net's
// documentation's rules.
type RewardConfig struct {
	// EnterpriseShare is the Enterprise pool's part of each epoch's
	// emission; the Community pool gets the rest. Zero means 95%, io.net's
	// documentation's figure; 1 gives the Enterprise pool everything.
	EnterpriseShare iog.Rate
	// GPUPoints and CPUPoints are the totals the scores of all nominated
	// GPU devices, and of all nominated CPU devices, are normalised to.
	// Zero means 8,000,000 and 2,000,000, io.net's documentation's
	// figures.
	GPUPoints, CPUPoints uint64
	// Nomination is the rules a device must meet to earn (Nominate).
	Nomination NominationRules
	// StakePerUnit caps a device's earning multiplier by its stake: a
	// device earns on at most Stake / StakePerUnit multiplier-units. Zero
	// means StakePerGPU (200 IO), which a device meeting RequiredStake
	// always satisfies: stake above the minimum earns nothing more, as
	// io.net's documentation says.
	StakePerUnit iog.Amount
}

// DefaultEnterpriseShare is the Enterprise pool's part of an epoch's
// emission: 95%, io.net's documentation's figure.
var DefaultEnterpriseShare = iog.BasisPoints(9_500)

// The default score totals, io.net's documentation's figures.
const (
	DefaultGPUPoints = 8_000_000
	DefaultCPUPoints = 2_000_000
)

// Payout is what one device earns in an epoch.
type Payout struct {
	Device iog.DeviceID
	Pool   Pool
	Amount iog.Amount
	// Weight is the device's raw weight, in billionths of a
	// multiplier-unit, and Score its normalised score, in billionths of
	// a point.
	Weight, Score uint64
}

// Ineligible is a device that earns nothing this epoch, and why: the
// rules of nomination it misses, or why its nomination weighs nothing.
type Ineligible struct {
	Device  iog.DeviceID
	Reasons []string
}

// Distribution is one epoch's block reward, split.
type Distribution struct {
	Epoch    uint64
	Emission iog.Amount
	// Pools is what each pool received: Pools[EnterprisePool],
	// Pools[CommunityPool].
	Pools map[Pool]iog.Amount
	// Payouts lists the eligible devices in input order.
	Payouts    []Payout
	Ineligible []Ineligible
	// Unpaid is the part of the emission no device could earn: the pools
	// that had no eligible device. The sum of the payouts plus Unpaid is
	// exactly the emission.
	Unpaid iog.Amount
}

// weightScale: weights are computed in billionths of a multiplier-unit,
// and scores in billionths of a point.
const weightScale = 1_000_000_000

// Distribute splits an epoch's emission among the candidate devices.
//
// A candidate earns when Nominate nominates it under cfg.Nomination.
// Its raw weight is its stake-capped earning multiplier × its uptime
// fraction,
//
//	w = min(Multiplier × Units, Stake / StakePerUnit) × Uptime.Fraction
//
// computed to a billionth (truncated).
//
// io.net's documentation states two rules, and they combine thus. The
// scores are normalised per processor: a GPU device's score is
// GPUPoints × w / (the sum of w over every nominated GPU device,
// enterprise and consumer alike), a CPU device's CPUPoints × w / (the
// sum over every nominated CPU device), so that all GPUs' scores add up
// to 8,000,000 points and all CPUs' to 2,000,000. The emission is then
// divided into the Enterprise pool (EnterpriseShare, 95%, rounded down)
// and the Community pool (the rest), and each pool is split among its
// devices (PoolOf) in proportion to their scores. In the Enterprise pool,
// all GPUs, the normalisation scales every score alike and changes no
// share; in the Community pool it sets the consumer GPUs' and the CPUs'
// parts: together the consumer GPUs weigh 8,000,000 × their part of all
// GPU weight against the CPUs' 2,000,000.
//
// The pools are split with iog.Amount.Split, so the payouts add up to
// each pool to the base unit; a pool with no eligible device is Unpaid.
//
// Bad input (a negative or non-IO amount, an uptime fraction above 1, a
// device listed twice, an unknown processor) is ErrInvalid; weights too
// large to add up are ErrOverflow.
func Distribute(epoch uint64, emission iog.Amount, candidates []RewardCandidate, cfg RewardConfig) (Distribution, error) {
	what := fmt.Sprintf("distribute epoch %d", epoch)
	if err := checkIO(what+": emission", emission, true); err != nil {
		return Distribution{}, err
	}
	cfg, err := cfg.withDefaults(what)
	if err != nil {
		return Distribution{}, err
	}
	enterprise, err := emission.MulRate(cfg.EnterpriseShare, iog.RoundDown)
	if err != nil {
		return Distribution{}, fmt.Errorf("%s: %w", what, err)
	}
	pools := map[Pool]iog.Amount{EnterprisePool: enterprise, CommunityPool: iog.NewAmount(emission.Units()-enterprise.Units(), iog.IO)}

	d := Distribution{Epoch: epoch, Emission: emission, Pools: pools, Unpaid: iog.Zero(iog.IO)}
	seen := make(map[iog.DeviceID]struct{}, len(candidates))
	weights := make([]uint64, len(candidates)) // 0 for the candidates that earn nothing
	var totals [3]uint64                       // the sum of the weights by processor
	for i := range candidates {
		c := &candidates[i]
		if _, dup := seen[c.Device]; dup {
			return Distribution{}, fmt.Errorf("%s: device %s listed twice: %w", what, c.Device, iog.ErrInvalid)
		}
		seen[c.Device] = struct{}{}
		w, reasons, err := c.weight(cfg)
		if err != nil {
			return Distribution{}, fmt.Errorf("%s: device %s: %w", what, c.Device, err)
		}
		if len(reasons) > 0 {
			d.Ineligible = append(d.Ineligible, Ineligible{Device: c.Device, Reasons: reasons})
			continue
		}
		var carry uint64
		if totals[c.Processor], carry = bits.Add64(totals[c.Processor], w, 0); carry != 0 {
			return Distribution{}, fmt.Errorf("%s: the %v weights sum past 2^64-1: %w", what, c.Processor, iog.ErrOverflow)
		}
		weights[i] = w
	}
	points := [3]uint64{GPUProcessor: cfg.GPUPoints * weightScale, CPUProcessor: cfg.CPUPoints * weightScale}
	var scores [3][]uint64 // by pool, in input order
	var earners [3][]int   // the candidates of each pool's scores
	for i, w := range weights {
		if w == 0 {
			continue
		}
		c := &candidates[i]
		score, _ := mulDiv(w, points[c.Processor], totals[c.Processor]) // w <= total: it fits
		if score == 0 {
			d.Ineligible = append(d.Ineligible, Ineligible{Device: c.Device, Reasons: []string{"score rounds to 0"}})
			weights[i] = 0
			continue
		}
		p := PoolOf(c.Processor, c.Class)
		scores[p] = append(scores[p], score)
		earners[p] = append(earners[p], i)
	}
	var shares [3][]iog.Amount
	for _, p := range []Pool{EnterprisePool, CommunityPool} {
		if len(scores[p]) == 0 {
			d.Unpaid = iog.NewAmount(d.Unpaid.Units()+pools[p].Units(), iog.IO)
			continue
		}
		if shares[p], err = pools[p].Split(scores[p]); err != nil {
			return Distribution{}, fmt.Errorf("%s: %v pool: %w", what, p, err)
		}
	}
	d.Payouts = make([]Payout, 0, len(scores[EnterprisePool])+len(scores[CommunityPool]))
	var next [3]int
	for i, w := range weights {
		if w == 0 {
			continue
		}
		p := PoolOf(candidates[i].Processor, candidates[i].Class)
		j := next[p]
		next[p]++
		d.Payouts = append(d.Payouts, Payout{Device: candidates[i].Device, Pool: p, Amount: shares[p][j], Weight: w, Score: scores[p][j]})
	}
	return d, nil
}

// maxPoints bounds the configured score totals, so that a total in
// billionths of a point, and the two added, fit in 64 bits.
const maxPoints = 1_000_000_000

func (cfg RewardConfig) withDefaults(what string) (RewardConfig, error) {
	if cfg.EnterpriseShare.IsZero() {
		cfg.EnterpriseShare = DefaultEnterpriseShare
	}
	if cfg.EnterpriseShare.Num() > cfg.EnterpriseShare.Den() {
		return cfg, fmt.Errorf("%s: Enterprise pool share %v is above 1: %w", what, cfg.EnterpriseShare, iog.ErrInvalid)
	}
	if cfg.GPUPoints == 0 {
		cfg.GPUPoints = DefaultGPUPoints
	}
	if cfg.CPUPoints == 0 {
		cfg.CPUPoints = DefaultCPUPoints
	}
	if cfg.GPUPoints > maxPoints || cfg.CPUPoints > maxPoints {
		return cfg, fmt.Errorf("%s: score totals %d and %d: at most %d points each: %w", what, cfg.GPUPoints, cfg.CPUPoints, maxPoints, iog.ErrInvalid)
	}
	cfg.Nomination = cfg.Nomination.withDefaults()
	if cfg.StakePerUnit.Currency() == 0 {
		cfg.StakePerUnit = StakePerGPU
	}
	if err := checkIO(what+": stake per unit", cfg.StakePerUnit, false); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// weight returns the candidate's raw weight in billionths, or the reasons
// it earns nothing, or an error for input that makes no sense.
func (c *RewardCandidate) weight(cfg RewardConfig) (uint64, []string, error) {
	switch {
	case c.Processor != GPUProcessor && c.Processor != CPUProcessor:
		return 0, nil, fmt.Errorf("%v is not a processor: %w", c.Processor, iog.ErrInvalid)
	case c.Units < 1:
		return 0, nil, fmt.Errorf("%d units: a device has at least one: %w", c.Units, iog.ErrInvalid)
	case c.Uptime.Fraction.Num() > c.Uptime.Fraction.Den():
		return 0, nil, fmt.Errorf("uptime fraction %v is above 1: %w", c.Uptime.Fraction, iog.ErrInvalid)
	}
	if err := checkIO("stake", c.Stake, true); err != nil {
		return 0, nil, err
	}
	if err := checkIO("required stake", c.Required, true); err != nil {
		return 0, nil, err
	}
	if n := Nominate(c.NominationCandidate, cfg.Nomination); !n.Nominated {
		return 0, n.Reasons, nil
	}
	if c.Uptime.Fraction.IsZero() {
		return 0, []string{"no uptime this epoch"}, nil
	}
	// earning = min(Multiplier × Units, Stake / StakePerUnit), as num/den.
	num, den := c.Multiplier.Num(), c.Multiplier.Den()
	hi, num := bits.Mul64(num, uint64(c.Units))
	if hi != 0 {
		return 0, nil, fmt.Errorf("multiplier %v × %d units: %w", c.Multiplier, c.Units, iog.ErrOverflow)
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
		return 0, nil, fmt.Errorf("weight of multiplier %v × %d units: %w", c.Multiplier, c.Units, iog.ErrOverflow)
	}
	if w == 0 {
		return 0, []string{"weight rounds to 0"}, nil
	}
	return w, nil, nil
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
