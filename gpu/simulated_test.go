package gpu_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// TestSimulatedProbe: every catalog model simulates as hardware the checks
// accept, with telemetry that moves between probes.
func TestSimulatedProbe(t *testing.T) {
	for _, m := range iog.GPUModels() {
		p, err := gpu.NewSimulatedProbe(m.Name, 2, 7)
		require.NoError(t, err, m.Name)
		a, err := p.Probe(context.Background())
		require.NoError(t, err)
		b, err := p.Probe(context.Background())
		require.NoError(t, err)
		require.Equal(t, a.GPUs[0].GPU, b.GPUs[0].GPU, "the same GPUs")
		require.NotEqual(t, a.GPUs[0].Telemetry, b.GPUs[0].Telemetry, "live telemetry")
		models, err := gpu.CheckHardware("dev-1", a, gpu.Limits{})
		require.NoError(t, err, m.Name)
		require.Equal(t, m.Name, models[0].Name)
	}
	_, err := gpu.NewSimulatedProbe("H9000", 1, 1)
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = gpu.NewSimulatedProbe("H100-SXM", 0, 1)
	require.ErrorIs(t, err, iog.ErrInvalid)
}
