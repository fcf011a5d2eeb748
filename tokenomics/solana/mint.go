package solana

import (
	"context"
	"crypto/ed25519"
	"fmt"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/programs/token"

	"github.com/internetofgpus/iog"
)

// CreateMint creates an SPL mint for currency c at the address of
// mintKey, with c's decimals and cfg.Authority as its mint authority, the
// fee payer paying its rent: a network's own mint, such as a test
// network's IO. It returns the Mint to configure the ledger with. Only
// cfg's Endpoint, Authority, FeePayer, Commitment, HTTPClient and Logger
// are used; Mints may be empty.
func CreateMint(ctx context.Context, cfg Config, c iog.Currency, mintKey ed25519.PrivateKey) (Mint, error) {
	if !c.Valid() || len(mintKey) != ed25519.PrivateKeySize {
		return Mint{}, fmt.Errorf("create mint: want a currency and a key for the mint: %w", iog.ErrInvalid)
	}
	if len(cfg.Mints) == 0 {
		cfg.Mints = map[iog.Currency]Mint{c: {Address: iog.WalletAddress(mintKey.Public().(ed25519.PublicKey))}}
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Mint{}, fmt.Errorf("create mint: %w", err)
	}
	s := &sender{cfg: cfg, rpc: newClient(cfg)}
	defer s.rpc.Close()
	rent, err := s.rpc.GetMinimumBalanceForRentExemption(ctx, mintSize, cfg.Commitment)
	if err != nil {
		return Mint{}, unavailable("getMinimumBalanceForRentExemption", err)
	}
	authority := solana.PublicKey(cfg.Authority.Public().(ed25519.PublicKey))
	payer := solana.PublicKey(cfg.FeePayer.Public().(ed25519.PublicKey))
	mint := solana.PublicKey(mintKey.Public().(ed25519.PublicKey))
	keys := map[solana.PublicKey]solana.PrivateKey{authority: solana.PrivateKey(cfg.Authority), payer: solana.PrivateKey(cfg.FeePayer), mint: solana.PrivateKey(mintKey)}
	var ixs []instruction
	for _, ix := range []solana.Instruction{
		system.NewCreateAccountInstruction(rent, mintSize, solana.TokenProgramID, payer, mint).Build(),
		token.NewInitializeMint2Instruction(uint8(c.Decimals()), authority, authority, mint).Build(),
	} {
		c, err := compiled(ix)
		if err != nil {
			return Mint{}, fmt.Errorf("create mint: %w", err)
		}
		ixs = append(ixs, c)
	}
	build := func(blockhash solana.Hash) (signed, error) {
		return sign(payer, blockhash, ixs, func(k solana.PublicKey) *solana.PrivateKey {
			if key, ok := keys[k]; ok {
				return &key
			}
			return nil
		})
	}
	if _, err := s.submit(ctx, build); err != nil {
		return Mint{}, fmt.Errorf("create the %v mint %v: %w", c, mint, err)
	}
	return Mint{Address: iog.WalletAddress(mint), Issued: true}, nil
}
