package main

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	dir := "../../scheduler/sim/testdata/openb/"
	require.NoError(t, run(context.Background(), &out, dir+"openb_node_list_gpu_node.csv", dir+"openb_pod_list_default.csv", 1))
	require.Contains(t, out.String(), "best-fit\t")
	require.Contains(t, out.String(), "no-strand\t")
	require.ErrorIs(t, run(context.Background(), &out, "nope.csv", "nope.csv", 1), os.ErrNotExist)
}
