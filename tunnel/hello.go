package tunnel

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"time"

	"github.com/hashicorp/yamux"

	"github.com/internetofgpus/iog"
)

// role says which side of a tunnel a peer is.
type role byte

const (
	roleWorker   role = 1 // a worker agent serving one device
	roleEngineer role = 2 // an engineer reaching rented devices
)

func (r role) String() string {
	switch r {
	case roleWorker:
		return "worker"
	case roleEngineer:
		return "engineer"
	}
	return fmt.Sprintf("role %d", byte(r))
}

// hello is the first frame a peer sends after the TLS handshake. Its
// signature covers the hello and keying material exported from this TLS
// session, which both ends derive and which no other session shares: the
// server's TLS random is the challenge, and a signature captured by a
// malicious relay cannot be replayed into another session.
type hello struct {
	role   role
	flags  byte              // helloFlagPad, or 0
	key    ed25519.PublicKey // device key (worker) or wallet key (engineer)
	device iog.DeviceID      // worker only
	ports  []uint16          // worker only: the ports it exposes
	sig    []byte
}

const (
	// ekmLabel names the keying material exported for the hello signature.
	ekmLabel = "EXPORTER-iog-tunnel-hello-v1"
	ekmSize  = 32
	// helloContext separates hello signatures from any other signature made
	// with the same device or wallet key.
	helloContext = "iog tunnel hello v1\x00"
)

// body encodes the signed part of the hello.
func (h hello) body() []byte {
	var e enc
	e.u8(byte(h.role))
	e.u8(h.flags)
	e.raw(h.key)
	e.str(string(h.device))
	e.u8(byte(len(h.ports)))
	for _, p := range h.ports {
		e.u16(p)
	}
	return e.bytes()
}

func (h hello) signedMessage(ekm []byte) []byte {
	return slices.Concat([]byte(helloContext), ekm, h.body())
}

func (h hello) encode() []byte { return slices.Concat(h.body(), h.sig) }

func decodeHello(p []byte) (hello, error) {
	d := dec{b: p}
	h := hello{role: role(d.u8("role")), flags: d.u8("flags")}
	if h.flags&^helloFlagPad != 0 {
		d.fail("unknown hello flags %#x", h.flags)
	}
	h.key = ed25519.PublicKey(d.take(ed25519.PublicKeySize, "public key"))
	dev := d.str("device")
	n := int(d.u8("port count"))
	if n > maxPorts {
		d.fail("hello exposes %d ports, at most %d", n, maxPorts)
	}
	for i := 0; i < n && d.err == nil; i++ {
		h.ports = append(h.ports, d.u16("port"))
	}
	h.sig = d.take(ed25519.SignatureSize, "signature")
	if err := d.done("hello"); err != nil {
		return hello{}, err
	}
	switch h.role {
	case roleWorker:
		id, err := iog.ParseDeviceID(dev)
		if err != nil {
			return hello{}, fmt.Errorf("%w: worker hello: %w", errFrame, err)
		}
		h.device = id
		if slices.Contains(h.ports, 0) {
			return hello{}, frameErrorf("worker hello exposes port 0")
		}
	case roleEngineer:
		if dev != "" || n != 0 {
			return hello{}, frameErrorf("engineer hello names a device or ports")
		}
	default:
		return hello{}, frameErrorf("unknown role %d", byte(h.role))
	}
	return h, nil
}

// exportEKM derives the session-bound challenge from a TLS connection.
func exportEKM(cs tls.ConnectionState) ([]byte, error) {
	ekm, err := cs.ExportKeyingMaterial(ekmLabel, nil, ekmSize)
	if err != nil {
		return nil, fmt.Errorf("export TLS keying material: %w", err)
	}
	return ekm, nil
}

// readHello reads and verifies a hello on the relay's side. A hello that
// does not decode is ErrInvalid; a bad signature is ErrUnauthorized.
func readHello(r io.Reader, ekm []byte) (hello, error) {
	p, err := expectFrame(r, frameHello)
	if err != nil {
		return hello{}, err
	}
	h, err := decodeHello(p)
	if err != nil {
		return hello{}, err
	}
	if !ed25519.Verify(h.key, h.signedMessage(ekm), h.sig) {
		return hello{}, fmt.Errorf("hello from %s key %x: %w: signature does not verify for this session", h.role, []byte(h.key[:8]), iog.ErrUnauthorized)
	}
	return h, nil
}

// dialConfig is what a worker or an engineer needs to reach the relay.
type dialConfig struct {
	addr    string
	pin     Pin
	timeout time.Duration
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
}

// dialRelay connects to the relay, checks its pinned key, and sends h
// signed with key; it returns the connection once the relay accepts,
// wrapped for privacy as priv asks, and the path's round-trip time as
// the kernel measured it (zero if not known).
func dialRelay(ctx context.Context, dc dialConfig, h hello, key ed25519.PrivateKey, priv Privacy) (net.Conn, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, dc.timeout)
	defer cancel()
	raw, err := dc.dial(ctx, "tcp", dc.addr)
	if err != nil {
		return nil, 0, fmt.Errorf("dial relay %s: %w: %w", dc.addr, iog.ErrUnavailable, err)
	}
	conn := tls.Client(raw, clientTLS(dc.pin, nil))
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(pastDeadline) })
	ok := false
	defer func() {
		stop()
		if !ok {
			_ = conn.Close()
		}
	}()
	if err := conn.HandshakeContext(ctx); err != nil {
		return nil, 0, fmt.Errorf("TLS handshake with relay %s: %w", dc.addr, err)
	}
	ekm, err := exportEKM(conn.ConnectionState())
	if err != nil {
		return nil, 0, err
	}
	h.key = key.Public().(ed25519.PublicKey)
	if priv.Pad {
		h.flags |= helloFlagPad
	}
	h.sig = ed25519.Sign(key, h.signedMessage(ekm))
	if err := writeFrame(conn, frameHello, h.encode()); err != nil {
		return nil, 0, fmt.Errorf("hello to relay %s: %w", dc.addr, err)
	}
	p, err := expectFrame(conn, frameResult)
	if err != nil {
		return nil, 0, fmt.Errorf("hello to relay %s: %w", dc.addr, err)
	}
	res, err := decodeResult(p)
	if err != nil {
		return nil, 0, fmt.Errorf("hello to relay %s: %w", dc.addr, err)
	}
	if err := res.err(); err != nil {
		return nil, 0, fmt.Errorf("hello to relay %s: %w", dc.addr, err)
	}
	if !stop() {
		return nil, 0, fmt.Errorf("hello to relay %s: %w", dc.addr, ctx.Err())
	}
	_ = conn.SetDeadline(time.Time{})
	ok = true
	return withPrivacy(conn, priv, priv.Pad), pathRTT(raw), nil
}

// muxRelay connects to the relay as dialRelay does and multiplexes the
// connection as the client side.
func muxRelay(ctx context.Context, dc dialConfig, h hello, key ed25519.PrivateKey, cc ConnConfig, logger *slog.Logger) (*yamux.Session, error) {
	conn, rtt, err := dialRelay(ctx, dc, h, key, cc.Privacy)
	if err != nil {
		return nil, err
	}
	sess, err := yamux.Client(conn, cc.muxConfig(logger, cc.window(rtt)))
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("multiplex relay connection: %w", err)
	}
	return sess, nil
}

// pastDeadline is a deadline long gone: setting it makes blocked reads and
// writes on a connection return at once.
var pastDeadline = time.Unix(1, 0)
