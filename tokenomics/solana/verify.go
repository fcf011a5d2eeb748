package solana

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// Verify reads every token account of the ledger back from the chain and
// compares it with the ledger's state: each wallet's available balance,
// each currency's escrow with what its holds have left, and, for every
// mint the authority issues, the mint's supply with what the ledger
// minted and did not burn and what its withdrawals paid out of it (so an
// issued mint must be the ledger's alone). A difference is
// ledger.ErrTampered and names the account.
func (l *Ledger) Verify(ctx context.Context) error {
	type want struct {
		what  string
		units int64
	}
	var (
		addrs []iog.WalletAddress
		wants []want
	)
	l.mu.Lock()
	chain := l.chain.clone()
	l.mu.Unlock()
	for _, mi := range l.mints {
		var held int64
		for a, w := range chain.created {
			if w.IsZero() || a != AccountAddress(l.authorityWallet, w, mi.address) {
				continue
			}
			b, err := l.book.Balance(ctx, w, mi.currency)
			if err != nil {
				return fmt.Errorf("verify: %w", err)
			}
			addrs = append(addrs, a)
			wants = append(wants, want{fmt.Sprintf("%v of %v", mi.currency, w), b.Available.Units()})
			held += b.Held.Units()
		}
		escrow := EscrowAddress(l.authorityWallet, mi.address)
		if _, ok := chain.created[escrow]; ok || held > 0 {
			addrs = append(addrs, escrow)
			wants = append(wants, want{fmt.Sprintf("the %v escrow", mi.currency), held})
		}
	}
	amounts, err := l.tokenAmounts(ctx, addrs)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	for i, a := range amounts {
		if a != uint64(wants[i].units) {
			return fmt.Errorf("verify: %s: %d base units on the chain, %d in the ledger: %w", wants[i].what, a, wants[i].units, ledger.ErrTampered)
		}
	}
	for _, mi := range l.mints {
		if !mi.issued {
			continue
		}
		acct, err := l.account(ctx, mi.address)
		if err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		if acct == nil || len(acct.Data.GetBinary()) != mintSize {
			return fmt.Errorf("verify: the %v mint %v is gone: %w", mi.currency, mi.address, ledger.ErrTampered)
		}
		onChain := binary.LittleEndian.Uint64(acct.Data.GetBinary()[mintSupplyOffset:])
		supply, err := l.book.Supply(ctx, mi.currency)
		if err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		if want := uint64(supply.Units()) + chain.withdrawn[mi.address]; onChain != want {
			return fmt.Errorf("verify: the %v mint's supply is %d base units on the chain, %d in the ledger and its withdrawals: %w", mi.currency, onChain, want, ledger.ErrTampered)
		}
	}
	return nil
}
