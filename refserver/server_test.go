package refserver_test

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/refserver"
)

// TestConfigProofBounds checks that New refuses a proof slack that a
// device's eligibility could not wait for, or a proof order out of
// gpu's bounds, and changes nothing on disk.
func TestConfigProofBounds(t *testing.T) {
	for _, tc := range []struct {
		name            string
		interval, slack time.Duration
		proofN          int
		ok              bool
	}{
		{"defaults", 0, 0, 0, true},
		{"the default slack in a short interval", 2 * time.Minute, 0, 0, false},
		{"a slack of a quarter of the interval", time.Hour, 15 * time.Minute, 0, false},
		{"a slack under a quarter of the interval", time.Hour, 15*time.Minute - time.Second, 0, true},
		{"a slack longer than the default interval", 0, 2 * time.Hour, 0, false},
		{"a small proof order", 0, 0, 8, true},
		{"the largest proof order", 0, 0, gpu.MaxProofN, true},
		{"a proof order over the largest", 0, 0, gpu.MaxProofN + 1, false},
		{"a negative proof order", 0, 0, -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := refserver.New(ctx, refserver.Config{DataDir: dir, ProofInterval: tc.interval, ProofSlack: tc.slack, ProofN: tc.proofN})
			if tc.ok {
				require.NoError(t, err)
				require.NoError(t, s.Close())
				return
			}
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.Nil(t, s)
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			require.Empty(t, entries, "a refused configuration writes nothing")
		})
	}
}
