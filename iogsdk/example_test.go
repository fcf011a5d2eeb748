package iogsdk_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/internetofgpus/iog/gpu"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver"
)

// ExampleWorker lends a simulated rig of two H100s to a reference server:
// the worker registers the device, attests it with a report signed by
// the supplier's wallet, and heartbeats, until its context ends.
func ExampleWorker() {
	dir, err := os.MkdirTemp("", "iog-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	quiet := slog.New(slog.DiscardHandler)
	s, err := refserver.New(ctx, refserver.Config{DataDir: filepath.Join(dir, "server"), Logger: quiet})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()

	wallet := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))
	client, err := iogsdk.NewClient(iogsdk.ClientConfig{Server: hs.URL, Key: wallet, Logger: quiet})
	if err != nil {
		fmt.Println(err)
		return
	}
	probe, err := gpu.NewSimulatedProbe("H100-SXM", 2, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	w, err := iogsdk.NewWorker(iogsdk.WorkerConfig{
		Client: client, Key: wallet, Probe: probe, Name: "rig 1", Location: "US/Virginia",
		Bandwidth: api.Bandwidth{DownBytesPerSec: 100 << 20, UpBytesPerSec: 50 << 20},
		StateFile: filepath.Join(dir, "worker.json"), Logger: quiet,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() { stop(); <-done }()

	// The worker registers, attests and heartbeats in the background; a
	// minute bounds a hang.
	for range 600 {
		if id := w.Device(); id != "" {
			if d, err := client.Device(ctx, id); err == nil && d.State == api.DeviceActive && d.Up {
				fmt.Println(d.Name, d.State, d.GPUCount, "×", d.Model, "up:", d.Up)
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Println("the device was not up in a minute")
	// Output:
	// rig 1 active 2 × H100-SXM up: true
}
