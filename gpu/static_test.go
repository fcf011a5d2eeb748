package gpu_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

const staticH100 = `{
 "Host": {"CPU": {"Model": "AMD EPYC 9454", "Arch": "amd64", "Cores": 48, "Threads": 96}, "MemoryBytes": 1099511627776, "OS": "linux"},
 "Driver": {"Version": "550.54.15", "CUDAVersion": "12.4"},
 "GPUs": [
  {"GPU": {"UUID": "GPU-1f9b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "Vendor": "nvidia", "Model": "NVIDIA H100 80GB HBM3",
           "MemoryBytes": 85520809984, "ComputeCapability": {"Major": 9, "Minor": 0}, "PCIe": {"Generation": 5, "Lanes": 16}},
   "Specs": {"Cores": 16896, "MaxSMClockMHz": 1980, "BoostClockMHz": 1980, "MemoryBusWidthBits": 5120, "MaxMemoryClockMHz": 2619},
   "Telemetry": {"TemperatureC": 41, "PowerMilliwatts": 120000, "Missing": ["ecc"]}}
 ]
}`

func TestParseStatic(t *testing.T) {
	inv, err := gpu.ParseStatic(strings.NewReader(staticH100))
	require.NoError(t, err)
	require.Equal(t, "AMD EPYC 9454", inv.Host.CPU.Model)
	require.Len(t, inv.GPUs, 1)
	require.Equal(t, iog.ComputeCapability{Major: 9}, inv.GPUs[0].GPU.ComputeCapability)
	require.Equal(t, []string{"ecc"}, inv.GPUs[0].Telemetry.Missing)
	require.Equal(t, gpu.Specs{Cores: 16896, MaxSMClockMHz: 1980, BoostClockMHz: 1980, MemoryBusWidthBits: 5120, MaxMemoryClockMHz: 2619}, inv.GPUs[0].Specs,
		"a static inventory can carry the figures DerivedSpec needs")

	p := gpu.StaticProbe{Inventory: inv}
	got, err := p.Probe(context.Background())
	require.NoError(t, err)
	require.Equal(t, inv, got)
	got.GPUs[0].Telemetry.Missing[0] = "changed"
	require.Equal(t, "ecc", p.Inventory.GPUs[0].Telemetry.Missing[0], "the probe hands out copies")
	_, err = gpu.CheckHardware("static-1", inv, gpu.Limits{})
	require.NoError(t, err)
}

func TestParseStaticRejects(t *testing.T) {
	gpuJSON := func(uuid, model string) string {
		return `{"GPU": {"UUID": "` + uuid + `", "Model": "` + model + `"}}`
	}
	tests := []struct {
		name, in, wantMsg string
	}{
		{"not JSON", `GPUs: 1`, "invalid character"},
		{"unknown field", `{"GPUs": [], "Wallet": "x"}`, `unknown field "Wallet"`},
		{"trailing data", `{} {}`, "data after the JSON object"},
		{"no UUID", `{"GPUs": [` + gpuJSON("", "H100") + `]}`, "GPU 0 has no UUID"},
		{"no model", `{"GPUs": [` + gpuJSON("GPU-1", "") + `]}`, `GPU "GPU-1" has no model`},
		{"repeated UUID", `{"GPUs": [` + gpuJSON("GPU-1", "H100") + `,` + gpuJSON("GPU-1", "H100") + `]}`, `GPU UUID "GPU-1" appears twice`},
		{"too many GPUs", `{"GPUs": [` + strings.Repeat(gpuJSON("x", "H100")+",", 64) + gpuJSON("y", "H100") + `]}`, "65 GPUs, more than 64"},
		{"too large", `{"Driver": {"Version": "` + strings.Repeat("9", gpu.MaxStaticBytes) + `"}}`, "more than 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := gpu.ParseStatic(strings.NewReader(tt.in))
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.ErrorContains(t, err, tt.wantMsg)
		})
	}
}

// FuzzParseStatic: no input panics the decoder, and what it accepts
// survives a round trip through JSON unchanged.
func FuzzParseStatic(f *testing.F) {
	f.Add([]byte(staticH100))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"GPUs": [{"GPU": {"UUID": "a", "Model": "b", "NVLinkPeers": ["a", "a"]}}]}`))
	f.Add([]byte(`{"Host": {"CPU": {"Cores": -1}}}`))
	f.Add([]byte(`[1,2,3]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := gpu.ParseStatic(bytes.NewReader(data))
		if err != nil {
			require.ErrorIs(t, err, iog.ErrInvalid)
			return
		}
		again, err := json.Marshal(inv)
		require.NoError(t, err)
		back, err := gpu.ParseStatic(bytes.NewReader(again))
		require.NoError(t, err)
		require.Equal(t, inv, back)
	})
}
