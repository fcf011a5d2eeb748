package tokenomics_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics"
)

func TestIONetAllocations(t *testing.T) {
	a := tokenomics.IONetAllocations()
	require.NoError(t, a.Validate())
	amounts, err := a.Amounts()
	require.NoError(t, err)
	var got []string
	total := iog.Zero(iog.IO)
	for _, am := range amounts {
		got = append(got, am.String())
		total, err = total.Add(am)
		require.NoError(t, err)
	}
	require.Equal(t, []string{"400000000 IO", "128000000 IO", "90400000 IO", "100000000 IO", "81600000 IO"}, got)
	require.Equal(t, tokenomics.IONetMaxSupply, total)
}

func TestVestingTimeline(t *testing.T) {
	a := tokenomics.IONetAllocations()
	launch := a.Launch
	tests := []struct {
		at   time.Time
		seed string // the seed investors' 100,000,000 IO
		rnd  string // R&D's 128,000,000 IO: 10% at launch, the rest over 48 months
	}{
		{launch.Add(-time.Hour), "0 IO", "0 IO"},
		{launch, "0 IO", "12800000 IO"},
		{launch.AddDate(0, 12, 0).Add(-time.Second), "0 IO", "39200000 IO"}, // 12,800,000 + 11 months of 2,400,000
		{launch.AddDate(0, 12, 0), "33333333.33333333 IO", "41600000 IO"},
		{launch.AddDate(0, 13, 0), "36111111.1111111 IO", "44000000 IO"},
		{launch.AddDate(0, 36, 0), "100000000 IO", "99200000 IO"},
		{launch.AddDate(10, 0, 0), "100000000 IO", "128000000 IO"},
	}
	for _, tt := range tests {
		u, err := a.Unlocked(tt.at)
		require.NoError(t, err)
		require.Equal(t, tt.seed, u[3].String(), "seed at %v", tt.at)
		require.Equal(t, tt.rnd, u[1].String(), "R&D at %v", tt.at)
	}
	// Unlocking never goes backwards and never passes the slice.
	amounts, err := a.Amounts()
	require.NoError(t, err)
	prev, err := a.Unlocked(launch)
	require.NoError(t, err)
	for m := 1; m <= 250; m++ {
		u, err := a.Unlocked(launch.AddDate(0, m, 0))
		require.NoError(t, err)
		for i := range u {
			require.GreaterOrEqual(t, u[i].Units(), prev[i].Units())
			require.LessOrEqual(t, u[i].Units(), amounts[i].Units())
		}
		prev = u
	}
	require.Equal(t, amounts, prev, "everything unlocks in the end")
}

func TestAllocationsValidate(t *testing.T) {
	good := tokenomics.IONetAllocations()
	tests := []struct {
		name   string
		change func(*tokenomics.Allocations)
	}{
		{"shares short of one", func(a *tokenomics.Allocations) { a.Slices[0].Share = iog.BasisPoints(4_999) }},
		{"no slices", func(a *tokenomics.Allocations) { a.Slices = nil }},
		{"no name", func(a *tokenomics.Allocations) { a.Slices[1].Name = "" }},
		{"over-unlocked", func(a *tokenomics.Allocations) {
			a.Slices[2].Vesting.TGE = iog.BasisPoints(8_000)
			a.Slices[2].Vesting.AtCliff = iog.BasisPoints(3_000)
		}},
		{"nothing to vest over", func(a *tokenomics.Allocations) { a.Slices[2].Vesting.Months = 0 }},
		{"negative months", func(a *tokenomics.Allocations) { a.Slices[2].Vesting.CliffMonths = -1 }},
		{"no total", func(a *tokenomics.Allocations) { a.Total = iog.Zero(iog.IO) }},
	}
	for _, tt := range tests {
		a := good
		a.Slices = append([]tokenomics.Allocation(nil), good.Slices...)
		tt.change(&a)
		require.ErrorIs(t, a.Validate(), iog.ErrInvalid, tt.name)
		_, err := a.Unlocked(a.Launch)
		require.ErrorIs(t, err, iog.ErrInvalid, tt.name)
	}
}
