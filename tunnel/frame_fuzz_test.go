package tunnel

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

func testKey(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

func frameBytes(t frameType, payload []byte) []byte {
	var b bytes.Buffer
	if err := writeFrame(&b, t, payload); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// FuzzFrames feeds arbitrary bytes to every frame decoder. Whatever decodes
// must encode back to the same payload, and whatever fails must fail as
// ErrInvalid or a short read, never a panic.
func FuzzFrames(f *testing.F) {
	addrs, _ := encodeAddrs([]string{"10.0.0.1:7000", "[::1]:7000"})
	seeds := [][]byte{
		frameBytes(frameOpen, openReq{device: "gpu-1", port: 22}.encode()),
		frameBytes(frameResult, resultOf(iog.ErrForbidden).encode()),
		frameBytes(frameResult, result{}.encode()),
		frameBytes(frameAnnounce, addrs),
		frameBytes(frameCandidates, append(bytes.Repeat([]byte{7}, 32), addrs...)),
		frameBytes(frameLookup, meshReq{peer: "gpu-2"}.encode()),
		frameBytes(frameOpenMesh, meshReq{peer: "gpu-2"}.encode()),
		frameBytes(frameReset, resetReq{stream: 7, why: resultOf(iog.ErrExpired)}.encode()),
		frameBytes(frameReset, append([]byte{0, 0, 0, 7}, result{}.encode()...)),
		{byte(frameOpen), 0xff, 0xff},
		{byte(frameOpen), 0, 3, 1, 'a'},
		{99, 0, 0},
		{},
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ft, p, err := readFrame(bytes.NewReader(data))
		if err != nil {
			return
		}
		require.LessOrEqual(t, len(p), maxFramePayload)
		check := func(err error, reencoded func() []byte) {
			if err != nil {
				require.True(t, errors.Is(err, iog.ErrInvalid), "%v", err)
				return
			}
			require.Equal(t, p, reencoded())
		}
		switch ft {
		case frameOpen:
			o, err := decodeOpen(p)
			check(err, o.encode)
		case frameResult:
			r, err := decodeResult(p)
			check(err, r.encode)
			if err == nil && r.code != resultOK {
				require.Error(t, r.err())
			}
		case frameAnnounce:
			a, err := decodeAddrs(p)
			check(err, func() []byte { b, err := encodeAddrs(a); require.NoError(t, err); return b })
		case frameCandidates:
			c, err := decodeCandidates(p)
			check(err, func() []byte {
				b, err := encodeAddrs(c.addrs)
				require.NoError(t, err)
				return append(append([]byte{}, c.key...), b...)
			})
		case frameLookup, frameOpenMesh:
			m, err := decodeMeshReq(p)
			check(err, m.encode)
		case frameReset:
			r, err := decodeReset(p)
			check(err, r.encode)
			if err == nil {
				require.Error(t, r.why.err())
			}
		case frameHello:
			h, err := decodeHello(p)
			check(err, h.encode)
		}
	})
}

// FuzzHello feeds arbitrary bytes to the relay's side of the handshake: a
// hello that verifies must be the one signed for this session's keying
// material, so mutations of a good hello must all be refused.
func FuzzHello(f *testing.F) {
	ekm := bytes.Repeat([]byte{0x5a}, ekmSize)
	key := testKey(1)
	good := func(h hello) []byte {
		h.key = key.Public().(ed25519.PublicKey)
		h.sig = ed25519.Sign(key, h.signedMessage(ekm))
		return frameBytes(frameHello, h.encode())
	}
	worker := good(hello{role: roleWorker, device: "gpu-1", ports: []uint16{22, 8265}})
	f.Add(worker)
	f.Add(good(hello{role: roleEngineer}))
	f.Add(good(hello{role: roleEngineer, flags: helloFlagPad}))
	f.Add(worker[:len(worker)-1])
	f.Add([]byte{byte(frameHello), 0, 1, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := readHello(bytes.NewReader(data), ekm)
		if err != nil {
			require.True(t, errors.Is(err, iog.ErrInvalid) || errors.Is(err, iog.ErrUnauthorized) ||
				errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF), "%v", err)
			return
		}
		// Only our key signs for this session, so what verifies is a hello
		// we signed, byte for byte.
		require.Equal(t, ed25519.PublicKey(key.Public().(ed25519.PublicKey)), h.key)
		require.Equal(t, data[:frameHeaderSize+len(h.encode())], frameBytes(frameHello, h.encode()))
		_, err = readHello(bytes.NewReader(data), bytes.Repeat([]byte{0x5b}, ekmSize))
		require.ErrorIs(t, err, iog.ErrUnauthorized, "a hello must not verify in another session")
	})
}

