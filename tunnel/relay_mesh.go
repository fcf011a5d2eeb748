package tunnel

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/hashicorp/yamux"
)

// workerStream serves a stream a worker opened to the relay for the mesh:
// announcing its candidate addresses, looking up a peer's, or opening a
// relayed link to a peer when no direct path works.
func (r *Relay) workerStream(ctx context.Context, w *workerConn, st *yamux.Stream) {
	defer st.Close()
	_ = st.SetDeadline(r.deadline())
	t, p, err := readFrame(st)
	if err != nil {
		r.refuse(st, err, "device", w.device)
		return
	}
	switch t {
	case frameAnnounce:
		addrs, err := decodeAddrs(p)
		if err != nil {
			r.refuse(st, err, "device", w.device)
			return
		}
		w.mu.Lock()
		w.candidates = addrs
		w.mu.Unlock()
		_ = writeFrame(st, frameResult, result{}.encode())
	case frameLookup:
		req, err := decodeMeshReq(p)
		if err == nil {
			_, err = r.cfg.Authorizer.AllowPeer(w.device, req.peer)
		}
		var peer *workerConn
		if err == nil {
			peer, err = r.worker(req.peer)
		}
		if err != nil {
			r.refuse(st, err, "device", w.device, "peer", req.peer)
			return
		}
		payload, err := candidatesPayload(peer)
		if err != nil {
			r.refuse(st, err, "device", w.device, "peer", req.peer)
			return
		}
		_ = writeFrame(st, frameCandidates, payload)
	case frameOpenMesh:
		req, err := decodeMeshReq(p)
		var until time.Time
		if err == nil {
			until, err = r.cfg.Authorizer.AllowPeer(w.device, req.peer)
		}
		if err != nil {
			r.refuse(st, err, "device", w.device, "peer", req.peer)
			return
		}
		attrs := []any{"device", w.device, "peer", req.peer, "mesh", true}
		ask := func() (time.Time, error) { return r.cfg.Authorizer.AllowPeer(w.device, req.peer) }
		r.connect(ctx, st, &w.live, req.peer, frameOpenMesh, meshReq{peer: w.device}.encode(), until, ask, attrs)
	case frameReset:
		if err := w.live.reset(p); err != nil {
			r.refuse(st, err, "device", w.device)
		}
	default:
		r.refuse(st, frameErrorf("a worker may not send a %s frame", t), "device", w.device)
	}
}

// candidatesPayload lists a peer's key and candidate addresses: the ones it
// announced, then each of their ports at the address the relay sees it
// from, which is the one that works when its NAT forwards that port.
func candidatesPayload(peer *workerConn) ([]byte, error) {
	peer.mu.Lock()
	addrs := slices.Clone(peer.candidates)
	peer.mu.Unlock()
	if host, _, err := net.SplitHostPort(peer.addr.String()); err == nil {
		for _, a := range addrs {
			_, port, err := net.SplitHostPort(a)
			if err != nil {
				continue
			}
			if seen := net.JoinHostPort(host, port); !slices.Contains(addrs, seen) && len(addrs) < maxCandidates {
				addrs = append(addrs, seen)
			}
		}
	}
	list, err := encodeAddrs(addrs)
	if err != nil {
		return nil, err
	}
	return slices.Concat(peer.key, list), nil
}

// peerInfo is what a lookup returns.
type peerInfo struct {
	key   ed25519.PublicKey
	addrs []string
}

func decodeCandidates(p []byte) (peerInfo, error) {
	if len(p) < ed25519.PublicKeySize {
		return peerInfo{}, frameErrorf("candidates: %d bytes, shorter than a key", len(p))
	}
	addrs, err := decodeAddrs(p[ed25519.PublicKeySize:])
	if err != nil {
		return peerInfo{}, fmt.Errorf("candidates: %w", err)
	}
	return peerInfo{key: slices.Clone(ed25519.PublicKey(p[:ed25519.PublicKeySize])), addrs: addrs}, nil
}
