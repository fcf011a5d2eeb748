package iog_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

func TestParseGPUShare(t *testing.T) {
	for in, want := range map[string]iog.GPUShare{"0.46": 460, "1": 1000, "1.000": 1000, "0.001": 1, "0.5": 500} {
		got, err := iog.ParseGPUShare(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	require.Equal(t, "0.46", iog.GPUShare(460).String())
	require.Equal(t, "1", iog.FullGPU.String())
	for _, bad := range []string{"0", "0.0001", "1.001", "2", "-0.5", ".5", "half", ""} {
		_, err := iog.ParseGPUShare(bad)
		require.ErrorIs(t, err, iog.ErrInvalid, bad)
	}
}

func TestRequirementsValidate(t *testing.T) {
	valid := []iog.Requirements{
		{GPUModel: "H100", GPUCount: 8, Placement: iog.CoLocated, MaxRTT: 5 * time.Millisecond,
			Locations: []iog.Location{{Country: "US"}}, BudgetPerHour: iog.MustParseAmount("20 USD")},
		{GPUCount: 1, GPUShare: 460},
		{CPUMilli: 4000, MemoryBytes: 16 << 30},
		{GPUClass: iog.DatacenterGPU, GPUCount: 1024, Placement: iog.GeoDistributed, Priority: -3},
	}
	for _, r := range valid {
		require.NoError(t, r.Validate(), "%+v", r)
	}

	for _, tt := range []struct {
		r   iog.Requirements
		msg string
	}{
		{iog.Requirements{}, "nothing requested"},
		{iog.Requirements{GPUCount: -1}, "GPU count -1 is negative"},
		{iog.Requirements{GPUCount: 1, GPUShare: 1001}, "more than one GPU"},
		{iog.Requirements{GPUCount: 2, GPUShare: 500}, "needs a GPU count of 1, not 2"},
		{iog.Requirements{CPUMilli: 1, GPUModel: "H100"}, "GPU count of 0"},
		{iog.Requirements{GPUCount: 1, GPUClass: 9}, "not a GPU class"},
		{iog.Requirements{GPUCount: 1, Bandwidth: 9}, "not a bandwidth tier"},
		{iog.Requirements{GPUCount: 1, Placement: 9}, "not a placement"},
		{iog.Requirements{GPUCount: 1, MaxRTT: -1}, "max RTT -1ns is negative"},
		{iog.Requirements{GPUCount: 1, MaxDuration: -time.Hour}, "max duration -1h0m0s is negative"},
		{iog.Requirements{GPUCount: 1, Locations: []iog.Location{{Country: "Atlantis"}}}, "allowed location 1: "},
		{iog.Requirements{GPUCount: 1, BudgetPerHour: iog.MustParseAmount("-1 USDC")}, "budget per hour -1 USDC: must not be negative"},
		{iog.Requirements{GPUCount: 1, BudgetPerHour: iog.NewAmount(5, 0)}, "no valid currency"},
	} {
		err := tt.r.Validate()
		require.ErrorIs(t, err, iog.ErrInvalid, tt.msg)
		require.ErrorContains(t, err, tt.msg)
	}
}

func TestRequirementsShape(t *testing.T) {
	r := iog.Requirements{GPUCount: 8}
	require.Equal(t, iog.FullGPU, r.Share())
	require.Equal(t, uint64(8000), r.GPUMilli())
	r = iog.Requirements{GPUCount: 1, GPUShare: 460}
	require.Equal(t, uint64(460), r.GPUMilli())

	require.True(t, iog.Requirements{}.Allows(singapore))
	eu := iog.Requirements{Locations: []iog.Location{{Country: "DE"}, {Country: "US", Region: "California"}}}
	require.True(t, eu.Allows(sanFrancisco))
	require.False(t, eu.Allows(newYork))
	require.Equal(t, "co-located", iog.CoLocated.String())
	require.Equal(t, "Placement(5)", iog.Placement(5).String())
}

func FuzzParseGPUShare(f *testing.F) {
	for _, s := range []string{"0.46", "1", "0.0001", "2", "8.6"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if share, err := iog.ParseGPUShare(s); err == nil {
			require.LessOrEqual(t, share, iog.FullGPU)
			again, err := iog.ParseGPUShare(share.String())
			require.NoError(t, err)
			require.Equal(t, share, again)
		} else {
			require.ErrorIs(t, err, iog.ErrInvalid)
		}
		if cc, err := iog.ParseComputeCapability(s); err == nil {
			again, err := iog.ParseComputeCapability(cc.String())
			require.True(t, err == nil && again == cc || cc == (iog.ComputeCapability{}), "%q", s)
		} else {
			require.ErrorIs(t, err, iog.ErrInvalid)
		}
	})
}
