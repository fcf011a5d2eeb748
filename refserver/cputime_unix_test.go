//go:build unix

package refserver

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time the process has used, user and system,
// and true: on a machine shared with other work it varies far less than
// the wall time does.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
