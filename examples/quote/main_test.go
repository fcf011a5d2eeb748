package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	require.NoError(t, run("1.85", "US=0.90,SE=0.55", "US/Virginia,SE/Stockholm", "2026-11-22T14:00:00Z"))
	require.Error(t, run("x", "US=0.9", "US", "2026-11-22T14:00:00Z"))
	require.Error(t, run("1.85", "US=1.5", "US", "2026-11-22T14:00:00Z"))
	require.Error(t, run("1.85", "US", "US", "2026-11-22T14:00:00Z"))
	require.Error(t, run("1.85", "US=0.9", "QQ", "2026-11-22T14:00:00Z"))
	require.Error(t, run("1.85", "US=0.9", "US", "yesterday"))
}
