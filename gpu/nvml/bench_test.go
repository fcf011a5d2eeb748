package nvml_test

import (
	"context"
	"testing"

	"github.com/internetofgpus/iog/gpu/nvml"
)

// BenchmarkProbeDGXA100 probes go-nvml's 8-GPU DGX A100 mock: the cost
// of the probe's own work around NVML's calls.
func BenchmarkProbeDGXA100(b *testing.B) {
	p := nvml.NewProbe(newDGX())
	ctx := context.Background()
	for b.Loop() {
		if _, err := p.Probe(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
