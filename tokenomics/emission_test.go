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
	// Yearly inflation, the year's emission over its starting supply, as
	// the closed form E1·r^(8766(k−1))·(1−r^8766)/(1−r) gives it.
	want := []string{
		"7.5374%", "6.2058%", "5.1734%", "4.3552%", "3.6951%", "3.1550%", "2.7079%",
		"2.3343%", "2.0196%", "1.7528%", "1.5251%", "1.3300%", "1.1621%", "1.0171%",
		"0.8915%", "0.7823%", "0.6873%", "0.6044%", "0.5319%", "0.4684%",
	}
	for i, w := range want {
		require.Equal(t, w, table[i].SupplyPercent(4), "year %d", i+1)
	}
	total := iog.Zero(iog.IO)
	for i, y := range table {
		require.Equal(t, i+1, y.Year)
		require.Equal(t, uint64(i)*8766+1, y.FirstEpoch)
		require.Equal(t, uint64(i+1)*8766, y.LastEpoch)
		total, err = total.Add(y.Emitted)
		require.NoError(t, err)
		if i > 0 {
			require.Equal(t, table[i-1].End, y.Start)
			require.Equal(t, -1, y.SupplyRate().Cmp(table[i-1].SupplyRate()), "inflation falls every year")
		}
	}
	require.Equal(t, tokenomics.IONetEmissionTotal, total)
	_, err = tokenomics.InflationTable(tokenomics.IONet(), 0)
	require.ErrorIs(t, err, iog.ErrInvalid)
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
