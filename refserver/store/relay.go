package store

import (
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
)

// TunnelKey returns the key a device's worker opens its relay tunnel
// with, and the device's state, without locking its row: the relay reads
// it for every worker that connects. An unknown device is
// iog.ErrNotFound.
func (t *Tx) TunnelKey(id iog.DeviceID) (ed25519.PublicKey, string, error) {
	var key []byte
	var state string
	err := t.tx.QueryRowContext(t.ctx, "SELECT tunnel_key, state FROM devices WHERE id = $1", string(id)).Scan(&key, &state)
	if noRows(err) {
		return nil, "", fmt.Errorf("device %s is not registered: %w", id, iog.ErrNotFound)
	}
	if err != nil {
		return nil, "", fmt.Errorf("tunnel key of %s: %w", id, err)
	}
	if len(key) != ed25519.PublicKeySize {
		return nil, "", fmt.Errorf("device %s: stored tunnel key is %d bytes: %w", id, len(key), iog.ErrInvalid)
	}
	return ed25519.PublicKey(key), state, nil
}

// SetRelayAddr records where the leader's relay listens.
func (t *Tx) SetRelayAddr(addr string, at time.Time) error {
	err := t.exec("INSERT INTO relay_endpoint (id, addr, updated) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET addr = $1, updated = $2", addr, unix(at))
	if err != nil {
		return fmt.Errorf("record the relay's address: %w", err)
	}
	return nil
}

// RelayAddr returns where the relay listens; iog.ErrUnavailable before
// any leader has started one.
func (t *Tx) RelayAddr() (string, error) {
	var addr string
	err := t.tx.QueryRowContext(t.ctx, "SELECT addr FROM relay_endpoint WHERE id = 1").Scan(&addr)
	if noRows(err) {
		return "", fmt.Errorf("no relay has started yet: %w", iog.ErrUnavailable)
	}
	if err != nil {
		return "", fmt.Errorf("read the relay's address: %w", err)
	}
	return addr, nil
}
