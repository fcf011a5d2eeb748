package scheduler_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/scheduler"
)

// FuzzRestore feeds Restore decoded records: it never panics, and either
// refuses them as invalid, changing nothing, or restores a framework
// whose bookkeeping holds and whose records restore again to the same.
func FuzzRestore(f *testing.F) {
	nodes := `[{"node":{"id":"a","gpuModel":"T4","gpus":2,"cpuMilli":8000,"memoryBytes":1073741824,"bandwidth":"low","location":{}},"index":0,"up":true,` +
		`"reliability":{"since":"2026-01-01T00:00:00Z","changed":"2026-01-01T00:00:00Z","down":0,"failedChecks":0,"ratings":0,"stars":0}}]`
	f.Add([]byte(`{"nodes":` + nodes + `,"jobs":[{"job":{"id":"j","requirements":{"GPUCount":1,"GPUShare":500,"CPUMilli":1000},"submitted":"2026-01-01T00:00:00Z"},` +
		`"seq":1,"placement":{"job":"j","assignments":[{"device":"a","gpus":[1],"share":500,"cpuMilli":1000,"memoryBytes":0}]}},` +
		`{"job":{"id":"k","requirements":{"GPUCount":2},"gang":true,"submitted":"2026-01-01T00:00:00Z"},"seq":2,"parked":true,"tried":true}]}`))
	f.Add([]byte(`{"nodes":` + nodes + `,"jobs":[{"job":{"id":"j","requirements":{"GPUCount":1},"submitted":"2026-01-01T00:00:00Z"},` +
		`"seq":1,"placement":{"job":"j","assignments":[{"device":"a","gpus":[-1],"share":1000,"cpuMilli":0,"memoryBytes":0}]}}]}`))
	f.Add([]byte(`{"nodes":[],"jobs":[{"job":{"id":"j","requirements":{},"submitted":"2026-01-01T00:00:00Z"},"seq":18446744073709551615}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s snapshot
		if json.Unmarshal(data, &s) != nil {
			return
		}
		fw := newSim(scheduler.FirstFit{}).f
		if err := fw.Restore(s.Nodes, s.Jobs); err != nil {
			require.ErrorIs(t, err, iog.ErrInvalid)
			require.Empty(t, fw.NodeRecords())
			require.Empty(t, fw.JobRecords())
			return
		}
		require.NoError(t, fw.CheckInvariants())
		again := newSim(scheduler.FirstFit{}).f
		got := snapshotOf(fw)
		require.NoError(t, again.Restore(got.Nodes, got.Jobs))
		require.Equal(t, got, snapshotOf(again))
	})
}
