package tunnel

import (
	"log/slog"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestWindowFollowsRTT(t *testing.T) {
	cc := ConnConfig{}.withDefaults()
	small := ConnConfig{StreamWindow: 300 << 10}.withDefaults()
	for _, tc := range []struct {
		name string
		cc   ConnConfig
		rtt  time.Duration
		want uint32
	}{
		{"unknown RTT keeps the configured window", cc, 0, DefaultStreamWindow},
		{"loopback gets the floor", cc, 30 * time.Microsecond, minStreamWindow},
		{"a LAN path: twice its RTT at 1 GiB/s", cc, time.Millisecond, 2 * (1 << 30) / 1000},
		{"a long path is capped at StreamWindow", cc, 50 * time.Millisecond, DefaultStreamWindow},
		{"a StreamWindow under the floor wins", small, 30 * time.Microsecond, 300 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.cc.window(tc.rtt))
		})
	}
}

func TestMuxConfigWindowFloor(t *testing.T) {
	cc := ConnConfig{}.withDefaults()
	require.Equal(t, uint32(256<<10), cc.muxConfig(slog.New(slog.DiscardHandler), 1).MaxStreamWindowSize)
	require.Equal(t, uint32(1<<20), cc.muxConfig(slog.New(slog.DiscardHandler), 1<<20).MaxStreamWindowSize)
}

// yamux closes a connection whose stream open goes unacknowledged: never
// sooner than a stream's open may take.
func TestMuxConfigStreamOpenTimeout(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	require.Equal(t, 30*time.Second, ConnConfig{}.withDefaults().muxConfig(logger, 1).StreamOpenTimeout)
	long := ConnConfig{HandshakeTimeout: 2 * time.Minute}.withDefaults()
	require.Equal(t, 2*time.Minute, long.muxConfig(logger, 1).StreamOpenTimeout)
}

func TestPathRTT(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	require.Zero(t, pathRTT(a), "a pipe has no RTT")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	if s, ok := <-accepted; ok {
		defer s.Close()
	}
	rtt := pathRTT(c)
	if runtime.GOOS != "linux" {
		require.Zero(t, rtt)
		return
	}
	require.Positive(t, rtt, "the kernel measures a TCP connection's RTT from its handshake")
}
