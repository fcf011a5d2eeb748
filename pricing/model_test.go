package pricing_test

import (
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/pricing"
)

// noon is a fixed quote time: 12:00 UTC, a Sunday.
var noon = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// ioPrice is the IO price of the tests' market: 1.85 USD.
var ioPrice = func() iog.Rate { r, _ := iog.ParseRate("1.85"); return r }()

func testMarket() pricing.MarketState {
	return pricing.MarketState{AsOf: noon, IOPriceUSD: ioPrice, Utilization: map[pricing.MarketKey]uint32{
		{Class: iog.DatacenterGPU, Country: "US"}: 900_000,
		{Class: iog.DatacenterGPU, Country: "SE"}: 500_000,
		{Class: iog.DatacenterGPU}:                700_000,
		{Class: iog.ConsumerGPU}:                  650_000,
	}}
}

func newModel(t testing.TB) *pricing.Model {
	m, err := pricing.NewModel(pricing.Config{})
	require.NoError(t, err)
	require.NoError(t, m.SetMarket(testMarket()))
	return m
}

func TestQuoteAddsUp(t *testing.T) {
	m := newModel(t)
	req := goodRequest()
	req.Locations = []iog.Location{{Country: "US"}}
	q, err := m.Quote(req, noon)
	require.NoError(t, err)
	require.Equal(t, "H100-SXM", q.Model)
	require.Equal(t, iog.DatacenterGPU, q.Class)
	require.Equal(t, iog.Location{Country: "US"}, q.Location)
	require.Equal(t, 8, q.GPUCount)
	require.Equal(t, 24, q.Hours)

	total, err := q.HourlyPerGPU.Mul(8 * 24)
	require.NoError(t, err)
	require.Equal(t, total, q.Total)
	want, err := total.Convert(iog.USDC, iog.BasisPoints(10_000), iog.RoundHalfEven)
	require.NoError(t, err)
	require.Equal(t, want, q.Fees.Price)
	require.NoError(t, q.Fees.Check())
	require.Equal(t, iog.USDC, q.Fees.Payout)
	require.False(t, q.Fees.RenterCurrency.Amount.IsZero(), "USDC pays the currency fee")

	// The factors chain: each starts where the last ended.
	require.Len(t, q.Factors, 8)
	require.True(t, q.Factors[0].Before.IsZero())
	for i := 1; i < len(q.Factors); i++ {
		require.Equal(t, q.Factors[i-1].After, q.Factors[i].Before)
	}
	require.Equal(t, q.HourlyPerGPU, q.Factors[len(q.Factors)-1].After)

	// 90% utilization of US datacenter GPUs: +20%.
	require.Equal(t, "demand", q.Factors[3].Factor)
	require.Equal(t, int64(900_000), q.Factors[3].Value)
	change, err := pricing.ChangeOf(q.Factors[3].Before, q.Factors[3].After)
	require.NoError(t, err)
	require.InDelta(t, 200_000, int64(change), 1)

	require.Equal(t, "Google Cloud", q.Reference.Provider)
	require.Equal(t, usd("11.06"), q.Reference.HourlyPerGPU)
	require.Greater(t, int64(q.Saving), int64(700_000), "well under the cloud: %v", q.Saving)
	require.Equal(t, "L40S", q.PerTFLOPSReference.Model)
	want4, err := pricing.SavingPerTFLOPS(q.HourlyPerGPU, 989_000, q.PerTFLOPSReference.HourlyPerGPU, 362_000)
	require.NoError(t, err)
	require.Equal(t, want4, q.SavingPerTFLOPS)
	require.Positive(t, int64(q.SavingPerTFLOPS))
	require.Contains(t, q.String(), "8×H100-SXM for 24h in US")
	require.Contains(t, q.String(), "cheaper than Google Cloud")
	// Moved keeps, in order, the factors that changed the price: the US
	// is at 100% and nothing is committed, capped or floored here.
	var moved []string
	for _, a := range q.Moved() {
		moved = append(moved, a.Factor)
	}
	require.Equal(t, []string{"hardware", "connectivity", "demand", "peak hours"}, moved)
}

