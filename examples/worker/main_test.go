package main

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver"
)

// TestWorker points the example at a reference server on loopback: its
// simulated rig registers and is attested.
func TestWorker(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := refserver.New(ctx, refserver.Config{DataDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer s.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 2)
	go func() { served <- s.Serve(ctx, l, time.Second) }()
	go func() { served <- s.Run(ctx) }()
	url := "http://" + l.Addr().String()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, url, "", t.TempDir(), "US/Virginia", "test rig", "RTX-4090:1", api.Bandwidth{DownBytesPerSec: 500 * 125_000, UpBytesPerSec: 250 * 125_000})
	}()
	c, err := iogsdk.NewClient(iogsdk.ClientConfig{Server: url})
	require.NoError(t, err)
	for i := 0; ; i++ {
		list, err := c.Devices(ctx, iogsdk.DeviceQuery{State: api.DeviceActive})
		require.NoError(t, err)
		if len(list.Devices) == 1 {
			require.Equal(t, "test rig", list.Devices[0].Name)
			break
		}
		require.Less(t, i, 3000, "the worker's device never became active")
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	<-served
	<-served
}
