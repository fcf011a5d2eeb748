//go:build unix

package gpu

import (
	"fmt"
	"syscall"
)

// diskSize returns the size of the file system holding path.
func diskSize(path string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, fmt.Errorf("statfs: %w", err)
	}
	return uint64(st.Blocks) * uint64(st.Bsize), nil
}
