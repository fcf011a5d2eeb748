package refserver_test

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/refserver"
)

// TestConfigProofBounds checks that New refuses a proof slack that a
// device's eligibility could not wait for, and changes nothing on disk.
func TestConfigProofBounds(t *testing.T) {
	for _, tc := range []struct {
		name            string
		interval, slack time.Duration
		ok              bool
	}{
		{"defaults", 0, 0, true},
		{"the default slack in a short interval", 2 * time.Minute, 0, false},
		{"a slack of a quarter of the interval", time.Hour, 15 * time.Minute, false},
		{"a slack under a quarter of the interval", time.Hour, 15*time.Minute - time.Second, true},
		{"a slack longer than the default interval", 0, 2 * time.Hour, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := refserver.New(ctx, refserver.Config{DataDir: dir, ProofInterval: tc.interval, ProofSlack: tc.slack})
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
