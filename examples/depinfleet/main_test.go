package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(context.Background(), &out, 32))
	for _, want := range []string{
		"registers 1000 machines",
		"1000 devices attested, 2900 GPUs",
		"the explorer counts 1000 devices, 2900 GPUs",
		"H100-SXM    150 devices  1200 GPUs",
		"must stake",
	} {
		require.Contains(t, out.String(), want)
	}
}
