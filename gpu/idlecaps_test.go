package gpu_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// TestIdleCapsCheck checks io.net's idle-use caps at their boundaries:
// from 2024-11-04, 30% of the CPU, 5% of an enterprise GPU, 20% of a
// consumer GPU, for a device not hired.
func TestIdleCapsCheck(t *testing.T) {
	from := time.Date(2024, time.November, 4, 0, 0, 0, 0, time.UTC)
	after := from.Add(24 * time.Hour)
	h100 := func(pct uint32) gpu.GPUUse {
		return gpu.GPUUse{Model: "H100-SXM", Class: iog.DatacenterGPU, UtilizationPercent: pct}
	}
	a6000 := func(pct uint32) gpu.GPUUse {
		return gpu.GPUUse{Model: "RTX-A6000", Class: iog.WorkstationGPU, UtilizationPercent: pct}
	}
	rtx4090 := func(pct uint32) gpu.GPUUse {
		return gpu.GPUUse{Model: "RTX-4090", Class: iog.ConsumerGPU, UtilizationPercent: pct}
	}
	const stop = ": stop other work (gaming, mining) on a device lent to the network"
	tests := []struct {
		name  string
		use   gpu.IdleUse
		hired bool
		now   time.Time
		want  string
	}{
		{name: "idle", use: gpu.IdleUse{CPUPercent: 2, GPUs: []gpu.GPUUse{h100(0)}}, now: after},
		{name: "exactly 30% CPU", use: gpu.IdleUse{CPUPercent: 30}, now: after},
		{name: "31% CPU", use: gpu.IdleUse{CPUPercent: 31}, now: after,
			want: "CPU used 31% while not hired, above the 30% cap" + stop},
		{name: "31% CPU while hired", use: gpu.IdleUse{CPUPercent: 31}, hired: true, now: after},
		{name: "31% CPU the instant before the caps", use: gpu.IdleUse{CPUPercent: 31}, now: from.Add(-time.Nanosecond)},
		{name: "31% CPU the instant the caps start", use: gpu.IdleUse{CPUPercent: 31}, now: from,
			want: "CPU used 31% while not hired, above the 30% cap" + stop},
		{name: "an enterprise GPU at exactly 5%", use: gpu.IdleUse{GPUs: []gpu.GPUUse{h100(5)}}, now: after},
		{name: "an enterprise GPU at 6%", use: gpu.IdleUse{GPUs: []gpu.GPUUse{h100(6)}}, now: after,
			want: "GPU 0 (H100-SXM) used 6% while not hired, above the 5% cap on enterprise cards" + stop},
		{name: "a workstation GPU at 6%", use: gpu.IdleUse{GPUs: []gpu.GPUUse{a6000(6)}}, now: after,
			want: "GPU 0 (RTX-A6000) used 6% while not hired, above the 5% cap on enterprise cards" + stop},
		{name: "a consumer GPU at exactly 20%", use: gpu.IdleUse{GPUs: []gpu.GPUUse{rtx4090(20)}}, now: after},
		{name: "a consumer GPU at 21%", use: gpu.IdleUse{GPUs: []gpu.GPUUse{rtx4090(21)}}, now: after,
			want: "GPU 0 (RTX-4090) used 21% while not hired, above the 20% cap on consumer cards" + stop},
		{name: "a GPU of no class at 21%", use: gpu.IdleUse{GPUs: []gpu.GPUUse{{Model: "NVIDIA X", UtilizationPercent: 21}}}, now: after,
			want: "GPU 0 (NVIDIA X) used 21% while not hired, above the 20% cap on consumer cards" + stop},
		{name: "a gaming rig: CPU and GPU above", use: gpu.IdleUse{CPUPercent: 85, GPUs: []gpu.GPUUse{rtx4090(10), rtx4090(99)}}, now: after,
			want: "CPU used 85% while not hired, above the 30% cap; GPU 1 (RTX-4090) used 99% while not hired, above the 20% cap on consumer cards" + stop},
		{name: "a miner, hired", use: gpu.IdleUse{CPUPercent: 100, GPUs: []gpu.GPUUse{h100(100)}}, hired: true, now: after},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, gpu.DefaultIdleCaps().Check(tt.use, tt.hired, tt.now))
		})
	}
}

// TestIdleCapsConfigurable checks that the figures are the configuration's.
func TestIdleCapsConfigurable(t *testing.T) {
	caps := gpu.DefaultIdleCaps()
	caps.CPUPercent, caps.ConsumerGPUPercent = 50, 40
	now := time.Date(2025, time.March, 1, 0, 0, 0, 0, time.UTC)
	require.Empty(t, caps.Check(gpu.IdleUse{CPUPercent: 50, GPUs: []gpu.GPUUse{{Model: "RTX-3090", Class: iog.ConsumerGPU, UtilizationPercent: 40}}}, false, now))
	require.Contains(t, caps.Check(gpu.IdleUse{CPUPercent: 51}, false, now), "above the 50% cap")
	caps.From = now.Add(time.Hour)
	require.Empty(t, caps.Check(gpu.IdleUse{CPUPercent: 100}, false, now))
}
