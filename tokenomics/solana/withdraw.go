package solana

import (
	"context"
	"fmt"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// Withdraw applies op, a Burn, by paying its tokens out to owner's
// associated token account: they leave the ledger, as a Burn's do, for a
// wallet of their owner. The account must exist unless the
// configuration lets the ledger create it (CreateRecipientAccounts);
// then it is created if missing.
func (l *Ledger) Withdraw(ctx context.Context, op ledger.Op, owner iog.WalletAddress) (ledger.Entry, error) {
	if op.Kind != ledger.Burn || owner.IsZero() {
		return ledger.Entry{}, fmt.Errorf("withdraw %q: want a Burn and an owner to pay: %w", op.Key, iog.ErrInvalid)
	}
	if err := l.ready(ctx); err != nil {
		return ledger.Entry{}, err
	}
	l.mu.Lock()
	if _, busy := l.withdrawals[op.Key]; busy {
		l.mu.Unlock()
		return ledger.Entry{}, fmt.Errorf("withdraw %q: already being applied: %w", op.Key, iog.ErrConflict)
	}
	l.withdrawals[op.Key] = owner
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		delete(l.withdrawals, op.Key)
		l.mu.Unlock()
	}()
	return l.book.Apply(ctx, op)
}
