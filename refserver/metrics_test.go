package refserver_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog/refserver"
)

// metric returns the value of the sample of the metric name whose labels
// include labels, and false when the server exports no such sample.
func metric(t testing.TB, s *refserver.Server, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	families, err := s.Registry().Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue next
				}
			}
			switch {
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue(), true
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue(), true
			}
		}
	}
	return 0, false
}

// TestStateMetrics checks the network's state metrics on a server with
// nothing in it: no device, no cluster, no relay yet, no error.
func TestStateMetrics(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		_, ok := metric(t, e.server, "iog_devices", nil)
		require.False(t, ok, "no device, no sample")
		for name, want := range map[string]float64{
			"iog_scheduler_queue_depth": 0, "iog_commit_queue_depth": 0, "iog_leader": 0,
			"iog_tunnel_bytes_total": 0, "iog_tunnel_streams_total": 0, "iog_metrics_store_errors": 0,
		} {
			got, ok := metric(t, e.server, name, nil)
			require.True(t, ok, name)
			require.Equal(t, want, got, name)
		}
	})
}

// TestCommitMetrics: each transaction of the group commit is counted with
// its requests and timed.
func TestCommitMetrics(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		histogram := func(name string) (count uint64, sum float64) {
			families, err := e.server.Registry().Gather()
			require.NoError(t, err)
			for _, f := range families {
				if f.GetName() == name {
					h := f.GetMetric()[0].GetHistogram()
					return h.GetSampleCount(), h.GetSampleSum()
				}
			}
			t.Fatalf("no metric %s", name)
			return 0, 0
		}
		batches, requests := histogram("iog_commit_batch_requests")
		_, err := e.client(walletKey(1)).Faucet(ctx)
		require.NoError(t, err)
		after, afterRequests := histogram("iog_commit_batch_requests")
		require.Equal(t, batches+1, after, "one request, one transaction")
		require.Equal(t, requests+1, afterRequests)
		timed, seconds := histogram("iog_commit_batch_duration_seconds")
		require.Equal(t, after, timed)
		require.Positive(t, seconds)
	}, withFaucet)
}
