package solana

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/internetofgpus/iog"
)

// loadMints reads every configured mint from the chain and checks it:
// an SPL mint with the currency's decimals, issued by the authority when
// the configuration says so.
func (l *Ledger) loadMints(ctx context.Context) error {
	l.mints = map[iog.Currency]*mintInfo{}
	l.byMint = map[iog.WalletAddress]*mintInfo{}
	for c, m := range l.cfg.Mints {
		acct, err := l.account(ctx, m.Address)
		if err != nil {
			return fmt.Errorf("solana ledger: the %v mint %v: %w", c, m.Address, err)
		}
		if acct == nil || acct.Owner != solana.TokenProgramID || len(acct.Data.GetBinary()) != mintSize {
			return fmt.Errorf("solana ledger: the %v mint %v is not an SPL token mint: %w", c, m.Address, iog.ErrNotFound)
		}
		data := acct.Data.GetBinary()
		if got := int(data[mintDecimalsOffset]); got != c.Decimals() {
			return fmt.Errorf("solana ledger: the %v mint %v has %d decimals, want %d: %w", c, m.Address, got, c.Decimals(), iog.ErrInvalid)
		}
		hasAuthority := binary.LittleEndian.Uint32(data) == 1
		if m.Issued && (!hasAuthority || solana.PublicKeyFromBytes(data[4:36]) != l.authority) {
			return fmt.Errorf("solana ledger: the %v mint %v is configured as issued by %v, which is not its mint authority: %w", c, m.Address, l.authority, iog.ErrUnauthorized)
		}
		treasury, err := AssociatedAddress(l.authorityWallet, m.Address)
		if err != nil {
			return err
		}
		mi := &mintInfo{currency: c, address: m.Address, decimals: uint8(c.Decimals()), issued: m.Issued, treasury: treasury}
		l.mints[c], l.byMint[m.Address] = mi, mi
	}
	return nil
}

// The layout of an SPL mint and token account, as far as the ledger
// reads them.
const (
	mintSize            = 82
	mintSupplyOffset    = 36
	mintDecimalsOffset  = 44
	tokenAmountOffset   = 64
	tokenAccountOwnerAt = 32
)

func (l *Ledger) mint(c iog.Currency) (*mintInfo, error) {
	mi, ok := l.mints[c]
	if !ok {
		return nil, fmt.Errorf("no Solana mint is configured for %v: %w", c, iog.ErrInvalid)
	}
	return mi, nil
}

// account returns an account, or nil when the chain has none.
func (l *Ledger) account(ctx context.Context, a iog.WalletAddress) (*rpc.Account, error) {
	out, err := l.rpc.GetAccountInfoWithOpts(ctx, pub(a), &rpc.GetAccountInfoOpts{Encoding: solana.EncodingBase64, Commitment: l.cfg.Commitment})
	if errors.Is(err, rpc.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, unavailable("getAccountInfo", err)
	}
	return out.Value, nil
}

// tokenAmounts reads the amounts of token accounts, zero for one the
// chain does not have.
func (l *Ledger) tokenAmounts(ctx context.Context, addrs []iog.WalletAddress) ([]uint64, error) {
	out := make([]uint64, len(addrs))
	const page = 100 // getMultipleAccounts takes at most 100 accounts
	for start := 0; start < len(addrs); start += page {
		end := min(start+page, len(addrs))
		keys := make([]solana.PublicKey, 0, end-start)
		for _, a := range addrs[start:end] {
			keys = append(keys, pub(a))
		}
		res, err := l.rpc.GetMultipleAccountsWithOpts(ctx, keys, &rpc.GetMultipleAccountsOpts{Encoding: solana.EncodingBase64, Commitment: l.cfg.Commitment})
		if err != nil {
			return nil, unavailable("getMultipleAccounts", err)
		}
		if len(res.Value) != len(keys) {
			return nil, unavailable("getMultipleAccounts", fmt.Errorf("%d accounts for %d asked", len(res.Value), len(keys)))
		}
		for i, acct := range res.Value {
			if acct == nil {
				continue
			}
			data := acct.Data.GetBinary()
			if acct.Owner != solana.TokenProgramID || len(data) != tokenAccountSize {
				return nil, fmt.Errorf("account %v is not a token account: %w", addrs[start+i], ErrRejected)
			}
			out[start+i] = binary.LittleEndian.Uint64(data[tokenAmountOffset:])
		}
	}
	return out, nil
}
