package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	solanago "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/tokenomics/solana/solanatest"
)

// TestSettleOnSolana runs the demonstration settling onto a LiteSVM
// validator as a test network: iogd funds its fee payer, creates the
// mints and keeps them, and the demo's entries land on the chain under
// the signatures the API shows. Started again on the same data
// directory, it settles on the same mints and goes on.
func TestSettleOnSolana(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole network")
	}
	v := solanatest.Start(t, solanatest.Config{SlotTime: 10 * time.Millisecond, BlockhashValidity: 20})
	dir := t.TempDir()
	args := []string{"-data", dir, "-listen", "127.0.0.1:0", "-relay", "127.0.0.1:0", "-workers", "1", "-renters", "1", "-log-level", "error", "-stall-budget", "2m",
		"-solana-rpc", v.URL(), "-solana-test-network"}
	settled := settleUntil(t, args, v, 0)
	mints, err := os.ReadFile(filepath.Join(dir, mintsFile))
	require.NoError(t, err)
	var kept map[string]string
	require.NoError(t, json.Unmarshal(mints, &kept))
	require.Len(t, kept, 3, "IO, IOSD and USDC")
	again := settleUntil(t, args, v, settled)
	after, err := os.ReadFile(filepath.Join(dir, mintsFile))
	require.NoError(t, err)
	require.Equal(t, mints, after, "the same mints")
	t.Logf("%d entries settled, %d after the restart", settled, again)
}

var apiLine = regexp.MustCompile(`API +(http://127\.0\.0\.1:\d+)/v1`)

// settleUntil runs iogd with args until its ledger is settled on v to
// entry from+5 or further (the demo's first faucet grants, or what it did
// next), checks that the latest settled transactions are on the
// chain under the signatures the API shows, stops iogd and returns how
// far it settled. It fails t after a few minutes (the bound of a hang).
func settleUntil(t *testing.T, args []string, v *solanatest.Validator, from uint64) uint64 {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, func(string) string { return "" }, &out, &stderr) }()
	fail := func(format string, a ...any) {
		t.Helper()
		cancel()
		<-done
		t.Fatalf(format+"\n%s\n%s", append(a, out.String(), stderr.String())...)
	}
	deadline := time.Now().Add(5 * time.Minute)
	var url string
	var settled uint64
	for settled < from+5 {
		select {
		case code := <-done:
			t.Fatalf("iogd stopped (%d) with %d entries settled:\n%s\n%s", code, settled, out.String(), stderr.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			fail("iogd settled %d entries in 5 minutes, not %d", settled, from+5)
		}
		if m := apiLine.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
			settled = settledTo(t, url)
		}
	}
	require.Contains(t, out.String(), "settle   Solana at "+v.URL())
	c, err := iogsdk.NewClient(iogsdk.ClientConfig{Server: url, RetryMax: -1, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	list, err := c.Transactions(ctx, iogsdk.Page{Limit: 200})
	require.NoError(t, err)
	chain := rpc.New(v.URL())
	defer chain.Close()
	var sigs []solanago.Signature
	for _, tr := range list.Transactions {
		if tr.Seq <= settled {
			require.Equal(t, api.SettlementSettled, tr.Settlement.Status, "entry %d", tr.Seq)
			sigs = append(sigs, solanago.MustSignatureFromBase58(tr.Settlement.Signature))
		}
	}
	require.NotEmpty(t, sigs)
	st, err := chain.GetSignatureStatuses(ctx, true, sigs...)
	require.NoError(t, err)
	for i, s := range st.Value {
		require.NotNil(t, s, "%v on the chain", sigs[i])
		require.Nil(t, s.Err, "%v succeeded", sigs[i])
	}
	cancel()
	require.Equal(t, 0, <-done, stderr.String())
	return settled
}

// settledTo returns how far the server at url says its ledger is
// settled.
func settledTo(t *testing.T, url string) uint64 {
	t.Helper()
	resp, err := http.Get(url + "/readyz")
	require.NoError(t, err)
	defer resp.Body.Close()
	var health struct {
		Settlement struct {
			Status    string  `json:"status"`
			SettledTo float64 `json:"settled_to"`
		} `json:"settlement"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&health))
	require.Equal(t, "settling", health.Settlement.Status)
	return uint64(health.Settlement.SettledTo)
}
