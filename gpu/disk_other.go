//go:build !unix

package gpu

// diskSize is unknown (0) where statfs does not exist.
func diskSize(string) (uint64, error) { return 0, nil }
