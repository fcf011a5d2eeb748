package pricing_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/pricing"
)

// usd parses a USD amount.
func usd(s string) iog.Amount { return iog.MustParseAmount(s + " USD") }

// catalog returns the catalog model named name.
func catalog(t testing.TB, name string) iog.GPUModel {
	m, ok := iog.LookupGPUModel(name)
	require.True(t, ok, name)
	return m
}

// inputFor returns a factor input for one catalog model.
func inputFor(t testing.TB, name string, req *pricing.Request) *pricing.Input {
	m := catalog(t, name)
	return &pricing.Input{Request: req, Model: m, Score: pricing.ScoreOf(m), Class: m.Class, Market: &pricing.MarketState{}}
}

func TestHardwarePrices(t *testing.T) {
	h := pricing.DefaultHardware()
	tests := []struct {
		model string
		want  string
	}{
		// 989000×0.0000011 + 67000×0.000001 + 80×0.005 + 3350×0.00012
		{"H100-SXM", "1.9569"},
		{"H100-PCIe", "1.5226"},
		{"A100-80GB", "1.00738"},
		{"A100-40GB", "0.7493"},
		{"T4", "0.198"},
		// (330000×0.0000011 + 82600×0.000001 + 24×0.005 + 1008×0.00012) × 60%
		{"RTX-4090", "0.411936"},
		// (155000×0.0000011 + 38700×0.000001 + 48×0.005 + 768×0.00012) × 85%
		{"RTX-A6000", "0.460156"},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			req := goodRequest()
			adj, err := h.Apply(inputFor(t, tt.model, &req), iog.Zero(iog.USD))
			require.NoError(t, err)
			require.Equal(t, usd(tt.want), adj.After)
			require.Equal(t, "hardware", adj.Factor)
		})
	}
}

func TestHardwareScoreMatchesCatalog(t *testing.T) {
	h := pricing.DefaultHardware()
	for _, m := range iog.GPUModels() {
		fromModel, err := h.Price(pricing.ScoreOf(m), m.Class)
		require.NoError(t, err)
		req := pricing.Request{
			Requirements: iog.Requirements{GPUClass: m.Class, GPUCount: 1},
			Score:        pricing.ScoreOf(m), Hours: 1, Currency: iog.IO,
		}
		adj, err := h.Apply(&pricing.Input{Request: &req, Score: req.Score, Class: m.Class}, iog.Zero(iog.USD))
		require.NoError(t, err)
		require.Equal(t, fromModel, adj.After, m.Name)
		require.Positive(t, fromModel.Units(), m.Name)
	}
}

// TestHardwareMonotonic checks that more of any figure never costs less.
func TestHardwareMonotonic(t *testing.T) {
	h := pricing.DefaultHardware()
	r := rand.New(rand.NewPCG(7, 7))
	for range 2000 {
		s := pricing.Score{FP16GFLOPS: r.Uint32N(3_000_000), FP32GFLOPS: r.Uint32N(200_000), MemoryBytes: r.Uint64N(256 << 30), MemoryBandwidthGBps: r.Uint32N(10_000)}
		more := s
		switch r.IntN(4) {
		case 0:
			more.FP16GFLOPS += 1 + r.Uint32N(1000)
		case 1:
			more.FP32GFLOPS += 1 + r.Uint32N(1000)
		case 2:
			more.MemoryBytes += 1 + r.Uint64N(1<<30)
		case 3:
			more.MemoryBandwidthGBps += 1 + r.Uint32N(100)
		}
		class := iog.GPUClass(r.IntN(4))
		a, err := h.Price(s, class)
		require.NoError(t, err)
		b, err := h.Price(more, class)
		require.NoError(t, err)
		require.LessOrEqual(t, a.Units(), b.Units())
	}
	_, err := h.Price(pricing.Score{}, iog.GPUClass(8))
	require.ErrorIs(t, err, iog.ErrInvalid)
}

