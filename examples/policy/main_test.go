package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, c := range []struct{ policy, want string }{
		{"best-fit", "best-fit   three 1-GPU clusters on: small rig, small rig, big rig"},
		{"spread", "spread     three 1-GPU clusters on: big rig, big rig, big rig"},
	} {
		var out strings.Builder
		require.NoError(t, run(ctx, &out, c.policy))
		require.Equal(t, c.want+"\n", out.String())
	}
}
