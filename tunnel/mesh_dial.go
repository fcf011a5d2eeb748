package tunnel

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"fmt"
	"net"

	"github.com/hashicorp/yamux"

	"github.com/internetofgpus/iog"
)

// Dial opens a stream to peer over the best link, making the link first if
// there is none. Errors are as for Tunnel.Dial, from the relay's
// Authorizer; a peer whose key does not match is iog.ErrUnauthorized.
func (m *Mesh) Dial(ctx context.Context, peer iog.DeviceID) (net.Conn, error) {
	for try := 0; ; try++ {
		l, err := m.link(ctx, peer)
		if err != nil {
			return nil, fmt.Errorf("mesh dial %s: %w", peer, err)
		}
		st, err := l.sess.OpenStream()
		if err == nil {
			return newStream(st, nil), nil
		}
		m.drop(l)
		if try > 0 || ctx.Err() != nil {
			return nil, fmt.Errorf("mesh dial %s: %w: %w", peer, iog.ErrUnavailable, err)
		}
	}
}

// link returns the live link to peer, making one if needed; concurrent
// callers share one attempt.
func (m *Mesh) link(ctx context.Context, peer iog.DeviceID) (*link, error) {
	for {
		m.mu.Lock()
		if m.runCtx == nil {
			m.mu.Unlock()
			return nil, fmt.Errorf("%w: the mesh is not running", iog.ErrUnavailable)
		}
		if l, ok := m.links[peer]; ok && !l.sess.IsClosed() {
			m.mu.Unlock()
			return l, nil
		}
		wait, busy := m.dialing[peer]
		if !busy {
			done := make(chan struct{})
			m.dialing[peer] = done
			runCtx := m.runCtx
			m.mu.Unlock()
			l, err := m.establish(ctx, runCtx, peer)
			m.mu.Lock()
			delete(m.dialing, peer)
			close(done)
			if err == nil {
				if runCtx.Err() != nil {
					l.close()
					err = fmt.Errorf("%w: the mesh has stopped", iog.ErrUnavailable)
				} else {
					m.links[peer] = l
				}
			}
			m.mu.Unlock()
			return l, err
		}
		m.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// establish makes a link to peer: direct if any candidate answers, the
// fastest of them, else through the relay.
func (m *Mesh) establish(ctx, runCtx context.Context, peer iog.DeviceID) (*link, error) {
	info, err := m.lookup(ctx, peer)
	if err != nil {
		return nil, err
	}
	l, err := m.direct(ctx, runCtx, peer, info)
	if err == nil {
		m.logger.Info("mesh link direct", "peer", peer, "addr", l.addr, "rtt", l.rtt)
		return l, nil
	}
	m.logger.Info("no direct path; using the relay", "peer", peer, "err", err)
	st, _, _, err := m.agent.request(ctx, frameOpenMesh, meshReq{peer: peer}.encode())
	if err != nil {
		return nil, err
	}
	l, err = m.secure(ctx, runCtx, st, peer, info.key)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	m.logger.Info("mesh link relayed", "peer", peer, "rtt", l.rtt)
	return l, nil
}

// direct tries every candidate at once and keeps the one with the
// shortest round trip.
func (m *Mesh) direct(ctx, runCtx context.Context, peer iog.DeviceID, info peerInfo) (*link, error) {
	if len(info.addrs) == 0 {
		return nil, fmt.Errorf("%w: peer %s announced no candidates", iog.ErrUnavailable, peer)
	}
	type attempt struct {
		l   *link
		err error
	}
	results := make(chan attempt, len(info.addrs))
	for _, addr := range info.addrs {
		go func() {
			actx, cancel := context.WithTimeout(ctx, m.cfg.DialTimeout)
			defer cancel()
			c, err := m.cfg.Dial(actx, "tcp", addr)
			if err != nil {
				results <- attempt{err: err}
				return
			}
			l, err := m.secure(actx, runCtx, c, peer, info.key)
			if err != nil {
				_ = c.Close()
				results <- attempt{err: err}
				return
			}
			l.direct, l.addr = true, addr
			results <- attempt{l: l}
		}()
	}
	var best *link
	var errs []error
	for range info.addrs {
		a := <-results
		switch {
		case a.err != nil:
			errs = append(errs, a.err)
		case best == nil || a.l.rtt < best.rtt:
			if best != nil {
				best.close()
			}
			best = a.l
		default:
			a.l.close()
		}
	}
	if best == nil {
		return nil, fmt.Errorf("%w: %w", iog.ErrUnavailable, errors.Join(errs...))
	}
	return best, nil
}

// secure runs the initiator's side of a link over c: TLS 1.3 with the
// node's certificate, checking the peer's key, then its identity, then the
// multiplexer and one ping to measure the round trip.
func (m *Mesh) secure(ctx, runCtx context.Context, c net.Conn, peer iog.DeviceID, key ed25519.PublicKey) (*link, error) {
	pin, err := PinOfKey(key)
	if err != nil {
		return nil, err
	}
	conn := tls.Client(c, clientTLS(pin, &m.cert))
	if err := conn.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("mesh TLS with %s: %w", peer, err)
	}
	if _, _, err := exchange(ctx, conn, frameOpenMesh, meshReq{peer: m.device}.encode()); err != nil {
		return nil, fmt.Errorf("mesh hello to %s: %w", peer, err)
	}
	sess, err := yamux.Client(conn, m.agent.cfg.muxConfig(m.logger, m.agent.cfg.StreamWindow))
	if err != nil {
		return nil, err
	}
	l := &link{peer: peer, sess: sess, stop: context.AfterFunc(runCtx, func() { _ = sess.Close() })}
	if l.rtt, err = sess.Ping(); err != nil {
		l.close()
		return nil, fmt.Errorf("mesh ping to %s: %w", peer, err)
	}
	return l, nil
}
