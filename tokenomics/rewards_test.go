package tokenomics_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics"
)

func rate(t testing.TB, s string) iog.Rate {
	r, err := iog.ParseRate(s)
	require.NoError(t, err)
	return r
}

// candidate returns an eligible GPU device with multiplier m and n GPUs,
// staked at its requirement and up the whole epoch.
func candidate(t testing.TB, dev string, m string, n int) tokenomics.RewardCandidate {
	mult := rate(t, m)
	stake, err := iog.MustParseAmount("200 IO").MulRate(mult, iog.RoundUp)
	require.NoError(t, err)
	if stake.Units() < 200e8 {
		stake = io("200")
	}
	stake, err = stake.Mul(int64(n))
	require.NoError(t, err)
	return tokenomics.RewardCandidate{
		Device: iog.DeviceID(dev), Pool: tokenomics.GPUPool, Multiplier: mult, Units: n,
		Stake: stake, MinStake: stake, PassedProofOfCompute: true,
		Uptime: iog.Uptime{Continuous: 24 * time.Hour, Fraction: rate(t, "1")},
	}
}

func TestDistributeWeights(t *testing.T) {
	h100 := candidate(t, "h100", "10", 8) // weight 80
	half := candidate(t, "half", "10", 8) // up half the epoch: 40
	rtx := candidate(t, "rtx", "0.25", 4) // 1
	cpu := candidate(t, "cpu", "1", 1)    // the whole CPU pool
	half.Uptime.Fraction = rate(t, "1/2")
	cpu.Pool = tokenomics.CPUPool
	d, err := tokenomics.Distribute(1, io("4566.21004566"), []tokenomics.RewardCandidate{h100, half, rtx, cpu}, tokenomics.RewardConfig{})
	require.NoError(t, err)
	require.Equal(t, "4337.89954337 IO", d.Pools[tokenomics.GPUPool].String(), "95%, rounded down")
	require.Equal(t, "228.31050229 IO", d.Pools[tokenomics.CPUPool].String())
	got := map[iog.DeviceID]string{}
	for _, p := range d.Payouts {
		got[p.Device] = p.Amount.String()
	}
	// The GPU pool's 4337.89954337 IO over weights 80 + 40 + 1: 121 parts
	// of 35.850409449… IO each.
	require.Equal(t, map[iog.DeviceID]string{
		"h100": "2868.03275595 IO", "half": "1434.01637797 IO", "rtx": "35.85040945 IO", "cpu": "228.31050229 IO",
	}, normalize(got))
	require.True(t, d.Unpaid.IsZero())
	requireConserved(t, d)
}

// normalize rewrites amounts as ParseAmount reads them, so the table above
// can show trailing zeros.
func normalize(m map[iog.DeviceID]string) map[iog.DeviceID]string {
	out := map[iog.DeviceID]string{}
	for k, v := range m {
		out[k] = iog.MustParseAmount(v).String()
	}
	return out
}

func requireConserved(t *testing.T, d tokenomics.Distribution) {
	t.Helper()
	sum := d.Unpaid
	for _, p := range d.Payouts {
		require.GreaterOrEqual(t, p.Amount.Sign(), 0)
		var err error
		sum, err = sum.Add(p.Amount)
		require.NoError(t, err)
	}
	require.Equal(t, d.Emission, sum, "payouts + unpaid = emission")
}

func TestDistributeEligibility(t *testing.T) {
	base := candidate(t, "ok", "1", 1)
	tests := []struct {
		name   string
		change func(*tokenomics.RewardCandidate)
		reason string
	}{
		{"proof of compute", func(c *tokenomics.RewardCandidate) { c.PassedProofOfCompute = false }, "failed the proof-of-compute check"},
		{"uptime", func(c *tokenomics.RewardCandidate) { c.Uptime.Continuous = 5*time.Hour - time.Minute }, "up 4h59m0s without a break, less than 5h0m0s"},
		{"stake", func(c *tokenomics.RewardCandidate) { c.Stake = io("199.99999999") }, "stake 199.99999999 IO below the minimum 200 IO"},
		{"multiplier", func(c *tokenomics.RewardCandidate) { c.Multiplier = iog.Rate{} }, "earning multiplier is 0"},
		{"no uptime", func(c *tokenomics.RewardCandidate) { c.Uptime.Fraction = iog.Rate{} }, "no uptime this epoch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base
			c.Device = "bad"
			tt.change(&c)
			d, err := tokenomics.Distribute(7, io("100"), []tokenomics.RewardCandidate{base, c}, tokenomics.RewardConfig{})
			require.NoError(t, err)
			require.Equal(t, []tokenomics.Ineligible{{Device: "bad", Reason: tt.reason}}, d.Ineligible)
			require.Len(t, d.Payouts, 1)
			require.Equal(t, io("95"), d.Payouts[0].Amount)
			require.Equal(t, io("5"), d.Unpaid, "no CPU device: the CPU pool is recorded unpaid")
			requireConserved(t, d)
		})
	}
	// Exactly five hours is enough.
	c := base
	c.Uptime.Continuous = 5 * time.Hour
	d, err := tokenomics.Distribute(7, io("100"), []tokenomics.RewardCandidate{c}, tokenomics.RewardConfig{})
	require.NoError(t, err)
	require.Len(t, d.Payouts, 1)
}

