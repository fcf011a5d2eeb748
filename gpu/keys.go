package gpu

import (
	"crypto/ed25519"
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

// ParseSolanaKeypair reads a keypair file as solana-keygen writes it;
// see iog.ParseSolanaKeypair for the format and its errors.
func ParseSolanaKeypair(data []byte) (Keypair, error) {
	priv, err := iog.ParseSolanaKeypair(data)
	if err != nil {
		return Keypair{}, err
	}
	return Keypair{priv: priv}, nil
}

// MarshalSolanaKeypair returns the keypair in solana-keygen's file form.
// The result is a secret: store it as such.
func (k Keypair) MarshalSolanaKeypair() []byte { return iog.MarshalSolanaKeypair(k.priv) }

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