func TestQuoteInIOConvertsAtTheOraclePrice(t *testing.T) {
	m := newModel(t)
	req := goodRequest()
	req.Currency = iog.IO
	q, err := m.Quote(req, noon)
	require.NoError(t, err)
	inv, err := iog.NewRate(ioPrice.Den(), ioPrice.Num())
	require.NoError(t, err)
	want, err := q.Total.Convert(iog.IO, inv, iog.RoundHalfEven)
	require.NoError(t, err)
	require.Equal(t, want, q.Fees.Price)
	require.True(t, q.Fees.RenterCurrency.Amount.IsZero(), "no currency fee in IO")
	require.Equal(t, iog.IO, q.Fees.Payout)
	require.Equal(t, ioPrice, q.IOPriceUSD)

	req.Currency = iog.IOSD
	q2, err := m.Quote(req, noon)
	require.NoError(t, err)
	require.Equal(t, q.Total.Units(), q2.Fees.Price.Units(), "IOSD is 1 USD each, same decimals")
	require.Equal(t, iog.IOSD, q2.Fees.Price.Currency())
}

func TestQuoteRejects(t *testing.T) {
	m := newModel(t)
	tests := []struct {
		name   string
		change func(r *pricing.Request)
		want   string
	}{
		{"zero GPUs", func(r *pricing.Request) { r.GPUCount = 0 }, "at least one GPU"},
		{"unknown currency", func(r *pricing.Request) { r.Currency = 77 }, "pay in IO, USDC or IOSD"},
		{"negative hours", func(r *pricing.Request) { r.Hours = -1 }, "at least 1 h, the minimum rental"},
		{"impossible location", func(r *pricing.Request) {
			r.Locations = []iog.Location{{Coordinates: iog.Coordinates{Latitude: -91}}}
		}, "latitude must be within ±90"},
		{"unknown model", func(r *pricing.Request) { r.GPUModel = "Voodoo 5 6000" }, `"Voodoo 5 6000" is not in the catalog; give its benchmark score`},
		{"class mismatch", func(r *pricing.Request) { r.GPUClass = iog.ConsumerGPU }, "is a datacenter GPU, not consumer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := goodRequest()
			tt.change(&r)
			_, err := m.Quote(r, noon)
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestQuoteWithoutMarketIsUnavailable(t *testing.T) {
	m, err := pricing.NewModel(pricing.Config{})
	require.NoError(t, err)
	require.Nil(t, m.Market())
	_, err = m.Quote(goodRequest(), noon)
	require.ErrorIs(t, err, iog.ErrUnavailable)

	bad := testMarket()
	bad.IOPriceUSD = iog.Rate{}
	require.ErrorIs(t, m.SetMarket(bad), iog.ErrInvalid)
	bad = testMarket()
	bad.Utilization[pricing.MarketKey{Class: iog.ConsumerGPU, Country: "US"}] = 1_000_001
	require.ErrorIs(t, m.SetMarket(bad), iog.ErrInvalid)
	bad = testMarket()
	bad.Utilization[pricing.MarketKey{Class: iog.ConsumerGPU, Country: "ZZ"}] = 1
	require.ErrorIs(t, m.SetMarket(bad), iog.ErrInvalid)
	bad = testMarket()
	bad.Utilization[pricing.MarketKey{Class: 9}] = 1
	require.ErrorIs(t, m.SetMarket(bad), iog.ErrInvalid)
	require.Nil(t, m.Market(), "a refused state changes nothing")
}

// TestMarketValidateIsDeterministic checks that a state with several bad
// entries is refused with the same message every time, whatever order the
// map is walked in.
func TestMarketValidateIsDeterministic(t *testing.T) {
	s := testMarket()
	for i, c := range []string{"US", "DE", "SE", "SG", "JP", "IN", "BR", "KE"} {
		s.Utilization[pricing.MarketKey{Class: iog.ConsumerGPU, Country: c}] = 1_000_001 + uint32(i)
	}
	s.Utilization[pricing.MarketKey{Class: iog.WorkstationGPU, Country: "ZZ"}] = 1
	first := s.Validate()
	require.ErrorIs(t, first, iog.ErrInvalid)
	for range 50 {
		require.EqualError(t, s.Validate(), first.Error())
	}
}

func TestNewModelRejects(t *testing.T) {
	_, err := pricing.NewModel(pricing.Config{Factors: []pricing.Factor{}})
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = pricing.NewModel(pricing.Config{Factors: []pricing.Factor{nil}})
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = pricing.NewModel(pricing.Config{Fees: &pricing.FeeSchedule{Rounding: 42}})
	require.ErrorIs(t, err, iog.ErrInvalid)
}

// TestModelKeepsItsFactors checks that a Model does not share its list of
// factors with the Config it was built from: building a variant by
// changing one factor of the same Config leaves the first model as it was.
func TestModelKeepsItsFactors(t *testing.T) {
	cfg := pricing.Config{Factors: pricing.DefaultFactors()}
	m, err := pricing.NewModel(cfg)
	require.NoError(t, err)
	require.NoError(t, m.SetMarket(testMarket()))
	before, err := m.Quote(goodRequest(), noon)
	require.NoError(t, err)

	cfg.Factors[len(cfg.Factors)-1] = failing{}
	variant, err := pricing.NewModel(cfg)
	require.NoError(t, err)
	require.NoError(t, variant.SetMarket(testMarket()))
	_, err = variant.Quote(goodRequest(), noon)
	require.Error(t, err)

	after, err := m.Quote(goodRequest(), noon)
	require.NoError(t, err, "the first model still has its own floor")
	require.Equal(t, before, after)
}

func TestQuoteIsDeterministic(t *testing.T) {
	a, b := newModel(t), newModel(t)
	req := goodRequest()
	req.Locations = []iog.Location{{Country: "US"}, {Country: "DE"}, {Country: "SG"}}
	req.Commitment, req.Hours = pricing.Reserved, 500
	first, err := a.Quote(req, noon)
	require.NoError(t, err)
	for range 3 {
		again, err := b.Quote(req, noon)
		require.NoError(t, err)
		require.Equal(t, first, again)
	}
	later, err := a.Quote(req, noon.Add(7*time.Hour))
	require.NoError(t, err)
	require.NotEqual(t, first.HourlyPerGPU, later.HourlyPerGPU, "the hour of day moves the price")
}

func TestQuotePicksTheCheapest(t *testing.T) {
	m := newModel(t)
	tests := []struct {
		name      string
		req       pricing.Request
		wantModel string
		wantLoc   iog.Location
	}{
		{"family at its cheapest model", pricing.Request{
			Requirements: iog.Requirements{GPUModel: "H100", GPUCount: 1},
			Hours:        1, Currency: iog.IO,
		}, "H100-PCIe", iog.Location{}},
		{"family in any spelling", pricing.Request{
			Requirements: iog.Requirements{GPUModel: "nvidia a100", GPUCount: 1},
			Hours:        1, Currency: iog.IO,
		}, "A100-40GB", iog.Location{}},
		{"driver name", pricing.Request{
			Requirements: iog.Requirements{GPUModel: "NVIDIA GeForce RTX 4090", GPUCount: 1},
			Hours:        1, Currency: iog.IO,
		}, "RTX-4090", iog.Location{}},
		{"class at its cheapest model", pricing.Request{
			Requirements: iog.Requirements{GPUClass: iog.DatacenterGPU, GPUCount: 1},
			Hours:        1, Currency: iog.IO,
		}, "P100", iog.Location{}},
		{"cheapest location", pricing.Request{
			Requirements: iog.Requirements{GPUModel: "H100-SXM", GPUCount: 1, Locations: []iog.Location{{Country: "US"}, {Country: "SE"}, {Country: "SG"}}},
			Hours:        1, Currency: iog.IO,
		}, "H100-SXM", iog.Location{Country: "SE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := m.Quote(tt.req, noon)
			require.NoError(t, err)
			require.Equal(t, tt.wantModel, q.Model)
			require.Equal(t, tt.wantLoc, q.Location)
			// No other candidate is cheaper.
			for _, g := range iog.GPUModels() {
				if !g.MatchesGPUModel(tt.req.GPUModel) || (tt.req.GPUClass != iog.AnyGPUClass && g.Class != tt.req.GPUClass) {
					continue
				}
				locs := tt.req.Locations
				if len(locs) == 0 {
					locs = []iog.Location{{}}
				}
				for _, l := range locs {
					one := tt.req
					one.GPUModel, one.GPUClass, one.Locations = g.Name, iog.AnyGPUClass, []iog.Location{l}
					if l == (iog.Location{}) {
						one.Locations = nil
					}
					other, err := m.Quote(one, noon)
					require.NoError(t, err)
					require.LessOrEqual(t, q.HourlyPerGPU.Units(), other.HourlyPerGPU.Units(), "%s in %v", g.Name, l)
				}
			}
		})
	}
}

func TestQuoteScoredGPUIsPricedLikeTheCatalog(t *testing.T) {
	m := newModel(t)
	for _, name := range []string{"H100-SXM", "RTX-4090", "RTX-A6000", "T4"} {
		g := catalog(t, name)
		known, err := m.Quote(pricing.Request{
			Requirements: iog.Requirements{GPUModel: name, GPUCount: 2},
			Hours:        10, Currency: iog.IO,
		}, noon)
		require.NoError(t, err)
		scored, err := m.Quote(pricing.Request{
			Requirements: iog.Requirements{GPUClass: g.Class, GPUCount: 2},
			Score:        pricing.ScoreOf(g), Hours: 10, Currency: iog.IO,
		}, noon)
		require.NoError(t, err)
		require.Empty(t, scored.Model)
		require.Equal(t, known.Factors[0].After, scored.Factors[0].After, name)
		if known.Reference.Provider == "" {
			require.Equal(t, known.HourlyPerGPU, scored.HourlyPerGPU, name)
		}
		require.Equal(t, int64(0), int64(scored.Saving), "no reference for an unknown GPU")
		require.Equal(t, known.SavingPerTFLOPS, scored.SavingPerTFLOPS, "but a saving per TFLOPS")
	}
	// An unclassed scored GPU is priced as a consumer card.
	g := catalog(t, "RTX-4090")
	scored, err := m.Quote(pricing.Request{
		Requirements: iog.Requirements{GPUCount: 1},
		Score:        pricing.ScoreOf(g), Hours: 1, Currency: iog.IO,
	}, noon)
	require.NoError(t, err)
	known, err := m.Quote(pricing.Request{
		Requirements: iog.Requirements{GPUModel: "RTX-4090", GPUCount: 1},
		Hours:        1, Currency: iog.IO,
	}, noon)
	require.NoError(t, err)
	require.Equal(t, known.Factors[0].After, scored.Factors[0].After)
	require.Contains(t, scored.String(), "1×benchmarked GPU for 1h")
}

// TestQuoteMonotonicInDemand checks that the hourly price never falls as
// the utilization of the market rises, for random requests.
func TestQuoteMonotonicInDemand(t *testing.T) {
	m := newModel(t)
	r := rand.New(rand.NewPCG(11, 4))
	models := iog.GPUModels()
	for range 60 {
		g := models[r.IntN(len(models))]
		req := randomRequest(r, g.Name)
		at := noon.Add(time.Duration(r.IntN(48)) * time.Hour)
		country := req.Locations[0].Country
		prev := iog.Zero(iog.USD)
		for u := uint32(0); u <= 1_000_000; u += 50_000 {
			s := testMarket()
			s.Utilization = map[pricing.MarketKey]uint32{{Class: g.Class, Country: country}: u}
			require.NoError(t, m.SetMarket(s))
			q, err := m.Quote(req, at)
			require.NoError(t, err)
			require.GreaterOrEqual(t, q.HourlyPerGPU.Units(), prev.Units(), "%s at utilization %v", g.Name, pricing.PPM(u))
			prev = q.HourlyPerGPU
		}
	}
}

// TestQuoteMonotonicInHours checks that a longer rental never costs less in
// total, on demand or reserved, and that a reservation of more whole days
// never costs more per hour. (Within a day, the peak-hour mean may move the
// hourly price either way.)
func TestQuoteMonotonicInHours(t *testing.T) {
	m := newModel(t)
	r := rand.New(rand.NewPCG(12, 5))
	models := iog.GPUModels()
	for range 40 {
		g := models[r.IntN(len(models))]
		req := randomRequest(r, g.Name)
		at := noon.Add(time.Duration(r.IntN(24)) * time.Hour)
		prevTotal := iog.Zero(iog.USD)
		for h := 1; h <= pricing.MaxHours; h += 1 + r.IntN(1+h/4) {
			req.Hours = h
			q, err := m.Quote(req, at)
			require.NoError(t, err)
			require.Greater(t, q.Total.Units(), prevTotal.Units(), "%s for %d hours, %v", g.Name, h, req.Commitment)
			prevTotal = q.Total
		}
	}
	// Whole days of a reservation: the hour of day evens out, and the
	// hourly price only falls.
	req := pricing.Request{
		Requirements: iog.Requirements{GPUModel: "A100-80GB", GPUCount: 4},
		Currency:     iog.USDC, Commitment: pricing.Reserved,
	}
	prev := iog.NewAmount(1<<62, iog.USD)
	for days := 1; days <= 366; days++ {
		req.Hours = 24 * days
		q, err := m.Quote(req, noon)
		require.NoError(t, err)
		require.LessOrEqual(t, q.HourlyPerGPU.Units(), prev.Units(), "%d days", days)
		prev = q.HourlyPerGPU
	}
}

// TestQuoteFeesConserve checks conservation of every quote's fee lines
// and the totals' arithmetic over random requests and markets.
func TestQuoteFeesConserve(t *testing.T) {
	m := newModel(t)
	r := rand.New(rand.NewPCG(13, 6))
	models := iog.GPUModels()
	for range 2000 {
		g := models[r.IntN(len(models))]
		req := randomRequest(r, g.Name)
		s := testMarket()
		s.IOPriceUSD = iog.BasisPoints(1 + r.Uint64N(1_000_000))
		require.NoError(t, m.SetMarket(s))
		q, err := m.Quote(req, noon.Add(time.Duration(r.IntN(10_000))*time.Minute))
		require.NoError(t, err)
		require.NoError(t, q.Fees.Check())
		require.Equal(t, req.Currency, q.Fees.Price.Currency())
		total, err := q.HourlyPerGPU.Mul(int64(req.GPUCount) * int64(req.Hours))
		require.NoError(t, err)
		require.Equal(t, total, q.Total)
		require.Positive(t, q.HourlyPerGPU.Units())
		if q.Reference.Provider != "" {
			require.LessOrEqual(t, q.HourlyPerGPU.Units(), q.Reference.HourlyPerGPU.Units()/2+1, "ceiling at half the cloud")
		}
	}
}

func randomRequest(r *rand.Rand, model string) pricing.Request {
	countries := []string{"US", "SE", "DE", "SG", "JP", "IN", "BR", "KE"}
	currencies := []iog.Currency{iog.IO, iog.USDC, iog.IOSD}
	return pricing.Request{
		Requirements: iog.Requirements{GPUModel: model, GPUCount: 1 + r.IntN(64), Locations: []iog.Location{{Country: countries[r.IntN(len(countries))]}}, Bandwidth: iog.BandwidthTier(r.IntN(int(iog.UltraBandwidth) + 1))},
		Hours:        1 + r.IntN(2000), Commitment: pricing.Commitment(r.IntN(2)), Currency: currencies[r.IntN(len(currencies))],
	}
}

// failing is a factor that always fails.
type failing struct{}

func (failing) Apply(*pricing.Input, iog.Amount) (pricing.Adjustment, error) {
	return pricing.Adjustment{}, errors.New("oracle down")
}

// negative is a factor that returns a price no quote may carry.
type negative struct{}

func (negative) Apply(_ *pricing.Input, h iog.Amount) (pricing.Adjustment, error) {
	return pricing.Adjustment{Factor: "negative", Before: h, After: usd("-1")}, nil
}

func TestQuoteFactorErrors(t *testing.T) {
	for _, f := range []pricing.Factor{failing{}, negative{}} {
		m, err := pricing.NewModel(pricing.Config{Factors: []pricing.Factor{pricing.DefaultHardware(), f}})
		require.NoError(t, err)
		require.NoError(t, m.SetMarket(testMarket()))
		_, err = m.Quote(goodRequest(), noon)
		require.Error(t, err)
	}
}

func TestQuoteOverflowIsAnError(t *testing.T) {
	h := pricing.DefaultHardware()
	h.PerFP16GFLOPS = iog.MustParseAmount("1000000 USD")
	m, err := pricing.NewModel(pricing.Config{Factors: []pricing.Factor{h}})
	require.NoError(t, err)
	require.NoError(t, m.SetMarket(testMarket()))
	req := goodRequest()
	req.GPUCount, req.Hours = pricing.MaxGPUs, pricing.MaxHours
	_, err = m.Quote(req, noon)
	require.ErrorIs(t, err, iog.ErrOverflow)
}

// TestQuoteWhileMarketChanges quotes from several goroutines while the
// market is replaced; run with -race.
func TestQuoteWhileMarketChanges(t *testing.T) {
	m := newModel(t)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			var q pricing.Quote
			req := goodRequest()
			for i := range 200 {
				req.Hours = 1 + (i+g)%100
				require.NoError(t, m.QuoteInto(&q, req, noon))
			}
		})
	}
	for i := range 50 {
		s := testMarket()
		s.Utilization[pricing.MarketKey{Class: iog.DatacenterGPU}] = uint32(i * 20_000)
		require.NoError(t, m.SetMarket(s))
	}
	wg.Wait()
}