func TestDistributeStakeCap(t *testing.T) {
	a := candidate(t, "a", "10", 1) // 2000 IO staked, weight 10
	b := candidate(t, "b", "10", 1)
	b.MinStake = io("200")
	b.Stake = io("1000") // covers only 5 multiplier-units
	d, err := tokenomics.Distribute(1, io("150"), []tokenomics.RewardCandidate{a, b}, tokenomics.RewardConfig{GPUPoolShare: rate(t, "1")})
	require.NoError(t, err)
	require.Equal(t, io("100"), d.Payouts[0].Amount)
	require.Equal(t, io("50"), d.Payouts[1].Amount)
	require.Equal(t, uint64(5*1e9), d.Payouts[1].Weight)
}

func TestDistributeNoEligibleDevice(t *testing.T) {
	d, err := tokenomics.Distribute(3, io("4566.21004566"), nil, tokenomics.RewardConfig{})
	require.NoError(t, err)
	require.Empty(t, d.Payouts)
	require.Equal(t, io("4566.21004566"), d.Unpaid)
}

func TestDistributeRejectsBadInput(t *testing.T) {
	ok := candidate(t, "ok", "1", 1)
	tests := []struct {
		name   string
		change func(*tokenomics.RewardCandidate)
	}{
		{"no pool", func(c *tokenomics.RewardCandidate) { c.Pool = 0 }},
		{"no units", func(c *tokenomics.RewardCandidate) { c.Units = 0 }},
		{"uptime above 1", func(c *tokenomics.RewardCandidate) { c.Uptime.Fraction = rate(t, "3/2") }},
		{"negative stake", func(c *tokenomics.RewardCandidate) { c.Stake = io("-1") }},
		{"stake in USDC", func(c *tokenomics.RewardCandidate) { c.Stake = iog.MustParseAmount("1 USDC") }},
		{"duplicate", func(c *tokenomics.RewardCandidate) { c.Device = "ok" }},
	}
	for _, tt := range tests {
		c := ok
		c.Device = "other"
		tt.change(&c)
		_, err := tokenomics.Distribute(1, io("1"), []tokenomics.RewardCandidate{ok, c}, tokenomics.RewardConfig{})
		require.ErrorIs(t, err, iog.ErrInvalid, tt.name)
	}
	_, err := tokenomics.Distribute(1, io("-1"), nil, tokenomics.RewardConfig{})
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = tokenomics.Distribute(1, io("1"), nil, tokenomics.RewardConfig{GPUPoolShare: rate(t, "1.5")})
	require.ErrorIs(t, err, iog.ErrInvalid)
}

// TestDistributeConservation: random candidate sets, every distribution
// adds up to its emission to the base unit.
func TestDistributeConservation(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 1))
	models := []string{"10", "0.25", "1.5", "6", "0"}
	for i := range 200 {
		n := rng.IntN(60)
		cands := make([]tokenomics.RewardCandidate, n)
		for j := range cands {
			c := candidate(t, fmt.Sprintf("d%d", j), models[rng.IntN(len(models))], 1+rng.IntN(8))
			if rng.IntN(4) == 0 {
				c.Pool = tokenomics.CPUPool
			}
			c.PassedProofOfCompute = rng.IntN(10) > 0
			c.Uptime.Continuous = time.Duration(rng.IntN(10)) * time.Hour
			c.Uptime.Fraction = iog.BasisPoints(uint64(rng.IntN(10_001)))
			c.Stake = iog.NewAmount(rng.Int64N(2*c.Stake.Units()+1), iog.IO)
			cands[j] = c
		}
		emission := iog.NewAmount(rng.Int64N(1e13), iog.IO)
		d, err := tokenomics.Distribute(uint64(i), emission, cands, tokenomics.RewardConfig{})
		require.NoError(t, err)
		requireConserved(t, d)
		require.Equal(t, n, len(d.Payouts)+len(d.Ineligible))
	}
}

// BenchmarkDistribute100k splits one epoch's emission among 100,000
// eligible devices of mixed models.
func BenchmarkDistribute100k(b *testing.B) {
	models := []string{"10", "0.25", "1.5", "6", "2"}
	cands := make([]tokenomics.RewardCandidate, 100_000)
	for i := range cands {
		cands[i] = candidate(b, fmt.Sprintf("device-%06d", i), models[i%len(models)], 1+i%8)
		cands[i].Uptime.Fraction = iog.BasisPoints(uint64(5_000 + i%5_001))
		if i%20 == 0 {
			cands[i].Pool = tokenomics.CPUPool
		}
	}
	emission := tokenomics.IONet().Emission(1)
	for b.Loop() {
		if _, err := tokenomics.Distribute(1, emission, cands, tokenomics.RewardConfig{}); err != nil {
			b.Fatal(err)
		}
	}
}
