package tunnel

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/yamux"

	"github.com/internetofgpus/iog"
)

// serveLink runs the acceptor's side of a link: TLS 1.3 asking for the
// peer's certificate, its hello, a check with the relay that the claimed
// device has that key and shares a rental with this one, then streams for
// the handler. relayedFrom is the device the relay vouched for, "" for a
// direct link.
func (m *Mesh) serveLink(ctx context.Context, c net.Conn, relayedFrom iog.DeviceID) {
	m.mu.Lock()
	runCtx := m.runCtx
	m.mu.Unlock()
	if runCtx == nil {
		_ = c.Close()
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(runCtx, cancel)()
	cfg := serverTLS(m.cert)
	cfg.ClientAuth = tls.RequireAnyClientCert // checked against the relay's directory in admit
	conn := tls.Server(c, cfg)
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	_ = conn.SetDeadline(ioDeadline(m.agent.cfg.HandshakeTimeout))
	peer, err := m.admit(ctx, conn, relayedFrom)
	if err != nil {
		m.logger.Warn("mesh link refused", "from", relayedFrom, "remote", c.RemoteAddr().String(), "err", err)
		_ = writeFrame(conn, frameResult, resultOf(err).encode())
		return
	}
	if err := writeFrame(conn, frameResult, result{}.encode()); err != nil {
		return
	}
	_ = conn.SetDeadline(time.Time{})
	sess, err := yamux.Server(conn, m.agent.cfg.muxConfig(m.logger, m.agent.cfg.StreamWindow))
	if err != nil {
		return
	}
	defer sess.Close()
	context.AfterFunc(ctx, func() { _ = sess.Close() })
	var wg sync.WaitGroup
	defer wg.Wait()
	if relayedFrom == "" {
		// A direct link lasts only as long as the peer may reach this node;
		// the relay cuts relayed links itself.
		wg.Go(func() { m.watch(ctx, sess, peer) })
	}
	for {
		st, err := sess.AcceptStream()
		if err != nil {
			return
		}
		wg.Go(func() { m.cfg.Handler(ctx, peer, newStream(st, nil)) })
	}
}

// watch closes an accepted direct link once the relay no longer allows
// the peer, checking every Recheck.
func (m *Mesh) watch(ctx context.Context, sess *yamux.Session, peer iog.DeviceID) {
	for {
		select {
		case <-sess.CloseChan():
			return
		case <-m.cfg.Clock.After(m.cfg.Recheck):
		case <-ctx.Done():
			return
		}
		if _, err := m.lookup(ctx, peer); revoked(err) {
			m.logger.Info("mesh link no longer allowed", "peer", peer, "err", err)
			_ = sess.Close()
			return
		}
	}
}

// revoked reports an authorization withdrawn (iog.ErrForbidden,
// iog.ErrExpired), as opposed to a check that failed for a passing
// reason.
func revoked(err error) bool {
	return errors.Is(err, iog.ErrForbidden) || errors.Is(err, iog.ErrExpired)
}

// admit authenticates the initiator of a link.
func (m *Mesh) admit(ctx context.Context, conn *tls.Conn, relayedFrom iog.DeviceID) (iog.DeviceID, error) {
	if err := conn.HandshakeContext(ctx); err != nil {
		return "", fmt.Errorf("mesh TLS: %w", err)
	}
	p, err := expectFrame(conn, frameOpenMesh)
	if err != nil {
		return "", err
	}
	req, err := decodeMeshReq(p)
	if err != nil {
		return "", err
	}
	if relayedFrom != "" && req.peer != relayedFrom {
		return "", fmt.Errorf("%w: mesh hello names %s, the relay vouched for %s", iog.ErrUnauthorized, req.peer, relayedFrom)
	}
	info, err := m.lookup(ctx, req.peer)
	if err != nil {
		return "", err
	}
	certs := conn.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return "", fmt.Errorf("%w: mesh peer sent no certificate", iog.ErrUnauthorized)
	}
	got, ok := certs[0].PublicKey.(ed25519.PublicKey)
	if !ok || !got.Equal(info.key) {
		return "", fmt.Errorf("%w: mesh peer claims %s but its key is not that device's", iog.ErrUnauthorized, req.peer)
	}
	return req.peer, nil
}
