package gpu

import (
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/internetofgpus/iog"
)

// CPUMeter measures the host's CPU use, the figure IdleCaps checks, from
// the kernel's counters of CPU time in /proc/stat: each Percent is the
// share of all the host's threads busy since the one before. It is safe
// for concurrent use.
//
// The zero value reads the running machine.
type CPUMeter struct {
	// Root is the file system holding proc/; nil means the machine's own
	// root. Tests give it a fstest.MapFS.
	Root fs.FS

	mu   sync.Mutex
	last cpuTimes
}

// cpuTimes are the host's CPU times since boot, in clock ticks: all of
// them, and those spent idle or waiting for I/O.
type cpuTimes struct{ total, idle uint64 }

// Percent returns the share of the host's CPU time that was busy since
// the last call, rounded to the nearest percent, 0 to 100; the first call
// gives the share since boot. It returns ErrNotPresent when /proc/stat
// cannot be read (not Linux), and iog.ErrUnavailable when its first line
// is not the kernel's "cpu" totals.
func (m *CPUMeter) Percent() (uint32, error) {
	root := m.Root
	if root == nil {
		root = os.DirFS("/")
	}
	b, err := readSmall(root, "proc/stat")
	if err != nil {
		return 0, fmt.Errorf("CPU use: %w: %w", err, ErrNotPresent)
	}
	now, err := parseCPUTimes(b)
	if err != nil {
		return 0, fmt.Errorf("CPU use: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	last := m.last
	m.last = now
	if now.total < last.total || now.idle < last.idle {
		last = cpuTimes{} // counters restarted: a new boot, or a new Root
	}
	total, idle := now.total-last.total, now.idle-last.idle
	if total == 0 || idle > total {
		return 0, nil
	}
	return uint32(((total-idle)*200 + total) / (2 * total)), nil
}

// parseCPUTimes reads the "cpu" line of /proc/stat: user, nice, system,
// idle, iowait, irq, softirq, steal, then guest and guest_nice, which
// user and nice include already and are not added again.
func parseCPUTimes(b []byte) (cpuTimes, error) {
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	if len(fields) < 5 || fields[0] != "cpu" {
		return cpuTimes{}, fmt.Errorf("/proc/stat does not open with the cpu totals: %w", iog.ErrUnavailable)
	}
	var t cpuTimes
	for i, f := range fields[1:min(len(fields), 9)] {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil || v > 1<<52 { // 1.4 million years at 100 ticks a second: the sums cannot overflow
			return cpuTimes{}, fmt.Errorf("/proc/stat: cpu time %q: %w", f, iog.ErrUnavailable)
		}
		t.total += v
		if i == 3 || i == 4 {
			t.idle += v
		}
	}
	return t, nil
}
