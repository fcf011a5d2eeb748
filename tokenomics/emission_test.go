package tokenomics_test

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics"
)

func TestIONetFirstEpochsToTheCent(t *testing.T) {
	s := tokenomics.IONet()
	tests := []struct {
		epoch   uint64
		cents   string
		percent string // of the initial supply
	}{
		{1, "4566.21", "0.00091324%"},
		{2, "4566.15", "0.00091323%"},
		{3, "4566.08", "0.00091322%"},
	}
	for _, tt := range tests {
		e := s.Emission(tt.epoch)
		require.Equal(t, tt.cents, e.RoundedDecimal(2, iog.RoundHalfUp), "epoch %d emits %v", tt.epoch, e)
		r, err := iog.NewRate(uint64(e.Units()), uint64(tokenomics.IONetInitialSupply.Units()))
		require.NoError(t, err)
		require.Equal(t, tt.percent, tokenomics.Percent(r, 8), "epoch %d", tt.epoch)
	}
	// Epoch 1 is 40,000,000/8,760 IO, rounded down to a base unit.
	require.Equal(t, "4566.21004566 IO", s.Emission(1).String())
	require.Equal(t, time.Hour, s.EpochLength())
}

func TestIONetTotalsExactly(t *testing.T) {
	s := tokenomics.IONet()
	require.Equal(t, uint64(175_320), s.Epochs())
	require.Equal(t, tokenomics.IONetInitialSupply, s.Supply(0))
	var sum int64
	supply := s.Supply(0).Units()
	prev := s.Emission(1).Units()
	for e := uint64(1); e <= s.Epochs(); e++ {
		em := s.Emission(e)
		require.Equal(t, iog.IO, em.Currency())
		u := em.Units()
		// Every epoch emits, and emission never grows (the last epoch,
		// which carries the residue, is checked below).
		if u <= 0 || e < s.Epochs() && u > prev {
			t.Fatalf("epoch %d emits %v after %v", e, em, iog.NewAmount(prev, iog.IO))
		}
		sum += u
		supply += u
		if supply > tokenomics.IONetMaxSupply.Units() {
			t.Fatalf("supply %v above the cap after epoch %d", iog.NewAmount(supply, iog.IO), e)
		}
		if e%997 == 0 || e == s.Epochs() {
			require.Equal(t, iog.NewAmount(supply, iog.IO), s.Supply(e), "supply after epoch %d", e)
		}
		prev = u
	}
	require.Equal(t, "300000000 IO", iog.NewAmount(sum, iog.IO).String())
	require.Equal(t, tokenomics.IONetMaxSupply, s.Supply(s.Epochs()))
	require.Equal(t, tokenomics.IONetMaxSupply, s.Supply(s.Epochs()+1_000_000))
	require.True(t, s.Emission(0).IsZero())
	require.True(t, s.Emission(s.Epochs()+1).IsZero())
	// The residue in the last epoch is a handful of base units: the last
	// epoch emits what the decay predicts from the one before, plus it.
	predicted, err := s.Emission(s.Epochs()-1).MulRate(tokenomics.IONetHourlyDecay, iog.RoundDown)
	require.NoError(t, err)
	residue, err := s.Emission(s.Epochs()).Sub(predicted)
	require.NoError(t, err)
	require.GreaterOrEqual(t, residue.Units(), int64(0))
	require.Less(t, residue.Units(), int64(100), "residue %v", residue)
}

func TestIONetDecayIsDerived(t *testing.T) {
	r, err := tokenomics.SolveGeometricRatio(tokenomics.IONetFirstEmission, tokenomics.IONetEmissionTotal, tokenomics.IONetEpochs, 10_000_000_000_000_000_000)
	require.NoError(t, err)
	require.Equal(t, tokenomics.IONetHourlyDecay, r)

	// Deriving the ratio inside NewGeometric gives the same schedule.
	cfg := tokenomics.IONetConfig()
	cfg.Ratio = iog.Rate{}
	derived, err := tokenomics.NewGeometric(cfg)
	require.NoError(t, err)
	for _, e := range []uint64{1, 2, 3, 8766, 100_000, 175_319, 175_320} {
		require.Equal(t, tokenomics.IONet().Emission(e), derived.Emission(e), "epoch %d", e)
	}
}

