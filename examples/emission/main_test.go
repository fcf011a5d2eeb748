package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

func TestRun(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(&out, "ionet", 3))
	text := out.String()
	for _, want := range []string{
		"     1         4566.21        4566.21004566 IO  0.00091324%",
		"     2         4566.15",
		"     3         4566.08",
		"   1         37687235.03",
		"  20          3729871.89        800000000.00    0.4684%",
		" all           300000000",
	} {
		require.Contains(t, text, want)
	}

	out.Reset()
	require.NoError(t, run(&out, "halving", 1))
	require.Contains(t, out.String(), "   3          3000000.00")
	require.ErrorIs(t, run(&out, "bitcoin", 1), iog.ErrInvalid)
	require.ErrorIs(t, run(&out, "ionet", -1), iog.ErrInvalid)
}
