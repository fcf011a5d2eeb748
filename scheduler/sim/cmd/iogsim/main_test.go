package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	data := []string{"-nodes", "../../testdata/openb/openb_node_list_gpu_node.csv", "-tasks", "../../testdata/openb/openb_pod_list_default.csv"}
	tests := []struct {
		name string
		args []string
		want []string // lines or fragments expected in the output
		err  string
	}{
		{"frag", append(data, "-policy", "best-fit", "-inflate", "0.05"), []string{"arrived_pct,gpu_alloc_pct,frag_pct\n0,0.00,", "\n5,"}, ""},
		{"table", append(data, "-mode", "table", "-policy", "random,fgd", "-seeds", "2", "-inflate", "0.03"), []string{"| random |", "| fgd |", "at 3% arrived"}, ""},
		{"table of fgd alone", append(data, "-mode", "table", "-policy", "fgd", "-seeds", "1", "-inflate", "0.03"), []string{"|---|---|---|\n| fgd |"}, ""},
		{"replay", []string{"-mode", "replay", "-format", "synthetic", "-synthetic-nodes", "20", "-synthetic-tasks", "200", "-fail", "0.3", "-policy", "spread"},
			[]string{"tasks\t200", "fairness (Jain)", "at_h,gpu_alloc_pct,frag_pct,pending"}, ""},
		{"table under the paper's protocol", append(data, "-mode", "table", "-protocol", "fgd-paper", "-policy", "gpu-packing,iog-gpu-packing", "-seeds", "2", "-inflate", "0.03"),
			[]string{"| gpu-packing |", "| iog-gpu-packing |", "at 3% arrived"}, ""},
		{"frag under the paper's protocol", append(data, "-protocol", "fgd-paper", "-policy", "best-fit", "-seed", "42", "-inflate", "0.05"),
			[]string{"arrived_pct,gpu_alloc_pct,frag_pct\n0,", "\n5,"}, ""},
		{"table of a variant", append(data, "-mode", "table", "-protocol", "fgd-paper", "-variant", "gpuspec20", "-policy", "fgd", "-seeds", "1", "-inflate", "0.03"),
			[]string{"|---|---|---|\n| fgd |"}, ""},
		{"unknown variant", append(data, "-variant", "gpushare30"), nil, "gpushare takes 20, 40, 60, 80 or 100"},
		{"unknown protocol", append(data, "-protocol", "nope"), nil, "no protocol"},
		{"unknown mode", append(data, "-mode", "nope"), nil, "unknown -mode"},
		{"unknown format", []string{"-format", "xml"}, nil, "unknown -format"},
		{"unknown policy", append(data, "-policy", "nope"), nil, "no policy"},
		{"missing file", []string{"-nodes", "nope.csv"}, nil, "nope.csv"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), tc.args, &out)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			for _, w := range tc.want {
				require.True(t, strings.Contains(out.String(), w), "output lacks %q:\n%s", w, out.String())
			}
		})
	}
}
