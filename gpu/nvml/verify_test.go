package nvml_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/gpu/nvml"
)

// What NVML reads of a DGX A100 report after report passes every check
// the Verifier runs over its window of recent readings.
func TestProbeReportsVerify(t *testing.T) {
	clock := iog.NewManualClock(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	v := gpu.NewVerifier(gpu.VerifierConfig{Clock: clock, Logger: slog.New(slog.DiscardHandler)})
	key, err := gpu.NewKeypair(rand.Reader)
	require.NoError(t, err)
	require.NoError(t, v.Register("dgx-1", key.Address()))
	probe := nvml.NewProbe(newDGX())
	for report := range 3 * gpu.TelemetryWindow {
		inv, err := probe.Probe(context.Background())
		require.NoError(t, err)
		ch, err := v.Challenge("dgx-1")
		require.NoError(t, err)
		signed, err := key.SignReport(gpu.Report{Device: "dgx-1", Nonce: ch.Nonce, Inventory: inv})
		require.NoError(t, err)
		_, err = v.Verify(signed)
		require.NoError(t, err, "report %d", report)
		clock.Advance(time.Hour)
	}
}
