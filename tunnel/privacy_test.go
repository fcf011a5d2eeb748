package tunnel_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog/tunnel"
)

// recorder forwards connections to target and keeps a copy of what the
// clients sent: what an observer on the path sees.
type recorder struct {
	ln     net.Listener
	upload logBuffer
}

func newRecorder(t *testing.T, target string) *recorder {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	r := &recorder{ln: ln}
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				_ = c.Close()
				continue
			}
			wg.Go(func() { _, _ = io.Copy(io.MultiWriter(up, &r.upload), c); _ = up.Close() })
			wg.Go(func() { _, _ = io.Copy(c, up); _ = c.Close() })
		}
	})
	return r
}

// appDataSizes parses TLS records and returns the plaintext sizes of the
// encrypted ones (TLS 1.3 adds a content-type byte and a 16-byte tag).
func (r *recorder) appDataSizes(t *testing.T) []int {
	b := []byte(r.upload.String())
	var sizes []int
	for len(b) >= 5 {
		n := int(binary.BigEndian.Uint16(b[3:5]))
		require.LessOrEqual(t, 5+n, len(b), "a whole record")
		if b[0] == 23 {
			sizes = append(sizes, n-17)
		}
		b = b[5+n:]
	}
	return sizes
}

func TestPrivacyPadsRecordsToCells(t *testing.T) {
	for _, pad := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "padded"}[pad], func(t *testing.T) {
			n, _, echoPort := newEchoNet(t, nil)
			rec := newRecorder(t, n.addr)
			priv := tunnel.Privacy{Pad: pad, MaxDelay: time.Millisecond, Rand: rand.New(rand.NewPCG(5, 6))}
			c, err := tunnel.NewClient(tunnel.ClientConfig{RelayAddr: rec.ln.Addr().String(), RelayPin: n.pin, Key: engineer,
				ConnConfig: tunnel.ConnConfig{Logger: discard(), Privacy: priv}})
			require.NoError(t, err)
			defer c.Close()
			for _, msg := range []string{"ls", "nvidia-smi", string(bytes.Repeat([]byte("x"), 5000))} {
				conn, err := c.Dial(context.Background(), "gpu-1", echoPort)
				require.NoError(t, err)
				echoOnce(t, conn, []byte(msg))
				require.NoError(t, conn.Close())
			}
			sizes := rec.appDataSizes(t)
			// The first two encrypted records, the TLS Finished and the
			// hello, come before the padding starts.
			require.Greater(t, len(sizes), 4)
			odd := 0
			for _, s := range sizes[2:] {
				if s%tunnel.CellSize != 0 {
					odd++
				}
			}
			if pad {
				require.Zero(t, odd, "every record after the hello is whole cells: %v", sizes)
			} else {
				require.Positive(t, odd, "without padding, sizes show: %v", sizes)
			}
		})
	}
}

func TestPaddedWorker(t *testing.T) {
	n := newTestNet(t, nil)
	echoPort := serve(t, echo)
	n.startAgent("gpu-1", gpuKey, []uint16{echoPort}, func(c *tunnel.AgentConfig) {
		c.Privacy = tunnel.Privacy{Pad: true, MaxDelay: time.Millisecond}
	})
	n.waitOnline("gpu-1")
	n.rent("cluster-1", engineer, time.Hour, "gpu-1")
	conn, err := n.client(engineer).Dial(context.Background(), "gpu-1", echoPort)
	require.NoError(t, err)
	payload := bytes.Repeat([]byte("padded both ways "), 10000)
	echoOnce(t, conn, payload)
	require.NoError(t, conn.Close())
}
