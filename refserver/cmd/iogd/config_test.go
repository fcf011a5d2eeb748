package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/refserver"
	"github.com/internetofgpus/iog/tokenomics/solana"
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
		require.Equal(t, [2]time.Duration{5 * time.Minute, 30 * time.Minute}, [2]time.Duration{real(cfg.SessionChallengeTTL), real(cfg.SessionTTL)}, "speed %d: sessions in real time", speed)
		s, err := refserver.New(context.Background(), cfg)
		require.NoError(t, err, "speed %d", speed)
		require.NoError(t, s.Close())
	}
}

// TestSolanaOptions: settlement on Solana is off by default, on with an
// RPC endpoint and its mints (or a test network), and settings that do
// not go together are refused, saying why.
func TestSolanaOptions(t *testing.T) {
	dir := t.TempDir()
	authority := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))
	keyFile := filepath.Join(dir, "authority.json")
	require.NoError(t, os.WriteFile(keyFile, iog.MarshalSolanaKeypair(authority), 0o600))
	badKey := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(badKey, []byte("[1,2,3]"), 0o600))
	addr := func(b byte) iog.WalletAddress { return iog.WalletAddress(bytes.Repeat([]byte{b}, 32)) }
	mints := fmt.Sprintf("IO=%v:issued, IOSD=%v:issued,USDC=%v", addr(1), addr(2), addr(3))
	const rpc = "http://127.0.0.1:8899"

	o, err := parseOptions(nil, func(string) string { return "" }, io.Discard)
	require.NoError(t, err)
	require.Empty(t, o.SolanaRPC, "off by default")

	env := map[string]string{"IOG_SOLANA_RPC": rpc, "IOG_SOLANA_MINTS": mints}
	o, err = parseOptions([]string{"-solana-keypair", keyFile}, func(k string) string { return env[k] }, io.Discard)
	require.NoError(t, err)
	require.Equal(t, rpc, o.SolanaRPC)
	require.Equal(t, authority, o.SolanaKeypair)
	require.Nil(t, o.SolanaFeePayer)
	require.Equal(t, map[iog.Currency]solana.Mint{iog.IO: {Address: addr(1), Issued: true}, iog.IOSD: {Address: addr(2), Issued: true}, iog.USDC: {Address: addr(3)}}, o.SolanaMints)

	o, err = parseOptions([]string{"-solana-rpc", rpc, "-solana-test-network", "-solana-fee-payer", keyFile}, func(string) string { return "" }, io.Discard)
	require.NoError(t, err)
	require.True(t, o.SolanaTestNetwork)
	require.Equal(t, authority, o.SolanaFeePayer)
	require.Nil(t, o.SolanaKeypair, "the server's key")

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-solana-test-network"}, "give -solana-rpc too"},
		{[]string{"-solana-mints", mints}, "give -solana-rpc too"},
		{[]string{"-solana-keypair", keyFile}, "give -solana-rpc too"},
		{[]string{"-solana-rpc", rpc}, "needs the mints"},
		{[]string{"-solana-rpc", "127.0.0.1:8899", "-solana-test-network"}, "want the URL of a Solana JSON-RPC endpoint"},
		{[]string{"-solana-rpc", "ftp://127.0.0.1", "-solana-test-network"}, "want the URL of a Solana JSON-RPC endpoint"},
		{[]string{"-solana-rpc", rpc, "-solana-test-network", "-solana-mints", mints}, "not both"},
		{[]string{"-solana-rpc", rpc, "-solana-mints", fmt.Sprintf("IO=%v", addr(1))}, "no mint for IOSD"},
		{[]string{"-solana-rpc", rpc, "-solana-mints", fmt.Sprintf("IO=%v,IO=%v", addr(1), addr(2))}, "two mints for IO"},
		{[]string{"-solana-rpc", rpc, "-solana-mints", "IO"}, "CURRENCY=ADDRESS"},
		{[]string{"-solana-rpc", rpc, "-solana-mints", fmt.Sprintf("GOLD=%v", addr(1))}, "unknown currency"},
		{[]string{"-solana-rpc", rpc, "-solana-mints", "IO=0OIl"}, "wallet address"},
		{[]string{"-solana-rpc", rpc, "-solana-test-network", "-solana-keypair", badKey}, "solana keypair: 3 numbers"},
		{[]string{"-solana-rpc", rpc, "-solana-test-network", "-solana-fee-payer", badKey + ".missing"}, "no such file"},
	} {
		_, err := parseOptions(c.args, func(string) string { return "" }, io.Discard)
		require.ErrorContains(t, err, c.want, "%v", c.args)
		var stderr bytes.Buffer
		require.Equal(t, 2, run(context.Background(), c.args, func(string) string { return "" }, io.Discard, &stderr), "%v", c.args)
		require.Contains(t, stderr.String(), c.want)
	}
}

// TestReadMints: a test network's kept mints are read back, and a file
// that does not name the three is refused, saying which.
func TestReadMints(t *testing.T) {
	path := filepath.Join(t.TempDir(), mintsFile)
	addr := func(b byte) iog.WalletAddress { return iog.WalletAddress(bytes.Repeat([]byte{b}, 32)) }
	for _, c := range []struct {
		name, data, err string
	}{
		{"the three", fmt.Sprintf(`{"IO":"%v","IOSD":"%v","USDC":"%v"}`, addr(1), addr(2), addr(3)), ""},
		{"one missing", fmt.Sprintf(`{"IO":"%v","IOSD":"%v"}`, addr(1), addr(2)), "the USDC mint"},
		{"not an address", `{"IO":"x0","IOSD":"x","USDC":"x"}`, "the IO mint"},
		{"not JSON", `[`, mintsFile},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(path, []byte(c.data), 0o600))
			got, err := readMints(path)
			if c.err != "" {
				require.ErrorContains(t, err, c.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, map[iog.Currency]solana.Mint{iog.IO: {Address: addr(1), Issued: true}, iog.IOSD: {Address: addr(2), Issued: true}, iog.USDC: {Address: addr(3), Issued: true}}, got)
		})
	}
}
