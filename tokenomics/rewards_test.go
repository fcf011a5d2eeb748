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

// candidate returns an eligible device of an enterprise GPU with
// multiplier m and n GPUs, staked at its requirement, up the whole epoch,
// with a wallet and the Low connectivity tier.
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
		Device: iog.DeviceID(dev), Processor: tokenomics.GPUProcessor, Class: iog.DatacenterGPU, Units: n,
		NominationCandidate: tokenomics.NominationCandidate{
			Wallet: wallet(1), Tier: iog.LowBandwidth, Multiplier: mult,
			Stake: stake, Required: stake, ProofPassed: true,
			Uptime: iog.Uptime{Continuous: 24 * time.Hour, Fraction: rate(t, "1")},
		},
	}
}

// TestDistributeWeights: the Enterprise pool (95%) among the enterprise
// GPUs, the Community pool (5%) among the consumer GPUs and the CPUs by
// scores normalised to 8,000,000 points over all GPUs and 2,000,000 over
// all CPUs.
func TestDistributeWeights(t *testing.T) {
	h100 := candidate(t, "h100", "10", 8) // weight 80
	half := candidate(t, "half", "10", 8) // up half the epoch: 40
	rtx := candidate(t, "rtx", "0.25", 4) // 1, a consumer card
	cpu := candidate(t, "cpu", "1", 1)    // 1, the only CPU
	half.Uptime.Fraction = rate(t, "1/2")
	rtx.Class = iog.ConsumerGPU
	cpu.Processor, cpu.Class = tokenomics.CPUProcessor, iog.AnyGPUClass
	d, err := tokenomics.Distribute(1, io("4566.21004566"), []tokenomics.RewardCandidate{h100, half, rtx, cpu}, tokenomics.RewardConfig{})
	require.NoError(t, err)
	require.Equal(t, "4337.89954337 IO", d.Pools[tokenomics.EnterprisePool].String(), "95%, rounded down")
	require.Equal(t, "228.31050229 IO", d.Pools[tokenomics.CommunityPool].String())
	got := map[iog.DeviceID]string{}
	scores := map[iog.DeviceID]uint64{}
	pools := map[iog.DeviceID]tokenomics.Pool{}
	for _, p := range d.Payouts {
		got[p.Device], scores[p.Device], pools[p.Device] = p.Amount.String(), p.Score, p.Pool
	}
	// The GPUs weigh 80 + 40 + 1 = 121 and share 8,000,000 points; the
	// CPU has all 2,000,000 (in billionths of a point).
	require.Equal(t, map[iog.DeviceID]uint64{
		"h100": 5_289_256_198_347_107, "half": 2_644_628_099_173_553, "rtx": 66_115_702_479_338, "cpu": 2_000_000_000_000_000,
	}, scores)
	require.Equal(t, map[iog.DeviceID]tokenomics.Pool{
		"h100": tokenomics.EnterprisePool, "half": tokenomics.EnterprisePool, "rtx": tokenomics.CommunityPool, "cpu": tokenomics.CommunityPool,
	}, pools)
	// Enterprise: 2 : 1. Community: the RTX's 66,115.70 points against the
	// CPU's 2,000,000.
	require.Equal(t, map[iog.DeviceID]string{
		"h100": "2891.93302891 IO", "half": "1445.96651446 IO", "rtx": "7.30593607 IO", "cpu": "221.00456622 IO",
	}, normalize(got))
	require.True(t, d.Unpaid.IsZero())
	requireConserved(t, d)
}

// TestDistributeStakeAboveTheMinimum: stake above the minimum earns
// nothing more (io.net's documentation).
func TestDistributeStakeAboveTheMinimum(t *testing.T) {
	a := candidate(t, "a", "10", 8) // 16,000 IO, the minimum
	b := candidate(t, "b", "10", 8)
	b.Stake = io("32000")
	d, err := tokenomics.Distribute(1, io("100"), []tokenomics.RewardCandidate{a, b}, tokenomics.RewardConfig{})
	require.NoError(t, err)
	require.Equal(t, d.Payouts[0].Amount, d.Payouts[1].Amount)
	require.Equal(t, d.Payouts[0].Weight, d.Payouts[1].Weight)
}

