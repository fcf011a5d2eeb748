package gpu_test

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// TestCPUMeter measures CPU use between two readings of /proc/stat: the
// busy share of all CPU time, idle and iowait counting as idle, guest
// time not counted twice.
func TestCPUMeter(t *testing.T) {
	fsys := fstest.MapFS{"proc/stat": {Data: []byte("cpu  100 0 100 700 100 0 0 0 50 0\ncpu0 50 0 50 350 50 0 0 0 25 0\nintr 1\n")}}
	m := &gpu.CPUMeter{Root: fsys}
	pct, err := m.Percent()
	require.NoError(t, err)
	require.Equal(t, uint32(20), pct, "since boot: 200 busy of 1000")

	tests := []struct {
		line string
		want uint32
	}{
		// 300 more busy and 700 more idle of 1000: exactly 30%.
		{"cpu  250 0 250 1300 200 0 0 0 50 0", 30},
		// 305 busy of 1000: 30.5% rounds to 31.
		{"cpu  405 0 400 1900 295 0 0 0 50 0", 31},
		// Nothing moved.
		{"cpu  405 0 400 1900 295 0 0 0 50 0", 0},
		// A reboot: counters from zero again, read since boot.
		{"cpu  10 0 0 90 0 0 0 0 0 0", 10},
		// Fully busy: steal counts as busy.
		{"cpu  60 0 0 90 0 0 0 50 0 0", 100},
	}
	for _, tt := range tests {
		fsys["proc/stat"] = &fstest.MapFile{Data: []byte(tt.line + "\n")}
		pct, err := m.Percent()
		require.NoError(t, err, tt.line)
		require.Equal(t, tt.want, pct, tt.line)
	}

	fsys["proc/stat"] = &fstest.MapFile{Data: []byte("intr 1\n")}
	_, err = m.Percent()
	require.ErrorIs(t, err, iog.ErrUnavailable)
	_, err = (&gpu.CPUMeter{Root: fstest.MapFS{}}).Percent()
	require.ErrorIs(t, err, gpu.ErrNotPresent)
}