func TestPPMAndChange(t *testing.T) {
	tests := []struct {
		p    pricing.PPM
		want string
	}{
		{0, "0.00%"}, {1_000_000, "100.00%"}, {823_149, "82.31%"}, {-50, "-0.01%"}, {-49, "0.00%"}, {5, "0.00%"}, {-1_234_567, "-123.46%"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.p.String())
	}
	c, err := pricing.ChangeOf(usd("2"), usd("2.5"))
	require.NoError(t, err)
	require.Equal(t, pricing.PPM(250_000), c)
	c, err = pricing.ChangeOf(usd("3"), usd("2"))
	require.NoError(t, err)
	require.Equal(t, pricing.PPM(-333_333), c)
	_, err = pricing.ChangeOf(usd("0"), usd("2"))
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = pricing.ChangeOf(usd("1"), iog.MustParseAmount("1 IO"))
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = pricing.ChangeOf(iog.NewAmount(1, iog.USD), iog.NewAmount(1<<62, iog.USD))
	require.ErrorIs(t, err, iog.ErrOverflow)
	c, err = pricing.ChangeOf(iog.NewAmount(3, iog.USD), iog.NewAmount(1<<40, iog.USD))
	require.NoError(t, err)
	require.Equal(t, pricing.PPM((1<<40-3)*1_000_000/3), c)
}

