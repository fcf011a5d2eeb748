package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog/refserver"
)

// TestOptionsPrecedence: flag over environment over file over default.
func TestOptionsPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "iogd.yaml")
	require.NoError(t, os.WriteFile(file, []byte("listen: 127.0.0.1:9000\nworkers: 9\nepoch: 30m\ndemo: false\n"), 0o600))
	env := map[string]string{"IOG_CONFIG": file, "IOG_WORKERS": "4", "IOG_LISTEN": "127.0.0.1:9001", "IOG_LIMIT_IP": "5000", "IOG_PROOF_N": "16"}
	o, err := parseOptions([]string{"-listen", "127.0.0.1:9002", "-limit-burst", "300"}, func(k string) string { return env[k] }, io.Discard)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:9002", o.Listen, "the flag")
	require.Equal(t, 4, o.Workers, "the environment")
	require.Equal(t, 30*time.Minute, o.Epoch, "the file")
	require.False(t, o.Demo, "the file")
	require.Equal(t, "iog-data", o.DataDir, "the default")
	require.Equal(t, 1, o.Speed, "real time outside the demo")
	require.Equal(t, 5000, o.LimitIP, "the environment")
	require.Equal(t, 300, o.LimitBurst, "the flag")
	require.Zero(t, o.LimitWallet, "the default: the server's")
	require.Equal(t, 16, o.ProofN, "the environment")
	require.Equal(t, 10*time.Second, o.StallBudget, "the default")

	o, err = parseOptions(nil, func(string) string { return "" }, io.Discard)
	require.NoError(t, err)
	require.True(t, o.Demo)
	require.Equal(t, 720, o.Speed, "an hour in five seconds in the demo")
	o, err = parseOptions([]string{"-stall-budget", "1m"}, func(string) string { return "" }, io.Discard)
	require.NoError(t, err)
	require.Equal(t, time.Minute, o.StallBudget, "the flag")

	for _, bad := range [][]string{{"-workers", "-1"}, {"-epoch", "0s"}, {"-stall-budget", "-5s"}, {"-stall-budget", "soon"}, {"-log-level", "loud"}, {"stray"}, {"-config", file + ".missing"}} {
		_, err := parseOptions(bad, func(string) string { return "" }, io.Discard)
		require.Error(t, err, "%v", bad)
	}
	require.NoError(t, os.WriteFile(file, []byte("listn: x\n"), 0o600))
	_, err = parseOptions([]string{"-config", file}, func(string) string { return "" }, io.Discard)
	require.ErrorContains(t, err, "unknown setting")
}

// TestFastClockBudgets checks that every clock speed gets bounds the
// server accepts, each at least the stall budget of real time.
func TestFastClockBudgets(t *testing.T) {
	const stall = 10 * time.Second
	for _, speed := range []int{2, 60, 720, 3600, 100_000} {
		cfg := refserver.Config{DataDir: t.TempDir()}
		fastClockBudgets(&cfg, speed, stall)
		real := func(d time.Duration) time.Duration { return d / time.Duration(speed) }
		for name, d := range map[string]time.Duration{
			"heartbeat timeout": cfg.HeartbeatTimeout, "proof slack": cfg.ProofSlack,
			"report nonce TTL": cfg.ReportNonceTTL, "clock skew": cfg.MaxClockSkew,
		} {
			require.GreaterOrEqual(t, real(d), stall, "speed %d: %s", speed, name)
		}
		s, err := refserver.New(context.Background(), cfg)
		require.NoError(t, err, "speed %d", speed)
		require.NoError(t, s.Close())
	}
}