func TestHelloRoundTrip(t *testing.T) {
	ekm := bytes.Repeat([]byte{1}, ekmSize)
	key := testKey(3)
	tests := []hello{
		{role: roleWorker, device: "gpu-1", ports: []uint16{22}},
		{role: roleWorker, device: "a:b.c_d-e", ports: nil},
		{role: roleEngineer},
	}
	for _, h := range tests {
		t.Run(h.role.String()+string(h.device), func(t *testing.T) {
			h.key = key.Public().(ed25519.PublicKey)
			h.sig = ed25519.Sign(key, h.signedMessage(ekm))
			got, err := readHello(bytes.NewReader(frameBytes(frameHello, h.encode())), ekm)
			require.NoError(t, err)
			require.Equal(t, h.device, got.device)
			require.Equal(t, h.ports, got.ports)
			_, err = readHello(bytes.NewReader(frameBytes(frameHello, h.encode())), bytes.Repeat([]byte{2}, ekmSize))
			require.ErrorIs(t, err, iog.ErrUnauthorized)
		})
	}
	bad := []hello{
		{role: 9},
		{role: roleWorker, device: "bad device"},
		{role: roleWorker, device: "gpu-1", ports: []uint16{0}},
		{role: roleEngineer, device: "gpu-1"},
		{role: roleWorker, device: "gpu-1", ports: make([]uint16, maxPorts+1)},
	}
	for _, h := range bad {
		h.key = key.Public().(ed25519.PublicKey)
		h.sig = ed25519.Sign(key, h.signedMessage(ekm))
		_, err := readHello(bytes.NewReader(frameBytes(frameHello, h.encode())), ekm)
		require.ErrorIs(t, err, iog.ErrInvalid)
	}
}

func TestFrameBounds(t *testing.T) {
	require.ErrorIs(t, writeFrame(&bytes.Buffer{}, frameOpen, make([]byte, maxFramePayload+1)), iog.ErrInvalid)
	_, _, err := readFrame(bytes.NewReader([]byte{byte(frameOpen), 0x10, 0x01}))
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = expectFrame(bytes.NewReader(frameBytes(frameResult, result{}.encode())), frameOpen)
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = encodeAddrs(make([]string, maxCandidates+1))
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = encodeAddrs([]string{""})
	require.ErrorIs(t, err, iog.ErrInvalid)
	for code, sentinel := range resultErrors {
		r, err := decodeResult(resultOf(sentinel).encode())
		require.NoError(t, err)
		require.Equal(t, code, r.code)
		require.ErrorIs(t, r.err(), sentinel)
	}
}

// FuzzPaddedCells feeds arbitrary bytes to the padded-cell reader: it must
// return only data a cell can hold, and fail as ErrInvalid or a short read.
func FuzzPaddedCells(f *testing.F) {
	var wire bytes.Buffer
	w := withPrivacy(nopConn{w: &wire}, Privacy{Pad: true}, true)
	_, _ = w.Write([]byte("hello"))
	_, _ = w.Write(bytes.Repeat([]byte{9}, 3000))
	f.Add(wire.Bytes())
	f.Add([]byte{0xff, 0xff})
	f.Add(make([]byte, CellSize))
	f.Fuzz(func(t *testing.T, data []byte) {
		var cell [CellSize]byte
		r := bytes.NewReader(data)
		for range len(data)/CellSize + 1 {
			got, err := readCell(r, &cell)
			if err != nil {
				require.True(t, errors.Is(err, iog.ErrInvalid) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF), "%v", err)
				return
			}
			require.LessOrEqual(t, len(got), cellData)
		}
	})
}

func TestPaddedCellsRoundTrip(t *testing.T) {
	var wire bytes.Buffer
	w := withPrivacy(nopConn{w: &wire}, Privacy{Pad: true}, true)
	var sent []byte
	for _, n := range []int{0, 1, cellData - 1, cellData, cellData + 1, 5000} {
		p := bytes.Repeat([]byte{byte(n)}, n)
		k, err := w.Write(p)
		require.NoError(t, err)
		require.Equal(t, n, k)
		sent = append(sent, p...)
	}
	require.Zero(t, wire.Len()%CellSize, "the wire carries whole cells only")
	r := withPrivacy(nopConn{r: &wire}, Privacy{Pad: true}, true)
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	require.Equal(t, sent, got)
	_, wrapped := withPrivacy(nopConn{}, Privacy{}, false).(*privateConn)
	require.False(t, wrapped, "no privacy, no wrapper")
}

// nopConn is a net.Conn over a reader and a writer.
type nopConn struct {
	net.Conn
	r io.Reader
	w io.Writer
}

func (c nopConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c nopConn) Write(p []byte) (int, error) { return c.w.Write(p) }
