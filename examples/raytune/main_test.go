package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog/iogsdk/ray"
)

func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out bytes.Buffer
	require.NoError(t, run(ctx, &out, "H100-SXM:8,H100-SXM:8", 16, ray.Tuning, ray.Config{}))
	docs := strings.Split(out.String(), "---\n")
	require.Len(t, docs, 2)
	require.Contains(t, docs[0], "kind: RayCluster")
	require.Contains(t, docs[0], "groupName: h100-sxm")
	require.Contains(t, docs[0], `nvidia.com/gpu: "8"`)
	require.Contains(t, docs[1], "kind: RayJob")
	require.Contains(t, docs[1], "tune.Tuner(")

	for _, rigs := range []string{"H100-SXM", "H100-SXM:0", "H100-SXM:x", "H100-SXM:8,L40S:4", ""} {
		require.Error(t, run(ctx, io.Discard, rigs, 8, ray.Tuning, ray.Config{}), rigs)
	}
	require.Error(t, run(ctx, io.Discard, "L4:1", 1, "chess", ray.Config{}))
}
