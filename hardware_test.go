package iog_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

func TestBandwidthTier(t *testing.T) {
	const mb = 1_000_000
	for _, tt := range []struct {
		down, up uint64
		want     iog.BandwidthTier
	}{
		{0, 0, iog.UnratedBandwidth},
		{99 * mb, 1000 * mb, iog.UnratedBandwidth},
		{100 * mb, 74 * mb, iog.UnratedBandwidth},
		{100 * mb, 75 * mb, iog.LowBandwidth},
		{400 * mb, 299 * mb, iog.LowBandwidth},
		{400 * mb, 300 * mb, iog.MediumBandwidth},
		{799 * mb, 800 * mb, iog.MediumBandwidth},
		{800 * mb, 0, iog.HighBandwidth},
	} {
		got := iog.Bandwidth{DownBytesPerSec: tt.down, UpBytesPerSec: tt.up}.Tier()
		require.Equal(t, tt.want, got, "%d/%d MB/s", tt.down/mb, tt.up/mb)
	}
	require.Less(t, iog.LowBandwidth, iog.HighBandwidth, "better tiers compare greater")
	for _, tier := range []iog.BandwidthTier{iog.UnratedBandwidth, iog.LowBandwidth, iog.MediumBandwidth, iog.HighBandwidth} {
		parsed, err := iog.ParseBandwidthTier(tier.String())
		require.NoError(t, err)
		require.Equal(t, tier, parsed)
	}
	_, err := iog.ParseBandwidthTier("fast")
	require.ErrorIs(t, err, iog.ErrInvalid)
	require.Equal(t, "BandwidthTier(9)", iog.BandwidthTier(9).String())
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
	require.False(t, iog.BandwidthTier(4).Valid())
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
