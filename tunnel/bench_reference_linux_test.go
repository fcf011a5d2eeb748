//go:build linux

package tunnel_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The benchmarks here put the relay's throughput beside two yardsticks
// measured in the same run: the floor of the path on this machine, and a
// well-known Go relay.

// forward accepts one connection on loopback, dials target and copies
// both ways through 256 KiB buffers, passing on each end of input; it
// returns the address it listens on. Plain reads and writes, because on
// this machine they forward loopback TCP faster than the splice(2) that
// io.Copy uses between TCP sockets (about 1.6 against 1.4 GB/s over three
// hops).
func forward(b *testing.B, target string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	b.Cleanup(func() { _ = ln.Close() })
	go func() {
		in, err := ln.Accept()
		if err != nil {
			return
		}
		defer in.Close()
		out, err := net.Dial("tcp", target)
		if err != nil {
			return
		}
		defer out.Close()
		done := make(chan struct{})
		go func() {
			copyPlain(in, out)
			close(done)
		}()
		copyPlain(out, in)
		<-done
	}()
	return ln.Addr().String()
}

// copyPlain copies src to dst with read and write system calls, then
// half-closes dst.
func copyPlain(dst, src net.Conn) {
	_, _ = io.CopyBuffer(struct{ io.Writer }{dst}, struct{ io.Reader }{src}, make([]byte, 256<<10))
	_ = dst.(*net.TCPConn).CloseWrite()
}

// BenchmarkThroughputThreeHopsTCP is the floor under any relay on this
// machine: plaintext TCP over the three loopback hops a relayed stream
// crosses (engineer → relay → worker → service), the two in the middle
// forwarded by plain copies, with no cipher and no multiplexer.
func BenchmarkThroughputThreeHopsTCP(b *testing.B) {
	sinkPort := serve(b, sink)
	addr := forward(b, forward(b, net.JoinHostPort("127.0.0.1", strconv.Itoa(int(sinkPort)))))
	conn, err := net.Dial("tcp", addr)
	require.NoError(b, err)
	pushThrough(b, conn)
}

// frpEnv names a directory holding frp's frps and frpc, the reference
// relay of BenchmarkThroughputReferenceFRP; `make bench-reference` builds
// them and runs the comparison.
const frpEnv = "IOG_FRP_DIR"

// BenchmarkThroughputReferenceFRP pushes the same single stream through
// frp (github.com/fatedier/frp), a widely used Go reverse proxy with TLS
// and a yamux multiplexer between its server and its client, all parties
// on this machine as in BenchmarkThroughputRelay:
//
//   - tcp: the engineer connects in plain TCP to frps, which carries the
//     stream over TLS to frpc beside the service: one TLS leg.
//   - stcp: the engineer runs an frpc visitor, which reaches frps over TLS
//     too: two TLS legs, as this package's relay has.
//
// Its CPU time per byte adds frp's processes to this one's.
func BenchmarkThroughputReferenceFRP(b *testing.B) {
	dir := os.Getenv(frpEnv)
	if dir == "" {
		b.Skipf("%s is not set: `make bench-reference` builds frp and runs this beside the relay", frpEnv)
	}
	for _, mode := range []string{"tcp", "stcp"} {
		b.Run(mode, func(b *testing.B) {
			sinkPort := serve(b, sink)
			serverPort, entryPort := freePort(b), freePort(b)
			// frpc retries its login until frps, started just before it, listens.
			common := fmt.Sprintf("serverAddr = \"127.0.0.1\"\nserverPort = %d\nloginFailExit = false\nlog.level = \"error\"\n", serverPort)
			configs := map[string]string{
				"frps.toml": fmt.Sprintf("bindAddr = \"127.0.0.1\"\nbindPort = %d\nlog.level = \"error\"\n", serverPort),
			}
			proxy := fmt.Sprintf("[[proxies]]\nname = \"sink\"\ntype = %q\nlocalIP = \"127.0.0.1\"\nlocalPort = %d\n", mode, sinkPort)
			if mode == "tcp" {
				configs["frpc.toml"] = common + proxy + fmt.Sprintf("remotePort = %d\n", entryPort)
			} else {
				configs["frpc.toml"] = common + proxy + "secretKey = \"bench\"\n"
				configs["visitor.toml"] = common + fmt.Sprintf("[[visitors]]\nname = \"engineer\"\ntype = \"stcp\"\nserverName = \"sink\"\nsecretKey = \"bench\"\nbindAddr = \"127.0.0.1\"\nbindPort = %d\n", entryPort)
			}
			tmp := b.TempDir()
			var others []func() time.Duration
			for _, name := range []string{"frps.toml", "frpc.toml", "visitor.toml"} {
				if configs[name] == "" {
					continue
				}
				path := filepath.Join(tmp, name)
				require.NoError(b, os.WriteFile(path, []byte(configs[name]), 0o600))
				bin := filepath.Join(dir, "frpc")
				if name == "frps.toml" {
					bin = filepath.Join(dir, "frps")
				}
				cmd := exec.Command(bin, "-c", path)
				cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
				require.NoError(b, cmd.Start())
				b.Cleanup(func() {
					_ = cmd.Process.Kill()
					_ = cmd.Wait()
				})
				others = append(others, func() time.Duration { return processCPU(b, cmd.Process.Pid) })
			}
			entry := net.JoinHostPort("127.0.0.1", strconv.Itoa(int(entryPort)))
			waitThrough(b, entry)
			conn, err := net.Dial("tcp", entry)
			require.NoError(b, err)
			pushThrough(b, conn, others...)
		})
	}
}

// waitThrough waits, for up to 20 seconds, until an empty push through
// entry reaches the sink and comes back with its answer.
func waitThrough(b *testing.B, entry string) {
	var err error
	for range 200 {
		if err = emptyStream(entry); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Fatalf("nothing comes through %s: %v", entry, err)
}

func emptyStream(entry string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", entry)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if err := announce(conn, 0); err != nil {
		return err
	}
	_, err = io.ReadFull(conn, make([]byte, 1))
	return err
}

// processCPU is the user plus system CPU time of process pid so far, from
// /proc, in the kernel's clock ticks of 10 ms (USER_HZ is 100 on Linux).
func processCPU(b *testing.B, pid int) time.Duration {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	require.NoError(b, err)
	// The fields after the command name, which may hold spaces, in
	// parentheses: utime and stime are the 12th and 13th of them.
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	require.Greater(b, len(fields), 13, "/proc/%d/stat", pid)
	utime, err := strconv.ParseInt(fields[11], 10, 64)
	require.NoError(b, err)
	stime, err := strconv.ParseInt(fields[12], 10, 64)
	require.NoError(b, err)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
