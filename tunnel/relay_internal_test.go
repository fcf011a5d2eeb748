package tunnel

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

// An engineer's connection that leaves the streams the relay closed
// unclosed on its side is dropped once it holds more than twice
// MaxStreams: yamux keeps such streams until both sides close them.
func TestRelayDropsEngineerHoldingUnclosedStreams(t *testing.T) {
	relay, addr, pin := startRelay(t, RelayConfig{
		Authorizer: NewRentals(iog.NewManualClock(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))),
		MaxStreams: 2,
	})
	ctx := context.Background()
	dc := newDialConfig(addr, pin, 10*time.Second, nil)
	cfg := ConnConfig{Logger: slog.New(slog.DiscardHandler)}.withDefaults()
	sess, err := muxRelay(ctx, dc, hello{role: roleEngineer}, testKey(1), cfg, cfg.Logger)
	require.NoError(t, err)
	defer sess.Close()

	// Each stream asks for a device nobody rented; the relay answers,
	// closes its side, and this engineer never closes its own.
	for i := 0; i < 5 && !sess.IsClosed(); i++ {
		st, err := sess.OpenStream()
		if err != nil {
			break
		}
		_, _, err = exchange(ctx, st, frameOpen, openReq{device: "gpu-1", port: 22}.encode())
		if i < 4 { // the fifth is one too many: its connection goes
			require.ErrorIs(t, err, iog.ErrForbidden, "stream %d", i)
		}
	}
	require.Eventually(t, sess.IsClosed, 10*time.Second, time.Millisecond, "the relay must drop the connection")
	// Four streams refused for the device, then the connection.
	require.Equal(t, uint64(5), relay.Refused())
}

// startRelay serves a relay with cfg, its certificate from testKey(200)
// and a silent logger, on loopback until the test ends.
func startRelay(t *testing.T, cfg RelayConfig) (*Relay, string, Pin) {
	cert, err := NewCertificate(testKey(200))
	require.NoError(t, err)
	pin, err := PinOf(cert)
	require.NoError(t, err)
	cfg.Certificate = cert
	cfg.Logger = slog.New(slog.DiscardHandler)
	relay, err := NewRelay(cfg)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- relay.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return relay, ln.Addr().String(), pin
}
