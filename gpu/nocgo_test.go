package gpu_test

import (
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNoCgo keeps package gpu pure Go: a server that only verifies reports
// imports it and must build with CGO_ENABLED=0. It lists the package's
// dependencies and fails on go-nvml, and on any other package outside the
// standard library with cgo files; reading NVML belongs in gpu/nvml.
func TestNoCgo(t *testing.T) {
	goTool, err := exec.LookPath("go") // go test puts its own go first on PATH
	require.NoError(t, err)
	// CGO_ENABLED=1 lets the listing see every cgo file, whatever the
	// environment builds with.
	cmd := exec.CommandContext(t.Context(), goTool, "list", "-deps",
		"-f", `{{.ImportPath}} {{.Standard}} {{len .CgoFiles}}{{range .Imports}} {{.}}{{end}}`, ".")
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=1")
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", stderr(err))

	importers := make(map[string][]string) // import path → the dependencies that import it
	var cgo []string
	for line := range strings.Lines(strings.TrimSpace(string(out))) {
		f := strings.Fields(line)
		require.GreaterOrEqual(t, len(f), 3, "go list line %q", line)
		path, standard, cgoFiles := f[0], f[1] == "true", f[2] != "0"
		for _, imp := range f[3:] {
			importers[imp] = append(importers[imp], path)
		}
		if strings.HasPrefix(path, "github.com/NVIDIA/go-nvml/") || !standard && cgoFiles {
			cgo = append(cgo, path)
		}
	}
	require.NotEmpty(t, importers, "go list found no dependencies at all")
	var found []string
	for _, path := range cgo {
		found = append(found, path+" (imported by "+strings.Join(slices.Sorted(slices.Values(importers[path])), ", ")+")")
	}
	require.Empty(t, found, "package gpu depends on packages that need cgo")
}

// stderr is what a failed command wrote to its standard error.
func stderr(err error) string {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return string(exit.Stderr)
	}
	return ""
}