func TestConnectivityByMeasuredBandwidth(t *testing.T) {
	const mb = 1_000_000
	c := pricing.DefaultConnectivity()
	tests := []struct {
		name     string
		measured iog.Bandwidth
		want     string
	}{
		{"below low", iog.Bandwidth{DownBytesPerSec: 99 * mb, UpBytesPerSec: 99 * mb}, "0.9"},
		{"low needs upload", iog.Bandwidth{DownBytesPerSec: 100 * mb, UpBytesPerSec: 9 * mb}, "0.9"},
		{"low", iog.Bandwidth{DownBytesPerSec: 100 * mb, UpBytesPerSec: 10 * mb}, "1"},
		{"medium needs upload", iog.Bandwidth{DownBytesPerSec: 500 * mb, UpBytesPerSec: 200 * mb}, "1"},
		{"medium", iog.Bandwidth{DownBytesPerSec: 400 * mb, UpBytesPerSec: 300 * mb}, "1.05"},
		{"high needs upload", iog.Bandwidth{DownBytesPerSec: 800 * mb, UpBytesPerSec: 599 * mb}, "1.05"},
		{"high", iog.Bandwidth{DownBytesPerSec: 800 * mb, UpBytesPerSec: 600 * mb}, "1.1"},
		{"ultra", iog.Bandwidth{DownBytesPerSec: 1600 * mb, UpBytesPerSec: 1200 * mb}, "1.15"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := goodRequest()
			req.Bandwidth = tt.measured.Tier()
			adj, err := c.Apply(inputFor(t, "T4", &req), usd("1"))
			require.NoError(t, err)
			require.Equal(t, usd(tt.want), adj.After)
			require.Equal(t, pricing.UnitTier, adj.Unit)
		})
	}
	req := goodRequest()
	req.Bandwidth = 9
	_, err := c.Apply(inputFor(t, "T4", &req), usd("1"))
	require.ErrorIs(t, err, iog.ErrInvalid)
}

func TestRegional(t *testing.T) {
	r := pricing.DefaultRegional()
	tests := []struct {
		country, want, reason string
	}{
		{"US", "2", "US"},
		{"SE", "1.9", "SE"},
		{"SG", "2.2", "SG"},
		{"KE", "2", "no regional entry"},
		{"", "2", "anywhere"},
	}
	for _, tt := range tests {
		t.Run(tt.country, func(t *testing.T) {
			req := goodRequest()
			in := inputFor(t, "T4", &req)
			in.Location = iog.Location{Country: tt.country}
			adj, err := r.Apply(in, usd("2"))
			require.NoError(t, err)
			require.Equal(t, usd(tt.want), adj.After)
			require.Equal(t, tt.reason, adj.Reason)
		})
	}
	req := goodRequest()
	in := inputFor(t, "T4", &req)
	in.Location = iog.Location{Coordinates: iog.Coordinates{Latitude: 1, Longitude: 2}}
	adj, err := r.Apply(in, usd("2"))
	require.NoError(t, err)
	require.Equal(t, "no country given", adj.Reason)

	r.Default = iog.BasisPoints(12_000)
	in.Location = iog.Location{Country: "KE"}
	adj, err = r.Apply(in, usd("2"))
	require.NoError(t, err)
	require.Equal(t, usd("2.4"), adj.After)
}

func TestDemandMultiplier(t *testing.T) {
	d := pricing.DefaultDemand()
	tests := []struct {
		utilization, want uint32
	}{
		{0, 800_000},
		{500_000, 800_000},
		{600_000, 900_000},
		{650_000, 950_000},
		{700_000, 1_000_000},
		{750_000, 1_050_000},
		{920_000, 1_220_000},
		{1_000_000, 1_300_000},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, d.Multiplier(tt.utilization), "utilization %d", tt.utilization)
	}
}

func TestDemandUsesMarket(t *testing.T) {
	d := pricing.DefaultDemand()
	market := &pricing.MarketState{Utilization: map[pricing.MarketKey]uint32{
		{Class: iog.DatacenterGPU, Country: "US"}: 900_000,
		{Class: iog.DatacenterGPU}:                600_000,
	}}
	tests := []struct {
		name, country, want, reason string
	}{
		{"country figure", "US", "1.2", "utilization"},
		{"network-wide figure", "DE", "0.9", "utilization"},
		{"anywhere", "", "0.9", "utilization"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := goodRequest()
			in := inputFor(t, "H100-SXM", &req)
			in.Market, in.Location = market, iog.Location{Country: tt.country}
			adj, err := d.Apply(in, usd("1"))
			require.NoError(t, err)
			require.Equal(t, usd(tt.want), adj.After)
		})
	}
	req := goodRequest()
	in := inputFor(t, "RTX-4090", &req)
	in.Market = market
	adj, err := d.Apply(in, usd("1"))
	require.NoError(t, err)
	require.Equal(t, usd("1"), adj.After, "no figure for consumer GPUs: balanced")
	require.Equal(t, "no utilization figure", adj.Reason)

	bad := &pricing.Demand{Min: 1_100_000, Max: 1_200_000}
	_, err = bad.Apply(in, usd("1"))
	require.ErrorIs(t, err, iog.ErrInvalid)
}

