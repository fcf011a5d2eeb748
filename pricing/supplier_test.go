package pricing_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/pricing"
)

// fixedScore is a Scorer with known figures.
type fixedScore pricing.Score

func (s fixedScore) HardwareScore() pricing.Score { return pricing.Score(s) }

func device(models ...string) iog.Device {
	d := iog.Device{ID: "dev-1", Location: iog.Location{Country: "DE", Region: "Hesse"},
		Bandwidth: iog.Bandwidth{DownBytesPerSec: 500e6, UpBytesPerSec: 350e6}}
	for i, m := range models {
		d.GPUs = append(d.GPUs, iog.GPU{UUID: string(rune('a' + i)), Model: m, MemoryBytes: 80 << 30})
	}
	return d
}

func TestDeviceRequest(t *testing.T) {
	req, err := pricing.DeviceRequest(device("NVIDIA H100 80GB HBM3", "NVIDIA H100 80GB HBM3"), 24, iog.USDC, nil)
	require.NoError(t, err)
	require.Equal(t, pricing.Request{
		Requirements: iog.Requirements{GPUModel: "H100-SXM", GPUCount: 2, Bandwidth: iog.MediumBandwidth, Locations: []iog.Location{{Country: "DE", Region: "Hesse"}}},
		Hours:        24, Currency: iog.USDC, Payout: iog.USDC,
	}, req)

	// A family name with memory to tell the model apart.
	req, err = pricing.DeviceRequest(device("NVIDIA A100-SXM4"), 1, iog.IO, nil)
	require.NoError(t, err)
	require.Equal(t, "A100-80GB", req.GPUModel)

	score := fixedScore{FP16GFLOPS: 200_000, MemoryBytes: 24 << 30}
	req, err = pricing.DeviceRequest(device("Moore Threads MTT S4000"), 10, iog.IO, score)
	require.NoError(t, err)
	require.Empty(t, req.GPUModel)
	require.Equal(t, pricing.Score(score), req.Score)

	m := newModel(t)
	q, err := m.Quote(req, noon)
	require.NoError(t, err)
	require.Positive(t, q.Fees.SupplierReceives.Units(), "what the device earns")
}

func TestDeviceRequestRejects(t *testing.T) {
	tests := []struct {
		name   string
		d      iog.Device
		payout iog.Currency
		score  pricing.Scorer
		want   string
	}{
		{"no GPU", device(), iog.IO, nil, "no GPU to price"},
		{"mixed models", device("NVIDIA H100 80GB HBM3", "NVIDIA GeForce RTX 4090"), iog.IO, nil, "different models"},
		{"unknown without score", device("Moore Threads MTT S4000"), iog.IO, nil, "price it from a benchmark score"},
		{"unknown and known", device("Moore Threads MTT S4000", "Tesla T4"), iog.IO, fixedScore{FP16GFLOPS: 1, MemoryBytes: 1}, "different models"},
		{"IOSD payout", device("Tesla T4"), iog.IOSD, nil, "paid out in IO or USDC"},
		{"empty score", device("Moore Threads MTT S4000"), iog.IO, fixedScore{}, "give a GPU model"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pricing.DeviceRequest(tt.d, 1, tt.payout, tt.score)
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.ErrorContains(t, err, tt.want)
		})
	}
	_, err := pricing.DeviceRequest(device("Tesla T4"), 0, iog.IO, nil)
	require.ErrorContains(t, err, "at least 1 h, the minimum rental")
}
