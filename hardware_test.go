package iog_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

func TestBandwidthTier(t *testing.T) {
	// io.net's documentation: low 100/10 MB/s, medium 400/300, high
	// 800/600, ultra 1600/1200, both directions.
	const mb = 1_000_000
	for _, tt := range []struct {
		down, up uint64
		want     iog.BandwidthTier
	}{
		{0, 0, iog.UnratedBandwidth},
		{99 * mb, 1000 * mb, iog.UnratedBandwidth},
		{100*mb - 1, 10 * mb, iog.UnratedBandwidth},
		{100 * mb, 9 * mb, iog.UnratedBandwidth},
		{100 * mb, 10*mb - 1, iog.UnratedBandwidth},
		{100 * mb, 10 * mb, iog.LowBandwidth},
		{10_000 * mb, 9 * mb, iog.UnratedBandwidth},
		{400 * mb, 299 * mb, iog.LowBandwidth},
		{399 * mb, 300 * mb, iog.LowBandwidth},
		{400 * mb, 300 * mb, iog.MediumBandwidth},
		{800 * mb, 599 * mb, iog.MediumBandwidth},
		{799 * mb, 600 * mb, iog.MediumBandwidth},
		{800 * mb, 0, iog.UnratedBandwidth},
		{800 * mb, 600 * mb, iog.HighBandwidth},
		{1600*mb - 1, 1200 * mb, iog.HighBandwidth},
		{1600 * mb, 1200*mb - 1, iog.HighBandwidth},
		{1600 * mb, 1200 * mb, iog.UltraBandwidth},
		{100_000 * mb, 100_000 * mb, iog.UltraBandwidth},
	} {
		b := iog.Bandwidth{DownBytesPerSec: tt.down, UpBytesPerSec: tt.up}
		require.Equal(t, tt.want, b.Tier(), "%d/%d B/s", tt.down, tt.up)
		require.Equal(t, tt.want, iog.DefaultBandwidthTiers().Of(b), "%d/%d B/s", tt.down, tt.up)
	}
	require.NoError(t, iog.DefaultBandwidthTiers().Validate())
	require.Less(t, iog.LowBandwidth, iog.HighBandwidth, "better tiers compare greater")
	require.Less(t, iog.HighBandwidth, iog.UltraBandwidth, "better tiers compare greater")
	for _, tier := range []iog.BandwidthTier{iog.UnratedBandwidth, iog.LowBandwidth, iog.MediumBandwidth, iog.HighBandwidth, iog.UltraBandwidth} {
		parsed, err := iog.ParseBandwidthTier(tier.String())
		require.NoError(t, err)
		require.Equal(t, tier, parsed)
	}
	require.Equal(t, "ultra", iog.UltraBandwidth.String())
	_, err := iog.ParseBandwidthTier("fast")
	require.ErrorIs(t, err, iog.ErrInvalid)
	require.Equal(t, "BandwidthTier(9)", iog.BandwidthTier(9).String())
}

func TestBandwidthTiersReplaceable(t *testing.T) {
	// A table of other figures rates by them, and only by them.
	tiers := iog.BandwidthTiers{
		iog.LowBandwidth:    {Down: 10, Up: 1},
		iog.MediumBandwidth: {Down: 20, Up: 2},
		iog.HighBandwidth:   {Down: 30, Up: 3},
		iog.UltraBandwidth:  {Down: 40, Up: 4},
	}
	require.NoError(t, tiers.Validate())
	require.Equal(t, iog.UnratedBandwidth, tiers.Of(iog.Bandwidth{DownBytesPerSec: 9, UpBytesPerSec: 4}))
	require.Equal(t, iog.LowBandwidth, tiers.Of(iog.Bandwidth{DownBytesPerSec: 10, UpBytesPerSec: 1}))
	require.Equal(t, iog.MediumBandwidth, tiers.Of(iog.Bandwidth{DownBytesPerSec: 29, UpBytesPerSec: 4}))
	require.Equal(t, iog.UltraBandwidth, tiers.Of(iog.Bandwidth{DownBytesPerSec: 40, UpBytesPerSec: 4}))
	require.Equal(t, iog.UnratedBandwidth, iog.Bandwidth{DownBytesPerSec: 40, UpBytesPerSec: 4}.Tier(),
		"the default table is not changed by another")

	// Tiers at equal thresholds are allowed: the better one wins.
	flat := tiers
	flat[iog.UltraBandwidth] = flat[iog.HighBandwidth]
	require.NoError(t, flat.Validate())
	require.Equal(t, iog.UltraBandwidth, flat.Of(iog.Bandwidth{DownBytesPerSec: 30, UpBytesPerSec: 3}))

	for name, bad := range map[string]func(*iog.BandwidthTiers){
		"unrated threshold":   func(ts *iog.BandwidthTiers) { ts[iog.UnratedBandwidth].Down = 1 },
		"ultra below high":    func(ts *iog.BandwidthTiers) { ts[iog.UltraBandwidth].Down = 29 },
		"medium upload falls": func(ts *iog.BandwidthTiers) { ts[iog.MediumBandwidth].Up = 0 },
	} {
		ts := tiers
		bad(&ts)
		require.ErrorIs(t, ts.Validate(), iog.ErrInvalid, name)
	}
}

