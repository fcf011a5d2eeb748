package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog/iogsdk/ray"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out, "H100-SXM:8,H100-SXM:8,L40S:4", ray.Tuning, ray.Config{}))
	docs := strings.Split(out.String(), "---\n")
	require.Len(t, docs, 2)
	require.Contains(t, docs[0], "kind: RayCluster")
	require.Contains(t, docs[0], "groupName: h100-sxm")
	require.Contains(t, docs[0], "groupName: l40s")
	require.Contains(t, docs[1], "kind: RayJob")
	require.Contains(t, docs[1], "tune.Tuner(")

	for _, devices := range []string{"H100-SXM", "H100-SXM:0", "H100-SXM:x", "H900:8", ""} {
		require.Error(t, run(io.Discard, devices, ray.Tuning, ray.Config{}), devices)
	}
	require.Error(t, run(io.Discard, "L4:1", "chess", ray.Config{}))
}