func TestIONetInflationTable(t *testing.T) {
	table, err := tokenomics.InflationTable(tokenomics.IONet(), tokenomics.IONetEpochsPerYear)
	require.NoError(t, err)
	require.Len(t, table, 20)
	// On the documentation's basis, the annualised rate of each year's
	// first and last epoch over the genesis supply: 8% at the start, as
	// io.net's documentation states, falling to 0.70% by the last hour.
	wantStart := []string{
		"8.0000%", "7.0831%", "6.2712%", "5.5525%", "4.9160%", "4.3526%", "3.8537%",
		"3.4120%", "3.0209%", "2.6747%", "2.3681%", "2.0967%", "1.8564%", "1.6436%",
		"1.4552%", "1.2884%", "1.1408%", "1.0100%", "0.8942%", "0.7918%",
	}
	wantEnd := []string{
		"7.0832%", "6.2713%", "5.5525%", "4.9161%", "4.3527%", "3.8538%", "3.4121%",
		"3.0210%", "2.6747%", "2.3682%", "2.0967%", "1.8564%", "1.6436%", "1.4553%",
		"1.2885%", "1.1408%", "1.0100%", "0.8943%", "0.7918%", "0.7010%",
	}
	// On the supply basis, the year's emission over its starting supply,
	// as the closed form E1·r^(8766(k−1))·(1−r^8766)/(1−r) gives it.
	wantSupply := []string{
		"7.5374%", "6.2058%", "5.1734%", "4.3552%", "3.6951%", "3.1550%", "2.7079%",
		"2.3343%", "2.0196%", "1.7528%", "1.5251%", "1.3300%", "1.1621%", "1.0171%",
		"0.8915%", "0.7823%", "0.6873%", "0.6044%", "0.5319%", "0.4684%",
	}
	for i := range table {
		y := table[i]
		require.Equal(t, wantStart[i], tokenomics.Percent(y.StartRate, 4), "year %d starts", i+1)
		require.Equal(t, wantEnd[i], tokenomics.Percent(y.EndRate, 4), "year %d ends", i+1)
		require.Equal(t, wantSupply[i], y.SupplyPercent(4), "year %d on the supply basis", i+1)
	}
	// Year 1 starts at the annualised rate of epoch 1, and year 20 ends at
	// that of the last epoch, exactly.
	first, err := tokenomics.AnnualisedRate(tokenomics.IONet(), 1)
	require.NoError(t, err)
	require.Equal(t, first, table[0].StartRate)
	last, err := tokenomics.AnnualisedRate(tokenomics.IONet(), tokenomics.IONetEpochs)
	require.NoError(t, err)
	require.Equal(t, last, table[19].EndRate)
	total := iog.Zero(iog.IO)
	for i, y := range table {
		require.Equal(t, i+1, y.Year)
		require.Equal(t, uint64(i)*8766+1, y.FirstEpoch)
		require.Equal(t, uint64(i+1)*8766, y.LastEpoch)
		require.Equal(t, -1, y.EndRate.Cmp(y.StartRate), "the rate falls within year %d", y.Year)
		total, err = total.Add(y.Emitted)
		require.NoError(t, err)
		if i > 0 {
			require.Equal(t, table[i-1].End, y.Start)
			require.Equal(t, -1, y.SupplyRate().Cmp(table[i-1].SupplyRate()), "inflation falls every year")
			require.Equal(t, -1, y.StartRate.Cmp(table[i-1].EndRate), "year %d starts below where year %d ended", y.Year, i)
		}
	}
	require.Equal(t, tokenomics.IONetEmissionTotal, total)
	_, err = tokenomics.InflationTable(tokenomics.IONet(), 0)
	require.ErrorIs(t, err, iog.ErrInvalid)
}

