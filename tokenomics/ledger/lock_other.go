//go:build !unix

package ledger

import "os"

// lockFile does nothing where flock is not available: there, keeping a
// ledger file open in one process at a time is the caller's job.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) error { return nil }
