package api

// Relay is where the network's tunnel relay listens and the pin of its TLS
// key (tunnel.Pin, hex), which workers and renters check instead of a
// certificate authority. The pin is derived from the network's authority
// key, so it stays the same across restarts and leaders.
type Relay struct {
	// Addr is the relay's host:port.
	Addr string `json:"addr"`
	// Pin is the SHA-256 of the relay key's SubjectPublicKeyInfo, in hex.
	Pin string `json:"pin"`
}
