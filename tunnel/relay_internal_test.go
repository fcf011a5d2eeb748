package tunnel

import (
	"context"
	"fmt"
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
		Authorizer: NewRentals(RentalsConfig{Clock: iog.NewManualClock(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))}),
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

// A reset ends only the live stream it names, and a reset that does not
// decode ends nothing.
func TestLiveStreamsReset(t *testing.T) {
	var live liveStreams
	var ended []error
	remove := live.add(7, func(why error) { ended = append(ended, why) })
	live.add(9, func(why error) { ended = append(ended, why) })

	require.ErrorIs(t, live.reset([]byte{0, 0, 0}), iog.ErrInvalid)
	require.ErrorIs(t, live.reset(append([]byte{0, 0, 0, 7}, result{}.encode()...)), iog.ErrInvalid, "a reset gives a reason")
	require.NoError(t, live.reset(resetReq{stream: 8, why: resultOf(iog.ErrExpired)}.encode()), "no such stream: nothing to end")
	require.Empty(t, ended)

	require.NoError(t, live.reset(resetReq{stream: 7, why: resultOf(fmt.Errorf("rental: %w", iog.ErrExpired))}.encode()))
	require.Len(t, ended, 1)
	require.ErrorIs(t, ended[0], iog.ErrExpired)
	require.NoError(t, live.reset(resetReq{stream: 7, why: resultOf(iog.ErrExpired)}.encode()), "a stream ends once")
	require.Len(t, ended, 1)
	remove() // after its end: a no-op

	require.NoError(t, live.reset(resetReq{stream: 9, why: resultOf(iog.ErrForbidden)}.encode()))
	require.Len(t, ended, 2)
	require.ErrorIs(t, ended[1], iog.ErrForbidden)
}
