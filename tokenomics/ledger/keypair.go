package ledger

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/internetofgpus/iog"
)

// ParseKeypair decodes a Solana keypair file, as `solana-keygen new`
// writes it: a JSON array of 64 numbers from 0 to 255, the ed25519 seed
// then the public key. A public key that does not match the seed is
// ErrInvalid, as is anything else malformed.
func ParseKeypair(data []byte) (ed25519.PrivateKey, error) {
	if len(data) > 1024 {
		return nil, fmt.Errorf("keypair: %d bytes, too long for a keypair file: %w", len(data), iog.ErrInvalid)
	}
	var raw []int
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("keypair: want a JSON array of 64 bytes: %w", iog.ErrInvalid)
	}
	if len(raw) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("keypair: %d numbers, want %d: %w", len(raw), ed25519.PrivateKeySize, iog.ErrInvalid)
	}
	b := make([]byte, len(raw))
	for i, v := range raw {
		if v < 0 || v > 255 {
			return nil, fmt.Errorf("keypair: number %d is %d, not a byte: %w", i, v, iog.ErrInvalid)
		}
		b[i] = byte(v)
	}
	key := ed25519.NewKeyFromSeed(b[:ed25519.SeedSize])
	if !key.Public().(ed25519.PublicKey).Equal(ed25519.PublicKey(b[ed25519.SeedSize:])) {
		return nil, fmt.Errorf("keypair: the public key does not match the secret: %w", iog.ErrInvalid)
	}
	return key, nil
}

// MarshalKeypair encodes key as a Solana keypair file.
func MarshalKeypair(key ed25519.PrivateKey) []byte {
	parts := make([]string, len(key))
	for i, v := range key {
		parts[i] = strconv.Itoa(int(v))
	}
	return []byte("[" + strings.Join(parts, ",") + "]")
}