func TestComputeCapability(t *testing.T) {
	cc, err := iog.ParseComputeCapability("8.6")
	require.NoError(t, err)
	require.Equal(t, iog.ComputeCapability{Major: 8, Minor: 6}, cc)
	require.Equal(t, "8.6", cc.String())
	require.True(t, cc.AtLeast(iog.ComputeCapability{Major: 8}))
	require.True(t, cc.AtLeast(cc))
	require.False(t, cc.AtLeast(iog.ComputeCapability{Major: 9}))
	require.False(t, cc.AtLeast(iog.ComputeCapability{Major: 8, Minor: 9}))
	require.Equal(t, "", iog.ComputeCapability{}.String())
	for _, bad := range []string{"", "8", "8.", ".6", "8.6.1", "256.0", "-1.0", "+8.0", "8.x"} {
		_, err := iog.ParseComputeCapability(bad)
		require.ErrorIs(t, err, iog.ErrInvalid, bad)
	}
}

func TestPCIeLink(t *testing.T) {
	require.Equal(t, uint64(31_504_000_000), iog.PCIeLink{Generation: 4, Lanes: 16}.BytesPerSec())
	require.Equal(t, uint64(0), iog.PCIeLink{Generation: 9, Lanes: 16}.BytesPerSec())
	require.Equal(t, uint64(0), iog.PCIeLink{}.BytesPerSec())
}

func TestGPUClassString(t *testing.T) {
	require.Equal(t, "datacenter", iog.DatacenterGPU.String())
	require.Equal(t, "any", iog.AnyGPUClass.String())
	require.Equal(t, "GPUClass(7)", iog.GPUClass(7).String())
}

func validDevice() iog.Device {
	owner, _ := iog.ParseWalletAddress("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
	return iog.Device{
		ID:    "dev-1",
		Owner: owner,
		GPUs: []iog.GPU{
			{UUID: "GPU-a", Vendor: iog.VendorNVIDIA, Model: "NVIDIA H100 80GB HBM3", MemoryBytes: 80 << 30},
			{UUID: "GPU-b", Vendor: iog.VendorNVIDIA, Model: "NVIDIA H100 80GB HBM3", MemoryBytes: 80 << 30},
		},
		Location: iog.Location{Country: "US"},
	}
}

func TestDeviceValidate(t *testing.T) {
	require.NoError(t, validDevice().Validate())
	for _, tt := range []struct {
		name   string
		mutate func(*iog.Device)
		msg    string
	}{
		{"bad id", func(d *iog.Device) { d.ID = "a b" }, "device ID"},
		{"no owner", func(d *iog.Device) { d.Owner = iog.WalletAddress{} }, "no owner wallet"},
		{"no uuid", func(d *iog.Device) { d.GPUs[1].UUID = "" }, "GPU 1 has no UUID"},
		{"dup uuid", func(d *iog.Device) { d.GPUs[1].UUID = "GPU-a" }, `"GPU-a" appears twice`},
		{"no model", func(d *iog.Device) { d.GPUs[0].Model = "" }, "GPU GPU-a has no model"},
		{"bad location", func(d *iog.Device) { d.Location.Country = "USA" }, "country code"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := validDevice()
			tt.mutate(&d)
			err := d.Validate()
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.ErrorContains(t, err, tt.msg)
		})
	}
}

func TestEnumText(t *testing.T) {
	type enums struct {
		Class     iog.GPUClass      `json:"class"`
		Tier      iog.BandwidthTier `json:"tier"`
		Placement iog.Placement     `json:"placement"`
	}
	in := enums{iog.DatacenterGPU, iog.MediumBandwidth, iog.GeoDistributed}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	require.JSONEq(t, `{"class":"datacenter","tier":"medium","placement":"geo-distributed"}`, string(b))
	var out enums
	require.NoError(t, json.Unmarshal(b, &out))
	require.Equal(t, in, out)

	for _, bad := range []string{`{"class":"server"}`, `{"tier":"fast"}`, `{"placement":"anywhere"}`} {
		err := json.Unmarshal([]byte(bad), &out)
		require.ErrorIs(t, err, iog.ErrInvalid, bad)
		require.Equal(t, in, out, "a failed decode must not change the value")
	}
	_, err = iog.ParseGPUClass("gaming")
	require.ErrorContains(t, err, `GPU class "gaming": want one of any, consumer, workstation, datacenter`)
	_, err = json.Marshal(enums{Class: 9})
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = json.Marshal(enums{Placement: 3})
	require.ErrorIs(t, err, iog.ErrInvalid)
	require.True(t, iog.UltraBandwidth.Valid())
	require.False(t, iog.BandwidthTier(5).Valid())
	require.True(t, iog.AnyPlacement.Valid())
}

func TestGPUClassEnterprise(t *testing.T) {
	for _, tc := range []struct {
		class iog.GPUClass
		want  bool
	}{
		{iog.AnyGPUClass, false},
		{iog.ConsumerGPU, false},
		{iog.WorkstationGPU, true},
		{iog.DatacenterGPU, true},
	} {
		require.Equal(t, tc.want, tc.class.Enterprise(), tc.class.String())
	}
}