// TestIONetAgainstTheDocumentation holds the preset to io.net's
// documentation figure by figure, exactly, and pins the figures where it
// departs from the 2024 launch articles (see CompareEmission).
func TestIONetAgainstTheDocumentation(t *testing.T) {
	s := tokenomics.IONet()
	rate := func(r iog.Rate, err error) string {
		require.NoError(t, err)
		return tokenomics.Percent(r, 4)
	}
	// What the preset emits in an hour at 8% a year of the genesis supply,
	// rounded down to a base unit: 500,000,000 × 8% / 8,760.
	eightPercentHour, err := tokenomics.IONetInitialSupply.MulRate(emissionTestRate(t, 8, 100*8760), iog.RoundDown)
	require.NoError(t, err)
	firstRate, err := tokenomics.AnnualisedRate(s, 1)
	require.NoError(t, err)
	hourlyFall, err := tokenomics.EmissionFall(s, 1, 1)
	require.NoError(t, err)
	tests := []struct {
		figure string
		got    any
		want   any
	}{
		{"genesis supply (documentation)", s.Supply(0).String(), "500000000 IO"},
		{"total emitted (documentation)", tokenomics.Emitted(s, 1, s.Epochs()).String(), "300000000 IO"},
		{"cap (documentation)", s.Supply(s.Epochs()).String(), "800000000 IO"},
		{"supply long after the last epoch", s.Supply(s.Epochs() + 1).String(), "800000000 IO"},
		{"epoch 1 is 8% a year of the genesis supply", s.Emission(1), eightPercentHour},
		{"annualised rate of epoch 1 (documentation: 8%)", firstRate, emissionTestRate(t, 456_621_004_566*8760, 50_000_000_000_000_000)},
		{"annualised rate of epoch 1 to ten places", tokenomics.Percent(firstRate, 10), "8.0000000000%"},
		{"monthly fall per 730 h from epoch 1 (documentation: about 1.015%)", rate(tokenomics.EmissionFall(s, 1, 730)), "1.0086%"},
		{"monthly fall per 730 h from epoch 100,000", rate(tokenomics.EmissionFall(s, 100_000, 730)), "1.0086%"},
		{"monthly fall of the last 730 h", rate(tokenomics.EmissionFall(s, s.Epochs()-731, 730)), "1.0086%"},
		{"yearly fall per 8,760 h (articles: 12.165%)", rate(tokenomics.EmissionFall(s, 1, 8760)), "11.4542%"},
		{"hourly fall", tokenomics.Percent(hourlyFall, 7), "0.0013887%"},
		{"annualised rate of the last epoch (articles: about 0.68%)", rate(tokenomics.AnnualisedRate(s, s.Epochs())), "0.7010%"},
		{"annualised rate past the last epoch", rate(tokenomics.AnnualisedRate(s, s.Epochs()+1)), "0.0000%"},
		{"emitting epochs (articles: 175,319)", s.Epochs(), uint64(175_320)},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.got, tt.figure)
	}
}

func TestAnnualisedRateRejectsBadSchedules(t *testing.T) {
	tests := []struct {
		name     string
		schedule tokenomics.EmissionSchedule
		kind     error
	}{
		{"no genesis supply", levelSchedule{genesis: iog.Zero(iog.IO), each: iog.MustParseAmount("1 IO"), length: time.Hour}, iog.ErrInvalid},
		{"genesis supply without currency", levelSchedule{each: iog.MustParseAmount("1 IO"), length: time.Hour}, iog.ErrInvalid},
		{"negative genesis supply", levelSchedule{genesis: iog.MustParseAmount("-1 IO"), each: iog.MustParseAmount("1 IO"), length: time.Hour}, iog.ErrInvalid},
		{"no epoch length", levelSchedule{genesis: iog.MustParseAmount("100 IO"), each: iog.MustParseAmount("1 IO")}, iog.ErrInvalid},
		{"negative epoch length", levelSchedule{genesis: iog.MustParseAmount("100 IO"), each: iog.MustParseAmount("1 IO"), length: -time.Hour}, iog.ErrInvalid},
		// 2^62+1 base units an epoch of 7 ns over 3 base units of genesis
		// supply: the reduced fraction needs more than 64 bits.
		{"a rate beyond 64 bits", levelSchedule{genesis: iog.NewAmount(3, iog.IO), each: iog.NewAmount(1<<62+1, iog.IO), length: 7}, iog.ErrOverflow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tokenomics.AnnualisedRate(tt.schedule, 1)
			require.ErrorIs(t, err, tt.kind)
			require.True(t, r.IsZero())
			if tt.kind == iog.ErrInvalid {
				table, err := tokenomics.InflationTable(tt.schedule, 10)
				require.ErrorIs(t, err, iog.ErrInvalid)
				require.Nil(t, table)
				checks, err := tokenomics.CompareEmission(tt.schedule, tokenomics.IONetPublished())
				require.ErrorIs(t, err, iog.ErrInvalid)
				require.Nil(t, checks)
			}
		})
	}
	// A good schedule of the same shape has a rate: 1 IO an hour over
	// 8,760 IO of genesis supply is 100% a year.
	r, err := tokenomics.AnnualisedRate(levelSchedule{genesis: iog.MustParseAmount("8760 IO"), each: iog.MustParseAmount("1 IO"), length: time.Hour}, 1)
	require.NoError(t, err)
	require.Equal(t, "100%", tokenomics.Percent(r, 0))
}