// TestDemandMonotonic checks that the multiplier never falls as
// utilization rises and stays within its bounds, for random curves.
func TestDemandMonotonic(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	for range 200 {
		d := pricing.Demand{Target: r.Uint32N(1_000_001), Slope: r.Uint32N(5_000_000), Min: r.Uint32N(1_000_001), Max: 1_000_000 + r.Uint32N(2_000_000)}
		prev := d.Multiplier(0)
		for u := uint32(0); u <= 1_000_000; u += 1 + r.Uint32N(20_000) {
			m := d.Multiplier(u)
			require.GreaterOrEqual(t, m, prev)
			require.GreaterOrEqual(t, m, d.Min)
			require.LessOrEqual(t, m, d.Max)
			prev = m
		}
	}
}

func TestPeakHoursLocalHour(t *testing.T) {
	p := pricing.DefaultPeakHours()
	at := time.Date(2026, 11, 22, 15, 30, 0, 0, time.UTC)
	tests := []struct {
		name string
		loc  iog.Location
		want int
	}{
		{"anywhere is UTC", iog.Location{}, 15},
		{"US by country", iog.Location{Country: "US"}, 10},
		{"India half-hour offset", iog.Location{Country: "IN"}, 21},
		{"Japan", iog.Location{Country: "JP"}, 0},
		{"unknown country is UTC", iog.Location{Country: "KE", Region: "x"}, 18},
		{"San Francisco by longitude", iog.Location{Country: "US", Coordinates: iog.Coordinates{Latitude: 37.77, Longitude: -122.42}}, 7},
		{"Singapore by longitude", iog.Location{Coordinates: iog.Coordinates{Latitude: 1.29, Longitude: 103.85}}, 22},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, p.LocalHour(tt.loc, at))
		})
	}
	// The time's own zone does not matter, only the instant.
	require.Equal(t, 10, p.LocalHour(iog.Location{Country: "US"}, at.In(time.FixedZone("X", 7*3600))))
}

func TestPeakHoursMean(t *testing.T) {
	p := pricing.DefaultPeakHours()
	var day uint64
	for _, m := range p.ByHour {
		day += uint64(m)
	}
	tests := []struct {
		name         string
		start, hours int
		want         uint64
	}{
		{"one peak hour", 10, 1, 1_080_000},
		{"one night hour", 3, 1, 920_000},
		{"across midnight", 23, 3, 960_000 + 920_000 + 920_000},
		{"whole day from anywhere", 17, 24, day},
		{"two days and two hours", 9, 50, 2*day + 2*1_080_000},
		{"start taken modulo 24", -14, 1, 1_080_000},
		{"no hours", 5, -3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, p.Sum(tt.start, tt.hours))
		})
	}

	req := goodRequest()
	req.Hours = 1
	in := inputFor(t, "T4", &req)
	in.Location = iog.Location{Country: "DE"}
	in.At = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) // 13:00 in Frankfurt
	adj, err := p.Apply(in, usd("1"))
	require.NoError(t, err)
	require.Equal(t, usd("1.08"), adj.After)
	require.Equal(t, int64(13), adj.Value)

	req.Hours = 24 // a whole day pays the day's mean wherever it starts
	adj, err = p.Apply(in, usd("1"))
	require.NoError(t, err)
	mean, err := iog.NewRate(day, 24*1_000_000)
	require.NoError(t, err)
	want, err := usd("1").MulRate(mean, iog.RoundHalfEven)
	require.NoError(t, err)
	require.Equal(t, want, adj.After)
}

func TestCommitmentDiscount(t *testing.T) {
	c := pricing.DefaultCommitment()
	tests := []struct {
		hours int
		sum   uint64
	}{
		{1, 1_000_000},
		{24, 24_000_000},
		{25, 24_000_000 + 950_000},
		{168, 24_000_000 + 144*950_000},
		{200, 24_000_000 + 144*950_000 + 32*900_000},
		{3000, 24_000_000 + 144*950_000 + 552*900_000 + 1440*850_000 + 840*800_000},
	}
	for _, tt := range tests {
		sum, err := c.Sum(tt.hours)
		require.NoError(t, err)
		require.Equal(t, tt.sum, sum, "%d hours", tt.hours)
	}

	req := goodRequest()
	req.Hours, req.Commitment = 48, pricing.Reserved
	adj, err := c.Apply(inputFor(t, "T4", &req), usd("1"))
	require.NoError(t, err)
	require.Equal(t, usd("0.975"), adj.After, "half the hours at 5% off")

	req.Commitment = pricing.OnDemand
	adj, err = c.Apply(inputFor(t, "T4", &req), usd("1"))
	require.NoError(t, err)
	require.Equal(t, usd("1"), adj.After, "no discount on demand")

	bad := &pricing.CommitmentDiscount{Brackets: []pricing.Bracket{{From: 100, Discount: 1}, {From: 50, Discount: 2}}}
	_, err = bad.Sum(30)
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = (&pricing.CommitmentDiscount{Brackets: []pricing.Bracket{{From: 1, Discount: 1_000_001}}}).Sum(3)
	require.ErrorIs(t, err, iog.ErrInvalid)
	// A smaller discount for later hours would make a longer reservation
	// dearer per hour, which the factor promises never happens.
	shrinking := &pricing.CommitmentDiscount{Brackets: []pricing.Bracket{{From: 24, Discount: 200_000}, {From: 48, Discount: 50_000}}}
	_, err = shrinking.Sum(100)
	require.ErrorIs(t, err, iog.ErrInvalid)
	require.ErrorContains(t, err, "smaller")
}

