package tokenomics

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// Settlement is what Settle minted for one epoch.
type Settlement struct {
	Epoch uint64
	// Paid lists every staker's reward, in the order of the payouts.
	Paid []Share
	// Unpaid is what went to the unpaid account: the distribution's
	// Unpaid, plus the payouts of devices with no active stake left.
	Unpaid iog.Amount
}

// RewardSharer splits a device's reward among its stakers: what Settle
// needs of a stake book (*StakeBook is one). ShareReward returns shares
// that sum to reward exactly; a device with no one to pay (no active
// stake) is iog.ErrConflict, an unknown device iog.ErrNotFound, and Settle
// counts the payout of either as unpaid.
type RewardSharer interface {
	ShareReward(dev iog.DeviceID, reward iog.Amount) ([]Share, error)
}

var _ RewardSharer = (*StakeBook)(nil)

// Settle mints an epoch's distribution on the ledger: each device's
// payout is shared among its stakers pro rata (Allot) and minted to
// them, and what no one could earn is minted to the unpaid account, so
// the epoch's whole emission is on the ledger, recorded, and none of it
// lost. Every mint has an idempotency key derived from the
// epoch, the device and the wallet, so settling the same epoch again
// (after a crash part way) completes it without paying twice, as long as
// the stakes have not changed in between: if they have, what is left
// cannot be paid as the first attempt would have paid it, and the retry
// is iog.ErrConflict. An unpaid account that is not open is
// iog.ErrNotFound, as is any staker's. On these errors nothing is minted.
func Settle(ctx context.Context, l ledger.Ledger, book RewardSharer, d Distribution, unpaid iog.WalletAddress) (Settlement, error) {
	what := fmt.Sprintf("settle epoch %d", d.Epoch)
	if unpaid.IsZero() {
		return Settlement{}, fmt.Errorf("%s: no unpaid account: %w", what, iog.ErrInvalid)
	}
	if _, err := l.Balance(ctx, unpaid, iog.IO); err != nil {
		return Settlement{}, fmt.Errorf("%s: unpaid account: %w", what, err)
	}
	a, err := Allot(book, d)
	if err != nil {
		return Settlement{}, err
	}
	s := Settlement{Epoch: d.Epoch, Unpaid: a.Unpaid}
	ops := make([]ledger.Op, 0, len(a.Shares)+1)
	for _, sh := range a.Shares {
		s.Paid = append(s.Paid, sh.Share)
		ops = append(ops, ledger.Op{
			Kind: ledger.Mint, Key: settleKey(d.Epoch, string(sh.Device), sh.Wallet), To: sh.Wallet, Amount: sh.Amount,
			Reason: fmt.Sprintf("epoch %d block reward, device %s", d.Epoch, sh.Device),
		})
	}
	if !s.Unpaid.IsZero() {
		ops = append(ops, ledger.Op{
			Kind: ledger.Mint, Key: settleKey(d.Epoch, "", unpaid), To: unpaid, Amount: s.Unpaid,
			Reason: fmt.Sprintf("epoch %d emission no eligible device earned", d.Epoch),
		})
	}
	// Every account must be open before anything is minted, so that a
	// missing one leaves the epoch unpaid rather than half paid. And a
	// retry must mint what the first attempt would have: if a mint it
	// made differs (the stakes changed in between), minting the others
	// would pay out more than the epoch emitted. A mint found made is
	// not applied again.
	opened, made, err := settleReads(ctx, l, ops)
	if err != nil {
		return Settlement{}, fmt.Errorf("%s: %w", what, err)
	}
	todo := make([]ledger.Op, 0, len(ops))
	for _, op := range ops {
		if op.To != unpaid && !opened[op.To] {
			return Settlement{}, fmt.Errorf("%s: staker account %v is not open: %w", what, op.To, iog.ErrNotFound)
		}
		e, ok := made[op.Key]
		switch {
		case !ok:
			todo = append(todo, op)
		case e.Op != op:
			return Settlement{}, fmt.Errorf("%s: entry %d minted %v to %v where the stakes now say %v; settle an epoch before its stakes change: %w",
				what, e.Seq, e.Op.Amount, op.To, op.Amount, iog.ErrConflict)
		}
	}
	for _, op := range todo {
		// ErrReplayed here is a concurrent settlement of the same epoch
		// that made the mint in between: done all the same.
		if _, err := l.Apply(ctx, op); err != nil && !errors.Is(err, ledger.ErrReplayed) {
			return Settlement{}, fmt.Errorf("%s: %w", what, err)
		}
	}
	return s, nil
}

// BatchReader is what Settle uses of a ledger that has it, to check the
// accounts and keys of an epoch's mints in a few reads rather than one of
// each for every staker: an epoch mints to as many as there are devices.
type BatchReader interface {
	// Opened returns which of accounts are open (an account not open is
	// absent or false).
	Opened(ctx context.Context, accounts []iog.WalletAddress) (map[iog.WalletAddress]bool, error)
	// Entries returns the entries applied under any of keys, by key (a key
	// never applied is absent).
	Entries(ctx context.Context, keys []string) (map[string]ledger.Entry, error)
}

// settleReads returns which accounts the ops mint to are open and the
// entries made under their keys: from l's BatchReader if it is one, and
// account by account and key by key if not.
func settleReads(ctx context.Context, l ledger.Ledger, ops []ledger.Op) (map[iog.WalletAddress]bool, map[string]ledger.Entry, error) {
	var accounts []iog.WalletAddress
	keys := make([]string, len(ops))
	seen := make(map[iog.WalletAddress]bool, len(ops))
	for i, op := range ops {
		keys[i] = op.Key
		if !seen[op.To] {
			seen[op.To] = true
			accounts = append(accounts, op.To)
		}
	}
	if r, ok := l.(BatchReader); ok {
		opened, err := r.Opened(ctx, accounts)
		if err != nil {
			return nil, nil, fmt.Errorf("staker accounts: %w", err)
		}
		made, err := r.Entries(ctx, keys)
		if err != nil {
			return nil, nil, fmt.Errorf("entries made: %w", err)
		}
		return opened, made, nil
	}
	opened := make(map[iog.WalletAddress]bool, len(accounts))
	for _, w := range accounts {
		_, err := l.Balance(ctx, w, iog.IO)
		if err != nil && !errors.Is(err, iog.ErrNotFound) {
			return nil, nil, fmt.Errorf("staker account: %w", err)
		}
		opened[w] = err == nil
	}
	made := make(map[string]ledger.Entry, len(keys))
	for _, key := range keys {
		e, err := l.Entry(ctx, key)
		if errors.Is(err, iog.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		made[key] = e
	}
	return opened, made, nil
}

// settleKey derives a mint's idempotency key, short whatever the length
// of the device ID.
func settleKey(epoch uint64, device string, w iog.WalletAddress) string {
	h := sha256.Sum256(append([]byte(device+"\x00"), w[:]...))
	return fmt.Sprintf("epoch-%d:reward:%s", epoch, hex.EncodeToString(h[:16]))
}