func TestEmissionFallRejectsWhatDoesNotFall(t *testing.T) {
	rising, err := tokenomics.NewStepped(iog.MustParseAmount("100 IO"), time.Hour, []tokenomics.Step{
		{Epochs: 1, Total: iog.MustParseAmount("1 IO")},
		{Epochs: 1, Total: iog.MustParseAmount("2 IO")},
	})
	require.NoError(t, err)
	_, err = tokenomics.EmissionFall(rising, 1, 1)
	require.ErrorIs(t, err, iog.ErrInvalid, "emission rises")
	_, err = tokenomics.EmissionFall(rising, 0, 1)
	require.ErrorIs(t, err, iog.ErrInvalid, "epoch 0 emits nothing")
	// Falling to nothing past the last epoch is a fall of 100%.
	r, err := tokenomics.EmissionFall(rising, 2, 1)
	require.NoError(t, err)
	require.Equal(t, "100%", tokenomics.Percent(r, 0))
}

// levelSchedule is a schedule that emits the same amount every epoch, with
// whatever genesis supply and epoch length a test gives it, valid or not.
type levelSchedule struct {
	genesis, each iog.Amount
	length        time.Duration
}

func (l levelSchedule) Epochs() uint64             { return 10 }
func (l levelSchedule) EpochLength() time.Duration { return l.length }

func (l levelSchedule) Emission(epoch uint64) iog.Amount {
	if epoch == 0 || epoch > l.Epochs() {
		return iog.Zero(l.each.Currency())
	}
	return l.each
}

func (l levelSchedule) Supply(epoch uint64) iog.Amount {
	return iog.NewAmount(l.genesis.Units()+int64(min(epoch, l.Epochs()))*l.each.Units(), l.genesis.Currency())
}

func emissionTestRate(t *testing.T, num, den uint64) iog.Rate {
	t.Helper()
	r, err := iog.NewRate(num, den)
	require.NoError(t, err)
	return r
}

func TestCompletedEpochs(t *testing.T) {
	s := tokenomics.IONet()
	genesis := time.Date(2024, 6, 11, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		at   time.Time
		want uint64
	}{
		{genesis.Add(-time.Hour), 0},
		{genesis, 0},
		{genesis.Add(time.Hour - time.Nanosecond), 0},
		{genesis.Add(time.Hour), 1},
		{genesis.Add(3*time.Hour + 30*time.Minute), 3},
		{genesis.Add(20 * 8766 * time.Hour), 175_320},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tokenomics.CompletedEpochs(s, genesis, tt.at), "at %v", tt.at)
	}
	// The supply 30 years on is the cap.
	e := tokenomics.CompletedEpochs(s, genesis, genesis.AddDate(30, 0, 0))
	require.Equal(t, tokenomics.IONetMaxSupply, s.Supply(e))
}

func TestPercent(t *testing.T) {
	tests := []struct {
		num, den uint64
		places   int
		want     string
	}{
		{1, 3, 2, "33.33%"},
		{2, 3, 2, "66.67%"},
		{1, 1, 0, "100%"},
		{0, 1, 3, "0.000%"},
		{1, 200_000, 4, "0.0005%"},
		{5, 1, 1, "500.0%"},
		{1 << 62, 3, 2, "153722867280912930133.33%"},
		{1, 8, 0, "13%"}, // 12.5 rounds half up
	}
	for _, tt := range tests {
		r, err := iog.NewRate(tt.num, tt.den)
		require.NoError(t, err)
		require.Equal(t, tt.want, tokenomics.Percent(r, tt.places), "%d/%d", tt.num, tt.den)
	}
}

