package gpu

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"

	"github.com/internetofgpus/iog"
)

// Keypair is a supplier's ed25519 signing key: the same key as a Solana
// wallet's, so its public key is the supplier's iog.WalletAddress.
type Keypair struct {
	priv ed25519.PrivateKey
}

// NewKeypair draws a new keypair's seed from random: crypto/rand.Reader in
// production, a seeded source in tests and simulation.
func NewKeypair(random io.Reader) (Keypair, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := io.ReadFull(random, seed); err != nil {
		return Keypair{}, fmt.Errorf("new keypair: read random seed: %w", err)
	}
	return Keypair{priv: ed25519.NewKeyFromSeed(seed)}, nil
}

// KeypairFromSeed returns the keypair of a 32-byte ed25519 seed. Another
// length is ErrInvalid.
func KeypairFromSeed(seed []byte) (Keypair, error) {
	if len(seed) != ed25519.SeedSize {
		return Keypair{}, fmt.Errorf("keypair seed is %d bytes, want %d: %w", len(seed), ed25519.SeedSize, iog.ErrInvalid)
	}
	return Keypair{priv: ed25519.NewKeyFromSeed(seed)}, nil
}

// ParseSolanaKeypair reads a keypair file as solana-keygen writes it: a
// JSON array of the 64 bytes of the seed followed by the public key. A
// file whose public key does not match its seed, or that is not such an
// array, is ErrInvalid.
func ParseSolanaKeypair(data []byte) (Keypair, error) {
	const maxFile = 4096 // 64 numbers of up to 3 digits, with room for spacing
	if len(data) > maxFile {
		return Keypair{}, fmt.Errorf("solana keypair: %d bytes, more than %d: %w", len(data), maxFile, iog.ErrInvalid)
	}
	var nums []int
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&nums); err != nil {
		return Keypair{}, fmt.Errorf("solana keypair: want a JSON array of 64 numbers from 0 to 255: %v: %w", err, iog.ErrInvalid)
	}
	if dec.More() {
		return Keypair{}, fmt.Errorf("solana keypair: data after the array: %w", iog.ErrInvalid)
	}
	if len(nums) != ed25519.PrivateKeySize {
		return Keypair{}, fmt.Errorf("solana keypair: %d numbers, want %d: %w", len(nums), ed25519.PrivateKeySize, iog.ErrInvalid)
	}
	raw := make([]byte, len(nums))
	for i, n := range nums {
		if n < 0 || n > 255 {
			return Keypair{}, fmt.Errorf("solana keypair: number %d is %d, want 0 to 255: %w", i, n, iog.ErrInvalid)
		}
		raw[i] = byte(n)
	}
	k := Keypair{priv: ed25519.NewKeyFromSeed(raw[:ed25519.SeedSize])}
	if !bytes.Equal(k.priv[ed25519.SeedSize:], raw[ed25519.SeedSize:]) {
		return Keypair{}, fmt.Errorf("solana keypair: the public key does not belong to the secret key: %w", iog.ErrInvalid)
	}
	return k, nil
}

// MarshalSolanaKeypair returns the keypair in solana-keygen's file form.
// The result is a secret: store it as such.
func (k Keypair) MarshalSolanaKeypair() []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, v := range k.priv {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, v)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// Address returns the keypair's public key as a wallet address; the zero
// address for the zero Keypair.
func (k Keypair) Address() iog.WalletAddress {
	if len(k.priv) != ed25519.PrivateKeySize {
		return iog.WalletAddress{}
	}
	return iog.WalletAddress(k.priv[ed25519.SeedSize:])
}

// Sign signs message with the key, as a Solana wallet signs.
func (k Keypair) Sign(message []byte) ([]byte, error) {
	if len(k.priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("sign: the keypair is empty: %w", iog.ErrInvalid)
	}
	return ed25519.Sign(k.priv, message), nil
}

// SignReport encodes r and signs it. r.Owner must be the keypair's
// address (a zero Owner is filled in with it); another owner is
// ErrInvalid, since the server would refuse the report.
func (k Keypair) SignReport(r Report) (SignedReport, error) {
	addr := k.Address()
	if r.Owner.IsZero() {
		r.Owner = addr
	}
	if r.Owner != addr || addr.IsZero() {
		return nil, fmt.Errorf("sign report: the report names owner %s, the key is %s's: %w", r.Owner, addr, iog.ErrInvalid)
	}
	payload, err := EncodeReport(r)
	if err != nil {
		return nil, fmt.Errorf("sign report: %w", err)
	}
	sig, err := k.Sign(payload)
	if err != nil {
		return nil, err
	}
	return SignedReport(append(payload, sig...)), nil
}
