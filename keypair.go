package iog

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"strconv"
)

// maxKeypairFile bounds a keypair file: 64 numbers of up to three digits,
// with room for spacing.
const maxKeypairFile = 4096

// ParseSolanaKeypair reads a keypair file as solana-keygen writes it: a
// JSON array of the 64 bytes of the ed25519 seed followed by the public
// key. A file that is not such an array, has anything after it, or whose
// public key does not belong to its seed is ErrInvalid.
func ParseSolanaKeypair(data []byte) (ed25519.PrivateKey, error) {
	if len(data) > maxKeypairFile {
		return nil, invalidf("solana keypair: %d bytes, more than %d", len(data), maxKeypairFile)
	}
	var nums []int
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&nums); err != nil {
		return nil, invalidf("solana keypair: want a JSON array of 64 numbers from 0 to 255: %v", err)
	}
	// Only whitespace may follow the array. dec.More would let a stray ']'
	// or '}' through: it reads one as the end of an enclosing value.
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalidf("solana keypair: data after the array")
	}
	if len(nums) != ed25519.PrivateKeySize {
		return nil, invalidf("solana keypair: %d numbers, want %d", len(nums), ed25519.PrivateKeySize)
	}
	raw := make([]byte, len(nums))
	for i, n := range nums {
		if n < 0 || n > 255 {
			return nil, invalidf("solana keypair: number %d is %d, want 0 to 255", i, n)
		}
		raw[i] = byte(n)
	}
	key := ed25519.NewKeyFromSeed(raw[:ed25519.SeedSize])
	if !bytes.Equal(key[ed25519.SeedSize:], raw[ed25519.SeedSize:]) {
		return nil, invalidf("solana keypair: the public key does not belong to the secret key")
	}
	return key, nil
}

// MarshalSolanaKeypair returns key in solana-keygen's file form. The
// result is a secret: store it as such.
func MarshalSolanaKeypair(key ed25519.PrivateKey) []byte {
	b := make([]byte, 0, 4*len(key)+2)
	b = append(b, '[')
	for i, v := range key {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, uint64(v), 10)
	}
	return append(b, ']')
}
