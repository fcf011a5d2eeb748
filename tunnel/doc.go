// Package tunnel reaches GPU workers that sit behind NAT and firewalls,
// and links the nodes of a cluster to each other.
//
// A worker's Agent dials out to a Relay over TLS 1.3 and keeps one
// multiplexed connection (yamux) open, reconnecting with jittered
// exponential backoff whenever it drops. An engineer's Client, the
// package's Tunnel, dials the same relay, names a device and a port, and
// gets a stream that the relay splices to a stream it opens to the worker,
// which connects it to that port on its own host. Client.Forward serves a
// local listener the same way, like ssh -L.
//
// Nobody shares a token. Workers prove their ed25519 device key and
// engineers their wallet key by signing a hello bound to the TLS session
// (keying material exported from it, so a signature cannot be replayed into
// another session); peers pin the relay's key instead of trusting a
// certificate authority. The relay asks an Authorizer for every worker and
// every stream: an engineer reaches only devices of clusters they rent, on
// ports the worker exposes, until the rental ends, when open streams are
// closed too. Rentals is an in-memory Authorizer; refusals are logged and
// counted. A server keeps its state as records (Rentals.Records) and
// rebuilds it with Rentals.Restore; Rentals.RemoveDevice takes a device
// out of the network, its open streams closing as at the end of a rental.
//
// A stream cut short, by the end of its rental, by a failure at either
// end, or by an engineer who closes it before reading its end, ends on
// every hop as a TCP reset would: the multiplexer has no reset of its
// own, so the side that cuts it sends the others a reset frame on a
// stream of its own. The engineer's reads and writes then fail with the
// reason (iog.ErrExpired for a rental that ended, say), so that a transfer
// cut short never reads as complete, and the worker closes its
// connection to the local port. A connection lost on any hop, by a
// keepalive that went unanswered or a write that waited PeerTimeout,
// fails every stream on it the same way, with iog.ErrUnavailable: the
// multiplexer would report it as a clean end of each.
//
// The relay meters each device's tunnel (Stats) and may hold it to a rate.
// Keepalives on every connection notice a dead peer within seconds. A Mesh
// links the nodes of one cluster: each learns its peers' candidate
// addresses through the relay, dials them in parallel, keeps the fastest
// direct path, and falls back to a stream through the relay; either way
// the link is TLS 1.3 between the nodes' own keys, which the relay cannot
// read.
//
// Privacy, off by default, pads a connection's traffic into fixed-size
// cells and jitters its writes, so that an observer of the relay learns
// less from the traffic's shape.
package tunnel
