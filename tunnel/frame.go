package tunnel

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/internetofgpus/iog"
)

// The control protocol is a sequence of frames: a 1-byte type, a 2-byte
// big-endian payload length, and the payload. Frames open each connection
// (hello, result) and each stream (open, announce, lookup, reset), and
// never carry bulk data: after an open is answered, the stream carries the
// spliced bytes as they are. Every length read from the wire is bounded before
// anything is allocated for it.
const (
	frameHeaderSize = 3
	// maxFramePayload bounds one control frame.
	maxFramePayload = 4096
	// maxPorts bounds the ports a worker may expose in its hello.
	maxPorts = 64
	// maxCandidates bounds the candidate addresses of a mesh node.
	maxCandidates = 16
	// maxAddrLen bounds one candidate address ("host:port").
	maxAddrLen = 64
)

type frameType byte

const (
	frameHello      frameType = 1 // peer → relay: who I am, signed
	frameResult     frameType = 2 // answer to a hello or an open
	frameOpen       frameType = 3 // open a stream to a device's port
	frameAnnounce   frameType = 4 // mesh node → relay: my candidate addresses
	frameLookup     frameType = 5 // mesh node → relay: a peer's candidates, please
	frameCandidates frameType = 6 // relay → mesh node: a peer's candidates
	frameOpenMesh   frameType = 7 // open a relayed mesh stream to a peer device
	frameReset      frameType = 8 // a spliced stream was cut short: end it too
)

func (t frameType) String() string {
	switch t {
	case frameHello:
		return "hello"
	case frameResult:
		return "result"
	case frameOpen:
		return "open"
	case frameAnnounce:
		return "announce"
	case frameLookup:
		return "lookup"
	case frameCandidates:
		return "candidates"
	case frameOpenMesh:
		return "open-mesh"
	case frameReset:
		return "reset"
	}
	return fmt.Sprintf("frame type %d", byte(t))
}

// errFrame is the kind of every decoding failure; it matches iog.ErrInvalid.
var errFrame = fmt.Errorf("tunnel frame: %w", iog.ErrInvalid)

func frameErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errFrame, fmt.Sprintf(format, args...))
}

// writeFrame writes one frame in a single Write, so that a frame is never
// interleaved with another writer's bytes on a shared stream.
func writeFrame(w io.Writer, t frameType, payload []byte) error {
	if len(payload) > maxFramePayload {
		return frameErrorf("%s payload of %d bytes exceeds %d", t, len(payload), maxFramePayload)
	}
	buf := make([]byte, frameHeaderSize+len(payload))
	buf[0] = byte(t)
	binary.BigEndian.PutUint16(buf[1:], uint16(len(payload)))
	copy(buf[frameHeaderSize:], payload)
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("write %s frame: %w", t, err)
	}
	return nil
}

// readFrame reads exactly one frame and nothing past it, so the stream's
// following bytes are left for whoever splices it.
func readFrame(r io.Reader) (frameType, []byte, error) {
	var hdr [frameHeaderSize]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, fmt.Errorf("read frame header: %w", err)
	}
	t := frameType(hdr[0])
	if t < frameHello || t > frameReset {
		return 0, nil, frameErrorf("unknown frame type %d", hdr[0])
	}
	n := int(binary.BigEndian.Uint16(hdr[1:]))
	if n > maxFramePayload {
		return 0, nil, frameErrorf("%s payload of %d bytes exceeds %d", t, n, maxFramePayload)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return 0, nil, fmt.Errorf("read %s payload: %w", t, err)
	}
	return t, payload, nil
}

// expectFrame reads a frame of type want and returns its payload.
func expectFrame(r io.Reader, want frameType) ([]byte, error) {
	t, p, err := readFrame(r)
	if err != nil {
		return nil, err
	}
	if t != want {
		return nil, frameErrorf("got a %s frame, want %s", t, want)
	}
	return p, nil
}

// enc appends fields to a payload.
type enc struct{ b []byte }

