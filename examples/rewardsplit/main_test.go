package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

func TestRun(t *testing.T) {
	require.NoError(t, run("4566.21004566 IO", "a=80,b=32,c=3,d=1"))
	require.NoError(t, run("0.000001 USDC", "a=1,b=1,c=1"))
	require.ErrorIs(t, run("-1 IO", "a=1"), iog.ErrInvalid)
	require.ErrorIs(t, run("1 IO", "a=0,b=0"), iog.ErrInvalid)
	require.ErrorIs(t, run("1 DOGE", "a=1"), iog.ErrInvalid)
	require.ErrorContains(t, run("1 IO", "a=x"), `supplier "a=x"`)
	require.ErrorContains(t, run("1 IO", "a"), `supplier "a"`)
}
