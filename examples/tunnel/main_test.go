package main

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, slog.New(slog.DiscardHandler), "/dashboard"))
	require.Contains(t, out.String(), "fetched through the relay: hello from gpu-1: you asked for /dashboard")
	require.Contains(t, out.String(), "stranger refused (forbidden: true)")
	require.Contains(t, out.String(), "1 streams, 1 refused")
}