func TestPoolOf(t *testing.T) {
	tests := []struct {
		p     tokenomics.Processor
		class iog.GPUClass
		want  tokenomics.Pool
	}{
		{tokenomics.GPUProcessor, iog.DatacenterGPU, tokenomics.EnterprisePool},
		{tokenomics.GPUProcessor, iog.WorkstationGPU, tokenomics.EnterprisePool},
		{tokenomics.GPUProcessor, iog.ConsumerGPU, tokenomics.CommunityPool},
		{tokenomics.GPUProcessor, iog.AnyGPUClass, tokenomics.CommunityPool},
		{tokenomics.CPUProcessor, iog.AnyGPUClass, tokenomics.CommunityPool},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tokenomics.PoolOf(tt.p, tt.class), "%v %v", tt.p, tt.class)
	}
	for _, p := range []tokenomics.Pool{tokenomics.EnterprisePool, tokenomics.CommunityPool} {
		got, err := tokenomics.ParsePool(p.String())
		require.NoError(t, err)
		require.Equal(t, p, got)
	}
	_, err := tokenomics.ParsePool("GPU")
	require.ErrorIs(t, err, iog.ErrInvalid)
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
		{"proof of work", func(c *tokenomics.RewardCandidate) { c.ProofPassed = false }, "no proof of work passed this epoch"},
		{"uptime", func(c *tokenomics.RewardCandidate) { c.Uptime.Continuous = 5*time.Hour - time.Minute }, "uptime 4 h 59 m of the 5 h needed"},
		{"stake", func(c *tokenomics.RewardCandidate) { c.Stake = io("199.99999999") }, "stake 199.99999999 IO of the 200 IO required"},
		{"multiplier", func(c *tokenomics.RewardCandidate) { c.Multiplier = iog.Rate{} }, "earning multiplier 0: the model earns no block reward"},
		{"wallet", func(c *tokenomics.RewardCandidate) { c.Wallet = iog.WalletAddress{} }, "no Solana wallet"},
		{"tier", func(c *tokenomics.RewardCandidate) { c.Tier = iog.UnratedBandwidth }, "connectivity below the Low tier"},
		{"no uptime", func(c *tokenomics.RewardCandidate) { c.Uptime.Fraction = iog.Rate{} }, "no uptime this epoch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base
			c.Device = "bad"
			tt.change(&c)
			d, err := tokenomics.Distribute(7, io("100"), []tokenomics.RewardCandidate{base, c}, tokenomics.RewardConfig{})
			require.NoError(t, err)
			require.Equal(t, []tokenomics.Ineligible{{Device: "bad", Reasons: []string{tt.reason}}}, d.Ineligible)
			require.Len(t, d.Payouts, 1)
			require.Equal(t, io("95"), d.Payouts[0].Amount)
			require.Equal(t, io("5"), d.Unpaid, "no community device: the Community pool is recorded unpaid")
			requireConserved(t, d)
		})
	}
	// Exactly five hours is enough.
	c := base
	c.Uptime.Continuous = 5 * time.Hour
	d, err := tokenomics.Distribute(7, io("100"), []tokenomics.RewardCandidate{c}, tokenomics.RewardConfig{})
	require.NoError(t, err)
	require.Len(t, d.Payouts, 1)
	// The rules are the configuration's.
	c.Uptime.Continuous = time.Hour
	d, err = tokenomics.Distribute(7, io("100"), []tokenomics.RewardCandidate{c}, tokenomics.RewardConfig{Nomination: tokenomics.NominationRules{MinUptime: time.Hour}})
	require.NoError(t, err)
	require.Len(t, d.Payouts, 1)
}

func TestDistributeStakeCap(t *testing.T) {
	a := candidate(t, "a", "10", 1) // 2000 IO staked, weight 10
	b := candidate(t, "b", "10", 1)
	b.Required = io("200")
	b.Stake = io("1000") // covers only 5 multiplier-units
	d, err := tokenomics.Distribute(1, io("150"), []tokenomics.RewardCandidate{a, b}, tokenomics.RewardConfig{EnterpriseShare: rate(t, "1")})
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
		{"no processor", func(c *tokenomics.RewardCandidate) { c.Processor = 0 }},
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
	_, err = tokenomics.Distribute(1, io("1"), nil, tokenomics.RewardConfig{EnterpriseShare: rate(t, "1.5")})
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = tokenomics.Distribute(1, io("1"), nil, tokenomics.RewardConfig{GPUPoints: 2_000_000_000})
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
			switch rng.IntN(4) {
			case 0:
				c.Processor, c.Class = tokenomics.CPUProcessor, iog.AnyGPUClass
			case 1:
				c.Class = iog.ConsumerGPU
			}
			c.ProofPassed = rng.IntN(10) > 0
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
		switch {
		case i%20 == 0:
			cands[i].Processor, cands[i].Class = tokenomics.CPUProcessor, iog.AnyGPUClass
		case i%3 == 0:
			cands[i].Class = iog.ConsumerGPU
		}
	}
	emission := tokenomics.IONet().Emission(1)
	for b.Loop() {
		if _, err := tokenomics.Distribute(1, emission, cands, tokenomics.RewardConfig{}); err != nil {
			b.Fatal(err)
		}
	}
}