func (e *enc) u8(v byte)     { e.b = append(e.b, v) }
func (e *enc) u16(v uint16)  { e.b = binary.BigEndian.AppendUint16(e.b, v) }
func (e *enc) u32(v uint32)  { e.b = binary.BigEndian.AppendUint32(e.b, v) }
func (e *enc) raw(v []byte)  { e.b = append(e.b, v...) }
func (e *enc) str(s string)  { e.u8(byte(len(s))); e.b = append(e.b, s...) }
func (e *enc) bytes() []byte { return e.b }

// dec reads fields from a payload; the first failure sticks, so a decoder
// checks err once at the end.
type dec struct {
	b   []byte
	err error
}

func (d *dec) fail(format string, args ...any) {
	if d.err == nil {
		d.err = frameErrorf(format, args...)
	}
}

func (d *dec) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.fail("%s: want %d bytes, %d left", what, n, len(d.b))
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *dec) u8(what string) byte {
	if v := d.take(1, what); v != nil {
		return v[0]
	}
	return 0
}

func (d *dec) u16(what string) uint16 {
	if v := d.take(2, what); v != nil {
		return binary.BigEndian.Uint16(v)
	}
	return 0
}

func (d *dec) u32(what string) uint32 {
	if v := d.take(4, what); v != nil {
		return binary.BigEndian.Uint32(v)
	}
	return 0
}

func (d *dec) str(what string) string {
	n := int(d.u8(what + " length"))
	return string(d.take(n, what))
}

// device reads a device ID and checks it.
func (d *dec) device(what string) iog.DeviceID {
	s := d.str(what)
	if d.err != nil {
		return ""
	}
	id, err := iog.ParseDeviceID(s)
	if err != nil {
		d.err = fmt.Errorf("%w: %w", errFrame, err)
	}
	return id
}

// done reports the sticky error, or trailing bytes as one.
func (d *dec) done(what string) error {
	if d.err == nil && len(d.b) > 0 {
		d.fail("%s has %d trailing bytes", what, len(d.b))
	}
	return d.err
}

// Result codes answer a hello or an open. Each maps to an iog sentinel, so
// an engineer's Dial fails with an error that errors.Is can classify.
type resultCode byte

const (
	resultOK resultCode = iota
	resultInvalid
	resultUnauthorized
	resultForbidden
	resultExpired
	resultUnavailable
	resultNotFound
)

var resultErrors = map[resultCode]error{
	resultInvalid:      iog.ErrInvalid,
	resultUnauthorized: iog.ErrUnauthorized,
	resultForbidden:    iog.ErrForbidden,
	resultExpired:      iog.ErrExpired,
	resultUnavailable:  iog.ErrUnavailable,
	resultNotFound:     iog.ErrNotFound,
}

// codeOf classifies err for the wire; errors of no known kind are
// unavailable, since the same request may succeed later.
func codeOf(err error) resultCode {
	if err == nil {
		return resultOK
	}
	for _, c := range []resultCode{resultExpired, resultForbidden, resultUnauthorized, resultNotFound, resultInvalid} {
		if errors.Is(err, resultErrors[c]) {
			return c
		}
	}
	return resultUnavailable
}

// result is the payload of a result frame.
type result struct {
	code    resultCode
	message string
}

// maxMessageLen bounds a result's human-readable message.
const maxMessageLen = 255

func resultOf(err error) result {
	if err == nil {
		return result{}
	}
	msg := err.Error()
	if len(msg) > maxMessageLen {
		msg = msg[:maxMessageLen]
	}
	return result{code: codeOf(err), message: msg}
}

func (r result) encode() []byte {
	var e enc
	e.u8(byte(r.code))
	e.str(r.message)
	return e.bytes()
}

func decodeResult(p []byte) (result, error) {
	d := dec{b: p}
	r := d.result()
	if err := d.done("result"); err != nil {
		return result{}, err
	}
	return r, nil
}

