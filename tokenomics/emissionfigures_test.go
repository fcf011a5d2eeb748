package tokenomics_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics"
)

// TestCompareEmissionIONet names every published figure the io.net preset
// reproduces and every one it departs from, with the size of the
// departure: it keeps the documentation's, and the articles' where they
// do not contradict it.
func TestCompareEmissionIONet(t *testing.T) {
	const docs, articles = "io.net's documentation", "the 2024 launch articles"
	checks, err := tokenomics.CompareEmission(tokenomics.IONet(), tokenomics.IONetPublished())
	require.NoError(t, err)
	want := []tokenomics.FigureCheck{
		{Figure: "genesis supply", Source: docs, Published: "500000000 IO", Schedule: "500000000 IO", Holds: true},
		{Figure: "total emitted", Source: docs, Published: "300000000 IO", Schedule: "300000000 IO", Holds: true},
		{Figure: "supply cap", Source: docs, Published: "800000000 IO", Schedule: "800000000 IO", Holds: true},
		{Figure: "annualised rate of the first epoch", Source: docs, Published: "8%", Schedule: "8.0000%", Holds: true},
		{Figure: "monthly fall per 730 h", Source: docs, Published: "1.015%", Schedule: "1.0086%", Departure: "0.0064 percentage points less"},
		{Figure: "yearly fall per 8,760 h", Source: articles, Published: "12.165%", Schedule: "11.4542%", Departure: "0.7108 percentage points less"},
		{Figure: "yearly fall uncompounded, one epoch's fall × 8,760", Source: articles, Published: "12.165%", Schedule: "12.1650%", Holds: true},
		{Figure: "annualised rate of the last epoch", Source: articles, Published: "0.68%", Schedule: "0.7010%", Departure: "0.0210 percentage points more"},
		{Figure: "emitting epochs", Source: articles, Published: "175,319", Schedule: "175,320", Departure: "1 more"},
	}
	require.Equal(t, want, checks)
}

func TestCompareEmissionFigures(t *testing.T) {
	// 1,000 IO at genesis, then 10 IO an hour for 3 hours: 8,760% a year.
	s, err := tokenomics.NewStepped(iog.MustParseAmount("1000 IO"), time.Hour, []tokenomics.Step{
		{Epochs: 3, Total: iog.MustParseAmount("30 IO")},
	})
	require.NoError(t, err)
	tests := []struct {
		name    string
		figures tokenomics.EmissionFigures
		want    []tokenomics.FigureCheck
	}{
		{"no figures, nothing checked", tokenomics.EmissionFigures{}, nil},
		{"amounts short and over", tokenomics.EmissionFigures{
			Genesis: tokenomics.Published[iog.Amount]{Value: iog.MustParseAmount("1000.5 IO"), Source: "a"},
			Cap:     tokenomics.Published[iog.Amount]{Value: iog.MustParseAmount("1029 IO"), Source: "b"},
		}, []tokenomics.FigureCheck{
			{Figure: "genesis supply", Source: "a", Published: "1000.5 IO", Schedule: "1000 IO", Departure: "0.5 IO less"},
			{Figure: "supply cap", Source: "b", Published: "1029 IO", Schedule: "1030 IO", Departure: "1 IO more"},
		}},
		// Published to a whole percent, 8,760% holds; published to one
		// place, 8,760.1% departs by a tenth of a point.
		{"rates to the precision published", tokenomics.EmissionFigures{
			StartRate: tokenomics.Published[iog.Rate]{Value: emissionTestRate(t, 876, 10), Source: "c"},
			EndRate:   tokenomics.Published[iog.Rate]{Value: emissionTestRate(t, 87_601, 1_000), Source: "d"},
		}, []tokenomics.FigureCheck{
			{Figure: "annualised rate of the first epoch", Source: "c", Published: "8760%", Schedule: "8760.0000%", Holds: true},
			{Figure: "annualised rate of the last epoch", Source: "d", Published: "8760.1%", Schedule: "8760.0000%", Departure: "0.1000 percentage points less"},
		}},
		{"a fall over two of the three epochs, and fewer epochs", tokenomics.EmissionFigures{
			MonthlyFall: tokenomics.Published[iog.Rate]{Value: iog.BasisPoints(50), Source: "e"},
			Month:       2 * time.Hour,
			Epochs:      tokenomics.Published[uint64]{Value: 1_005, Source: "f"},
		}, []tokenomics.FigureCheck{
			{Figure: "monthly fall per 2 h", Source: "e", Published: "0.5%", Schedule: "0.0000%", Departure: "0.5000 percentage points less"},
			{Figure: "emitting epochs", Source: "f", Published: "1,005", Schedule: "3", Departure: "1,002 fewer"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tokenomics.CompareEmission(s, tt.figures)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}

	fall := tokenomics.Published[iog.Rate]{Value: iog.BasisPoints(100), Source: "g"}
	// A month of epochs shorter than an hour is named as a duration.
	minutes, err := tokenomics.NewStepped(iog.MustParseAmount("1000 IO"), time.Minute, []tokenomics.Step{
		{Epochs: 3, Total: iog.MustParseAmount("30 IO")},
	})
	require.NoError(t, err)
	got, err := tokenomics.CompareEmission(minutes, tokenomics.EmissionFigures{MonthlyFall: fall, Month: 2 * time.Minute})
	require.NoError(t, err)
	require.Equal(t, []tokenomics.FigureCheck{
		{Figure: "monthly fall per 2m0s", Source: "g", Published: "1%", Schedule: "0.0000%", Departure: "1.0000 percentage points less"},
	}, got)
	bad := []struct {
		name    string
		figures tokenomics.EmissionFigures
	}{
		{"a month of no length", tokenomics.EmissionFigures{MonthlyFall: fall}},
		{"a month that is not whole epochs", tokenomics.EmissionFigures{MonthlyFall: fall, Month: 90 * time.Minute}},
		{"a month as long as the schedule", tokenomics.EmissionFigures{MonthlyFall: fall, Month: 3 * time.Hour}},
		{"a yearly fall on a schedule of three hours", tokenomics.EmissionFigures{YearlyFall: fall}},
	}
	for _, tt := range bad {
		got, err := tokenomics.CompareEmission(s, tt.figures)
		require.ErrorIs(t, err, iog.ErrInvalid, tt.name)
		require.Nil(t, got, tt.name)
	}
}
