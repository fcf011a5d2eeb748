package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// commits are the totals of the server's group commit (its
// iog_commit_batch_* histograms) at one moment.
type commits struct {
	batches  uint64  // transactions
	requests float64 // requests in them
	seconds  float64 // time they took
}

// readCommits reads the group commit's totals from the server's
// /metrics.
func readCommits(ctx context.Context, client *http.Client, base string) (commits, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return commits{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return commits{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return commits{}, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return commits{}, fmt.Errorf("GET /metrics: %w", err)
	}
	var c commits
	for name, into := range map[string]*float64{"iog_commit_batch_requests": &c.requests, "iog_commit_batch_duration_seconds": &c.seconds} {
		f := families[name]
		if f == nil || len(f.Metric) != 1 || f.Metric[0].Histogram == nil {
			return commits{}, fmt.Errorf("GET /metrics: no histogram %s", name)
		}
		h := f.Metric[0].Histogram
		*into, c.batches = h.GetSampleSum(), h.GetSampleCount()
	}
	return c, nil
}

// since describes what the group commit did between then and c.
func (c commits) since(then commits) string {
	n := c.batches - then.batches
	if n == 0 {
		return "group commit: no transactions"
	}
	busy := c.seconds - then.seconds
	return fmt.Sprintf("group commit: %d transactions, %.1f requests and %.2f ms each on average, %.2f s in them",
		n, (c.requests-then.requests)/float64(n), 1000*busy/float64(n), busy)
}