// result reads a result and checks its code.
func (d *dec) result() result {
	r := result{code: resultCode(d.u8("result code")), message: d.str("result message")}
	if _, ok := resultErrors[r.code]; d.err == nil && !ok && r.code != resultOK {
		d.fail("unknown result code %d", r.code)
	}
	return r
}

// err turns a result back into an error of its kind.
func (r result) err() error {
	if r.code == resultOK {
		return nil
	}
	return &refusal{message: r.message, kind: resultErrors[r.code]}
}

// refusal is an error the far end sent: its message already names its
// kind, which errors.Is finds through Unwrap.
type refusal struct {
	message string
	kind    error
}

func (e *refusal) Error() string { return "refused: " + e.message }
func (e *refusal) Unwrap() error { return e.kind }

// openReq is the payload of an open frame: the device and port to reach.
// On the relay-to-worker leg the device is the worker's own.
type openReq struct {
	device iog.DeviceID
	port   uint16
}

func (o openReq) encode() []byte {
	var e enc
	e.str(string(o.device))
	e.u16(o.port)
	return e.bytes()
}

func decodeOpen(p []byte) (openReq, error) {
	d := dec{b: p}
	o := openReq{device: d.device("device"), port: d.u16("port")}
	if err := d.done("open"); err != nil {
		return openReq{}, err
	}
	if o.port == 0 {
		return openReq{}, frameErrorf("open names port 0")
	}
	return o, nil
}

// resetReq is the payload of a reset frame: the multiplexer stream, on
// the connection the frame arrives on, that the sender cut short, and why.
// Streams on one connection never reuse an ID, so a reset for a stream
// that has ended already names no other.
type resetReq struct {
	stream uint32
	why    result
}

func (r resetReq) encode() []byte {
	var e enc
	e.u32(r.stream)
	e.raw(r.why.encode())
	return e.bytes()
}

func decodeReset(p []byte) (resetReq, error) {
	d := dec{b: p}
	r := resetReq{stream: d.u32("stream"), why: d.result()}
	if err := d.done("reset"); err != nil {
		return resetReq{}, err
	}
	if r.why.code == resultOK {
		return resetReq{}, frameErrorf("reset of stream %d gives no reason", r.stream)
	}
	return r, nil
}

// meshReq is the payload of lookup and open-mesh frames: the peer device,
// and for open-mesh on the relay-to-worker leg, the device asking.
type meshReq struct {
	peer iog.DeviceID
}

func (m meshReq) encode() []byte {
	var e enc
	e.str(string(m.peer))
	return e.bytes()
}

func decodeMeshReq(p []byte) (meshReq, error) {
	d := dec{b: p}
	m := meshReq{peer: d.device("peer device")}
	if err := d.done("mesh request"); err != nil {
		return meshReq{}, err
	}
	return m, nil
}

// encodeAddrs and decodeAddrs carry candidate address lists.
func encodeAddrs(addrs []string) ([]byte, error) {
	if len(addrs) > maxCandidates {
		return nil, frameErrorf("%d candidate addresses, at most %d", len(addrs), maxCandidates)
	}
	var e enc
	e.u8(byte(len(addrs)))
	for _, a := range addrs {
		if len(a) == 0 || len(a) > maxAddrLen {
			return nil, frameErrorf("candidate address %q: want 1 to %d bytes", a, maxAddrLen)
		}
		e.str(a)
	}
	return e.bytes(), nil
}

func decodeAddrs(p []byte) ([]string, error) {
	d := dec{b: p}
	n := int(d.u8("candidate count"))
	if n > maxCandidates {
		return nil, frameErrorf("%d candidate addresses, at most %d", n, maxCandidates)
	}
	addrs := make([]string, 0, n)
	for range n {
		a := d.str("candidate address")
		if d.err == nil && (len(a) == 0 || len(a) > maxAddrLen) {
			d.fail("candidate address of %d bytes: want 1 to %d", len(a), maxAddrLen)
		}
		addrs = append(addrs, a)
	}
	if err := d.done("candidates"); err != nil {
		return nil, err
	}
	return addrs, nil
}
