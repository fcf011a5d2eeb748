package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMain lets the test binary stand in for iogd as the demonstration's
// cluster workload, as iogd itself does.
func TestMain(m *testing.M) {
	if len(os.Args) == 2 && os.Args[1] == workloadArg {
		os.Exit(serveWorkload(context.Background(), os.Getenv, os.Stderr))
	}
	os.Exit(m.Run())
}

// syncBuffer is a bytes.Buffer safe to write from the demo and read from
// the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDemo runs iogd as the README's run command does (on free ports and
// a temporary data directory), and watches the demonstration tell its
// story: devices attested and staked, epochs settled with rewards and
// the rewards claimed, a
// cluster deployed, run and reached through the relay, and ended. It then
// starts iogd again on the same data directory: the same devices go on.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole network")
	}
	dir := t.TempDir()
	// Rewards need five hours of unbroken uptime and proofs in time, from
	// the fifth epoch: on a loaded machine too, where a test binary under
	// the race detector may stall for many seconds, longer than the
	// default stall budget (fastClockBudgets).
	args := []string{"-data", dir, "-listen", "127.0.0.1:0", "-relay", "127.0.0.1:0", "-workers", "3", "-renters", "1", "-log-level", "error", "-stall-budget", "2m"}
	want := []string{"attested", "staked", "epoch 5 settled", `IO to [1-9] of 3 devices`, "claimed [0-9.]+ IO of block rewards", "answered through the relay", "hello from cluster", `ended [0-9a-f-]+ after`}
	out := runUntil(t, args, want)
	var devices []string
	for _, line := range strings.Split(out, "\n") {
		if _, rest, ok := strings.Cut(line, ": device "); ok && strings.Contains(rest, " attested") {
			devices = append(devices, strings.Fields(rest)[0])
		}
	}
	require.Len(t, devices, 3, out)
	again := runUntil(t, args, append([]string{"the network continues after epoch"}, devices...))
	require.NotContains(t, again, "epoch 1 settled", "a restart goes on, it does not start over")
}

// runUntil runs iogd with args until its output matches every one of
// want (regular expressions),
// and returns the output; it fails t if that takes more than a few minutes
// (the bound of a hang: the demonstration tells all of it within a
// minute on a quiet machine).
func runUntil(t *testing.T, args, want []string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, func(string) string { return "" }, &out, &stderr) }()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		missing := ""
		for _, w := range want {
			if !regexp.MustCompile(w).MatchString(out.String()) {
				missing = w
				break
			}
		}
		if missing == "" {
			break
		}
		select {
		case code := <-done:
			t.Fatalf("iogd stopped (%d) before telling %q:\n%s\n%s", code, missing, out.String(), stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			<-done
			t.Fatalf("iogd did not tell %q in 5 minutes:\n%s\n%s", missing, out.String(), stderr.String())
		}
	}
	cancel()
	require.Equal(t, 0, <-done, stderr.String())
	return out.String()
}
