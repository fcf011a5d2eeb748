package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

const inventory = `{"GPUs": [{"GPU": {"UUID": "GPU-5f0c2a1e-93b4-4d7e-a1c2-7b9e0d4f6a18", "Vendor": "nvidia",
  "Model": "NVIDIA GeForce RTX 4090", "MemoryBytes": 25757220864, "ComputeCapability": {"Major": 8, "Minor": 9}},
  "Specs": {"Cores": 16384, "MaxSMClockMHz": 3120, "MemoryBusWidthBits": 384, "MaxMemoryClockMHz": 10501},
  "Telemetry": {"TemperatureC": 45, "PowerMilliwatts": 31000, "PowerLimitMilliwatts": 450000}}]}`

func TestRun(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the host probe reads Linux's /proc")
	}
	dir := t.TempDir()
	static := filepath.Join(dir, "inventory.json")
	require.NoError(t, os.WriteFile(static, []byte(inventory), 0o600))
	key, err := gpu.KeypairFromSeed(bytes.Repeat([]byte{3}, 32))
	require.NoError(t, err)
	keyFile := filepath.Join(dir, "id.json")
	require.NoError(t, os.WriteFile(keyFile, key.MarshalSolanaKeypair(), 0o600))

	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, "", ""))
	require.Contains(t, out.String(), "host: ")
	require.Contains(t, out.String(), "verified: accepted")
	require.Contains(t, out.String(), "replayed: refused by the nonce check")

	out.Reset()
	require.NoError(t, run(context.Background(), &out, static, keyFile))
	require.Contains(t, out.String(), "gpu 0: NVIDIA GeForce RTX 4090")
	require.Contains(t, out.String(), "owner wallet "+key.Address().String())
	require.Contains(t, out.String(), "proof of compute for GPU-5f0c2a1e-93b4-4d7e-a1c2-7b9e0d4f6a18 (RTX-4090): passed")
	require.Contains(t, out.String(), "trust 750/1000, eligible for block rewards: true")

	require.ErrorIs(t, run(context.Background(), &out, filepath.Join(dir, "missing.json"), ""), os.ErrNotExist)
	require.NoError(t, os.WriteFile(static, []byte(`{"GPUs": 3}`), 0o600))
	require.ErrorIs(t, run(context.Background(), &out, static, ""), iog.ErrInvalid)
	require.ErrorIs(t, run(context.Background(), &out, "", static), iog.ErrInvalid, "not a keypair")
}