// TestCommitmentMonotonic checks that a longer reservation never costs
// less in total nor more per hour.
func TestCommitmentMonotonic(t *testing.T) {
	c := pricing.DefaultCommitment()
	prevSum, prevMean := uint64(0), iog.BasisPoints(10_000)
	for h := 1; h <= pricing.MaxHours; h += 1 + h/50 {
		sum, err := c.Sum(h)
		require.NoError(t, err)
		require.Greater(t, sum, prevSum)
		mean, err := iog.NewRate(sum, uint64(h)*1_000_000)
		require.NoError(t, err)
		require.LessOrEqual(t, mean.Cmp(prevMean), 0, "%d hours", h)
		prevSum, prevMean = sum, mean
	}
}

func TestCeiling(t *testing.T) {
	c := pricing.DefaultCeiling()
	req := goodRequest()
	// The cheapest H100-SXM reference is 11.06 USD: half is 5.53.
	adj, err := c.Apply(inputFor(t, "H100-SXM", &req), usd("9"))
	require.NoError(t, err)
	require.Equal(t, usd("5.53"), adj.After)
	adj, err = c.Apply(inputFor(t, "H100-SXM", &req), usd("2"))
	require.NoError(t, err)
	require.Equal(t, usd("2"), adj.After)
	adj, err = c.Apply(inputFor(t, "RTX-4090", &req), usd("90"))
	require.NoError(t, err)
	require.Equal(t, usd("90"), adj.After, "no reference, no cap")
	adj, err = (&pricing.Ceiling{}).Apply(inputFor(t, "H100-SXM", &req), usd("90"))
	require.NoError(t, err)
	require.Equal(t, usd("90"), adj.After, "no table, no cap")

	// A table without a share would cap every price it knows at zero.
	_, err = (&pricing.Ceiling{References: pricing.DefaultReferences()}).Apply(inputFor(t, "H100-SXM", &req), usd("2"))
	require.ErrorIs(t, err, iog.ErrInvalid)
	require.ErrorContains(t, err, "share")
}

func TestSupplierFloor(t *testing.T) {
	f := pricing.DefaultFloor()
	req := goodRequest()
	tests := []struct {
		name, model, hourly, want string
	}{
		// 40% of the H100-SXM's 1.9569, rounded up.
		{"raised to share of hardware", "H100-SXM", "0.5", "0.78276"},
		{"above the floor", "H100-SXM", "1.5", "1.5"},
		{"T4", "T4", "0", "0.0792"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			adj, err := f.Apply(inputFor(t, tt.model, &req), usd(tt.hourly))
			require.NoError(t, err)
			require.Equal(t, usd(tt.want), adj.After)
		})
	}
	f.PerModel = map[string]iog.Amount{"T4": usd("0.3")}
	adj, err := f.Apply(inputFor(t, "T4", &req), usd("0.1"))
	require.NoError(t, err)
	require.Equal(t, usd("0.3"), adj.After, "measured opportunity cost")

	minOnly := &pricing.SupplierFloor{Minimum: usd("0.01")}
	adj, err = minOnly.Apply(inputFor(t, "T4", &req), usd("0.001"))
	require.NoError(t, err)
	require.Equal(t, usd("0.01"), adj.After)

	none := &pricing.SupplierFloor{}
	adj, err = none.Apply(inputFor(t, "T4", &req), usd("0.001"))
	require.NoError(t, err)
	require.Equal(t, usd("0.001"), adj.After, "the zero floor holds nothing up")

	// A floor set in another currency than USD is an error, not a floor
	// silently dropped (the quote would go under the supplier's cost).
	for _, bad := range []*pricing.SupplierFloor{
		{Minimum: iog.MustParseAmount("0.5 USDC")},
		{PerModel: map[string]iog.Amount{"T4": iog.MustParseAmount("0.3 IO")}},
	} {
		_, err = bad.Apply(inputFor(t, "T4", &req), usd("0.001"))
		require.ErrorIs(t, err, iog.ErrInvalid)
		require.ErrorContains(t, err, "USD")
	}
}