func TestNewGeometricRejectsBadInput(t *testing.T) {
	good := tokenomics.GeometricConfig{
		Initial:     iog.MustParseAmount("1000 IO"),
		First:       iog.MustParseAmount("10 IO"),
		Ratio:       iog.BasisPoints(9_000),
		Epochs:      100,
		EpochLength: time.Hour,
	}
	_, err := tokenomics.NewGeometric(good)
	require.NoError(t, err)
	tests := []struct {
		name   string
		change func(*tokenomics.GeometricConfig)
		kind   error
	}{
		{"no epochs", func(c *tokenomics.GeometricConfig) { c.Epochs = 0 }, iog.ErrInvalid},
		{"too many epochs", func(c *tokenomics.GeometricConfig) { c.Epochs = 1 << 40 }, iog.ErrInvalid},
		{"zero first", func(c *tokenomics.GeometricConfig) { c.First = iog.Zero(iog.IO) }, iog.ErrInvalid},
		{"negative first", func(c *tokenomics.GeometricConfig) { c.First = iog.MustParseAmount("-1 IO") }, iog.ErrInvalid},
		{"first in another currency", func(c *tokenomics.GeometricConfig) { c.First = iog.MustParseAmount("1 USDC") }, iog.ErrCurrencyMismatch},
		{"no epoch length", func(c *tokenomics.GeometricConfig) { c.EpochLength = 0 }, iog.ErrInvalid},
		{"ratio above one", func(c *tokenomics.GeometricConfig) { c.Ratio = iog.BasisPoints(10_001) }, iog.ErrInvalid},
		{"zero ratio without total", func(c *tokenomics.GeometricConfig) { c.Ratio = iog.Rate{} }, iog.ErrInvalid},
		{"total far from ratio", func(c *tokenomics.GeometricConfig) { c.Total = iog.MustParseAmount("500 IO") }, iog.ErrInvalid},
		{"initial without currency", func(c *tokenomics.GeometricConfig) { c.Initial = iog.Amount{} }, iog.ErrInvalid},
		{"overflow", func(c *tokenomics.GeometricConfig) {
			c.First = iog.NewAmount(1<<62, iog.IO)
			c.Ratio = iog.BasisPoints(10_000)
		}, iog.ErrOverflow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.change(&c)
			s, err := tokenomics.NewGeometric(c)
			require.ErrorIs(t, err, tt.kind)
			require.Nil(t, s)
		})
	}
}

func TestSolveGeometricRatioRejectsImpossibleTotals(t *testing.T) {
	first := iog.MustParseAmount("10 IO")
	_, err := tokenomics.SolveGeometricRatio(first, iog.MustParseAmount("1001 IO"), 100, 1_000_000)
	require.ErrorIs(t, err, iog.ErrInvalid, "100 level epochs of 10 IO cannot reach 1001 IO")
	_, err = tokenomics.SolveGeometricRatio(first, iog.MustParseAmount("9 IO"), 100, 1_000_000)
	require.ErrorIs(t, err, iog.ErrInvalid)
	r, err := tokenomics.SolveGeometricRatio(first, iog.MustParseAmount("1000 IO"), 100, 1_000_000)
	require.NoError(t, err)
	require.Equal(t, "1", r.String(), "a level emission fits exactly")

	// More epochs than any schedule may have is refused before the
	// bisection walks them: a caller's typo must not spin for hours. (A
	// base unit a year over 2^40 epochs would otherwise run the level sum
	// alone for 10^12 steps.)
	unit := iog.NewAmount(1, iog.IO)
	_, err = tokenomics.SolveGeometricRatio(first, iog.MustParseAmount("1000000 IO"), 100*8766+1, 1_000_000)
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = tokenomics.SolveGeometricRatio(unit, iog.MustParseAmount("1000000000 IO"), 1<<40, 1_000_000)
	require.ErrorIs(t, err, iog.ErrInvalid)
}

