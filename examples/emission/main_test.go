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
		// The documentation's basis from 8%, the supply basis beside it.
		"   1         37687235.03        537687235.03    8.0000%    7.0832%        7.5374%",
		"  20          3729871.89        800000000.00    0.7918%    0.7010%        0.4684%",
		" all           300000000",
		"  reproduced  total emitted: 300000000 IO (io.net's documentation)",
		"  reproduced  annualised rate of the first epoch: 8% (io.net's documentation)",
		"  departs     monthly fall per 730 h: 1.0086%, not 1.015% (io.net's documentation): 0.0064 percentage points less",
		"  departs     yearly fall per 8,760 h: 11.4542%, not 12.165% (the 2024 launch articles): 0.7108 percentage points less",
		"  reproduced  yearly fall uncompounded, one epoch's fall × 8,760: 12.165% (the 2024 launch articles)",
		"  departs     annualised rate of the last epoch: 0.7010%, not 0.68% (the 2024 launch articles): 0.0210 percentage points more",
		"  departs     emitting epochs: 175,320, not 175,319 (the 2024 launch articles): 1 more",
	} {
		require.Contains(t, text, want)
	}

	out.Reset()
	require.NoError(t, run(&out, "halving", 1))
	require.Contains(t, out.String(), "   3          3000000.00")
	require.Contains(t, out.String(), "  departs     total emitted: 23976562.5 IO, not 300000000 IO (io.net's documentation): 276023437.5 IO less")
	require.ErrorIs(t, run(&out, "bitcoin", 1), iog.ErrInvalid)
	require.ErrorIs(t, run(&out, "ionet", -1), iog.ErrInvalid)
}
