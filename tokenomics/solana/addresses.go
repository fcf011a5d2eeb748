package solana

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"github.com/gagliardetto/solana-go"

	"github.com/internetofgpus/iog"
)

// The ledger's token accounts are created with a seed from the authority
// (system program CreateAccountWithSeed), owned by the token program and
// held by the authority: their addresses follow from what they are for,
// so the ledger finds them again without keeping any list. Each wallet
// has one for each mint it is credited in, and each mint one escrow for
// all the holds in it.

// AccountAddress returns the token account in which the ledger of
// authority keeps wallet's balance of mint.
func AccountAddress(authority, wallet, mint iog.WalletAddress) iog.WalletAddress {
	return withSeed(authority, accountSeed(wallet, mint))
}

// EscrowAddress returns the escrow token account of mint in the ledger
// of authority: it holds what every open hold in that currency has left.
func EscrowAddress(authority, mint iog.WalletAddress) iog.WalletAddress {
	return withSeed(authority, escrowSeed(mint))
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

// accountSeed and escrowSeed are 24 characters: 144 bits of a SHA-256
// in base64url, beyond the reach of collisions and of a search for a
// wallet whose account would be another's, and 8 bytes shorter than the
// 32 a seed may have, in every instruction that creates an account.
func accountSeed(wallet, mint iog.WalletAddress) string {
	return seed("iog account", wallet[:], mint[:])
}

func escrowSeed(mint iog.WalletAddress) string { return seed("iog escrow", mint[:]) }

const seedBytes = 18

func seed(purpose string, parts ...[]byte) string {
	h := sha256.New()
	h.Write([]byte(purpose))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write(p)
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:seedBytes])
}

func withSeed(base iog.WalletAddress, s string) iog.WalletAddress {
	a, err := solana.CreateWithSeed(solana.PublicKey(base), s, solana.TokenProgramID)
	if err != nil {
		panic("solana: seed " + s + ": " + err.Error()) // seeds are 32 bytes
	}
	return iog.WalletAddress(a)
}

func pub(w iog.WalletAddress) solana.PublicKey { return solana.PublicKey(w) }