// TestSchedulesProperties checks, for random geometric and stepped
// schedules, that Supply is the running sum of Emission, never decreases
// and never passes the final supply.
func TestSchedulesProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for i := range 60 {
		var s tokenomics.EmissionSchedule
		var err error
		initial := iog.NewAmount(rng.Int64N(1e12), iog.IO)
		if i%2 == 0 {
			s, err = tokenomics.NewGeometric(tokenomics.GeometricConfig{
				Initial:     initial,
				First:       iog.NewAmount(1+rng.Int64N(1e12), iog.IO),
				Ratio:       iog.BasisPoints(uint64(5_000 + rng.IntN(5_001))),
				Epochs:      1 + rng.Uint64N(2_000),
				EpochLength: time.Hour,
			})
		} else {
			steps := make([]tokenomics.Step, 1+rng.IntN(6))
			for j := range steps {
				steps[j] = tokenomics.Step{Epochs: 1 + rng.Uint64N(300), Total: iog.NewAmount(rng.Int64N(1e10), iog.IO)}
			}
			s, err = tokenomics.NewStepped(initial, time.Minute, steps)
		}
		require.NoError(t, err)
		checkScheduleConsistent(t, s)
	}
}

func checkScheduleConsistent(t *testing.T, s tokenomics.EmissionSchedule) {
	t.Helper()
	supply := s.Supply(0).Units()
	final := s.Supply(s.Epochs()).Units()
	for e := uint64(1); e <= s.Epochs()+2; e++ {
		em := s.Emission(e).Units()
		supply += em
		if em < 0 || supply != s.Supply(e).Units() || supply > final {
			t.Fatalf("epoch %d: emission %d, running supply %d, Supply %v, final %d", e, em, supply, s.Supply(e), final)
		}
	}
	require.Equal(t, final, supply)
	require.Equal(t, final-s.Supply(0).Units(), tokenomics.Emitted(s, 1, s.Epochs()).Units())
	require.True(t, tokenomics.Emitted(s, 5, 4).IsZero())
}

func TestStepped(t *testing.T) {
	s, err := tokenomics.NewStepped(iog.MustParseAmount("100 IO"), time.Hour, []tokenomics.Step{
		{Epochs: 3, Total: iog.NewAmount(10, iog.IO)}, // 4, 3, 3 base units
		{Epochs: 2, Total: iog.NewAmount(0, iog.IO)},
		{Epochs: 1, Total: iog.NewAmount(7, iog.IO)},
	})
	require.NoError(t, err)
	var got []int64
	for e := uint64(0); e <= 7; e++ {
		got = append(got, s.Emission(e).Units())
	}
	require.Equal(t, []int64{0, 4, 3, 3, 0, 0, 7, 0}, got)
	require.Equal(t, iog.NewAmount(100e8+17, iog.IO), s.Supply(99))
	checkScheduleConsistent(t, s)

	bad := []struct {
		name  string
		steps []tokenomics.Step
		kind  error
	}{
		{"none", nil, iog.ErrInvalid},
		{"empty step", []tokenomics.Step{{Epochs: 0, Total: iog.NewAmount(1, iog.IO)}}, iog.ErrInvalid},
		{"negative", []tokenomics.Step{{Epochs: 1, Total: iog.NewAmount(-1, iog.IO)}}, iog.ErrInvalid},
		{"currency", []tokenomics.Step{{Epochs: 1, Total: iog.NewAmount(1, iog.USDC)}}, iog.ErrCurrencyMismatch},
		{"overflow", []tokenomics.Step{{Epochs: 1, Total: iog.NewAmount(1<<62, iog.IO)}, {Epochs: 1, Total: iog.NewAmount(1<<62, iog.IO)}}, iog.ErrOverflow},
	}
	for _, tt := range bad {
		_, err := tokenomics.NewStepped(iog.MustParseAmount("100 IO"), time.Hour, tt.steps)
		require.ErrorIs(t, err, tt.kind, tt.name)
	}
}

func TestHalving(t *testing.T) {
	s := tokenomics.IONetHalving()
	table, err := tokenomics.InflationTable(s, tokenomics.IONetEpochsPerYear)
	require.NoError(t, err)
	require.Len(t, table, 20)
	want := []string{"6000000", "6000000", "3000000", "3000000", "1500000", "1500000", "750000", "750000"}
	for i, w := range want {
		require.Equal(t, w, table[i].Emitted.Decimal(), "year %d", i+1)
	}
	require.Equal(t, "11718.75", table[19].Emitted.Decimal())
	checkScheduleConsistent(t, s)

	_, err = tokenomics.NewHalving(tokenomics.HalvingConfig{Initial: iog.Zero(iog.IO), FirstYear: iog.MustParseAmount("1 IO"), EpochLength: time.Hour})
	require.True(t, errors.Is(err, iog.ErrInvalid))
}