func TestToPayment(t *testing.T) {
	tests := []struct {
		usd  string
		c    iog.Currency
		want string
	}{
		{"18.5", iog.IO, "10 IO"},
		{"1", iog.IO, "0.54054054 IO"},
		{"1.23456789", iog.USDC, "1.234568 USDC"},
		{"1.23456789", iog.IOSD, "1.23456789 IOSD"},
	}
	for _, tt := range tests {
		got, err := pricing.ToPayment(usd(tt.usd), tt.c, ioPrice)
		require.NoError(t, err)
		require.Equal(t, iog.MustParseAmount(tt.want), got)
	}
	_, err := pricing.ToPayment(usd("1"), iog.USD, ioPrice)
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = pricing.ToPayment(iog.MustParseAmount("1 IO"), iog.IO, ioPrice)
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = pricing.ToPayment(usd("1"), iog.IO, iog.Rate{})
	require.ErrorIs(t, err, iog.ErrInvalid)
}

func TestAdjustmentString(t *testing.T) {
	tests := []struct {
		a    pricing.Adjustment
		want string
	}{
		{pricing.Adjustment{Factor: "demand", Reason: "utilization", Value: 920_000, Unit: pricing.UnitPPM, Before: usd("2"), After: usd("2.44")},
			"demand: utilization 92.00% → +22.00%: 2.0000 → 2.4400 USD"},
		{pricing.Adjustment{Factor: "peak hours", Reason: "local start hour", Value: 9, Unit: pricing.UnitHour, Before: usd("1"), After: usd("1")},
			"peak hours: local start hour 09:00: 1.0000 → 1.0000 USD"},
		{pricing.Adjustment{Factor: "commitment", Reason: "reserved for", Value: 48, Unit: pricing.UnitHours, Before: usd("1"), After: usd("0.975")},
			"commitment: reserved for 48h → -2.50%: 1.0000 → 0.9750 USD"},
		{pricing.Adjustment{Factor: "connectivity", Reason: "bandwidth tier", Value: 3, Unit: pricing.UnitTier, Before: usd("1"), After: usd("1.1")},
			"connectivity: bandwidth tier high → +10.00%: 1.0000 → 1.1000 USD"},
		{pricing.Adjustment{Factor: "cloud ceiling", Reason: "at most", Value: 5_530_000, Unit: pricing.UnitUSDMicros, Before: usd("9"), After: usd("5.53")},
			"cloud ceiling: at most 5.53 USD → -38.56%: 9.0000 → 5.5300 USD"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.a.String())
	}
}
