package solana

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/gagliardetto/solana-go"

	"github.com/internetofgpus/iog"
)

// The ledger's token accounts are created with a seed from the authority
// (system program CreateAccountWithSeed), owned by the token program and
// held by the authority: their addresses follow from what they are for,
// so the ledger finds them again without keeping any list.

// AccountAddress returns the token account in which the ledger of
// authority keeps wallet's balance of mint.
func AccountAddress(authority, wallet, mint iog.WalletAddress) iog.WalletAddress {
	return withSeed(authority, accountSeed(wallet, mint))
}

// HoldAddress returns the escrow token account of the hold named key in
// the ledger of authority: it holds what the hold has left, and is closed
// when nothing is left.
func HoldAddress(authority iog.WalletAddress, key string) iog.WalletAddress {
	return withSeed(authority, holdSeed(key))
}

// AssociatedAddress returns owner's associated token account for mint:
// where a withdrawal to owner pays, and, for the authority, its treasury
// of a mint the ledger does not issue, which Mint pays out of and Burn
// returns to.
func AssociatedAddress(owner, mint iog.WalletAddress) (iog.WalletAddress, error) {
	a, _, err := solana.FindAssociatedTokenAddress(solana.PublicKey(owner), solana.PublicKey(mint))
	if err != nil {
		return iog.WalletAddress{}, fmt.Errorf("associated token account of %v for mint %v: %w", owner, mint, err)
	}
	return iog.WalletAddress(a), nil
}

// accountSeed and holdSeed are 32 characters, the most a seed may have:
// half a SHA-256 in hex, collision-free at any size a ledger reaches.
func accountSeed(wallet, mint iog.WalletAddress) string {
	return seed("iog account", wallet[:], mint[:])
}

func holdSeed(key string) string { return seed("iog hold", []byte(key)) }

func seed(purpose string, parts ...[]byte) string {
	h := sha256.New()
	h.Write([]byte(purpose))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func withSeed(base iog.WalletAddress, s string) iog.WalletAddress {
	a, err := solana.CreateWithSeed(solana.PublicKey(base), s, solana.TokenProgramID)
	if err != nil {
		panic("solana: seed " + s + ": " + err.Error()) // seeds are 32 bytes
	}
	return iog.WalletAddress(a)
}

func pub(w iog.WalletAddress) solana.PublicKey { return solana.PublicKey(w) }
