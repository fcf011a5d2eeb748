package solana

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// The SPL Token instructions that move an entry's tokens, by their first
// byte.
const (
	tokenTransferChecked = 12
	tokenMintToChecked   = 14
	tokenBurnChecked     = 15
)

// signaturesPage is the most getSignaturesForAddress returns at once.
const signaturesPage = 1000

// catchUp reads the ledger's transactions newer than the last it knows,
// oldest first, and applies them: at start, the whole history; after a
// transaction whose fate was unknown landed, or one of a window landed
// after one that failed, those. A transaction that does not read back as
// the ledger writes it breaks the ledger (ledger.ErrTampered).
//
// The transactions of a window may land in any order, and one may fail
// while later ones land: their entries are applied in the order of the
// sequence numbers their memos carry, which only ever grow, and numbered
// on from the ledger's last entry, without the failed ones' numbers
// (skipped).
func (l *Ledger) catchUp(ctx context.Context) error {
	l.catchMu.Lock()
	defer l.catchMu.Unlock()
	sigs, err := l.newerSignatures(ctx)
	if err != nil {
		return err
	}
	type readTx struct {
		entries []ledger.Entry
		sig     solana.Signature
	}
	var read []readTx
	zero := uint64(0)
	for _, sig := range sigs {
		res, err := l.rpc.GetTransaction(ctx, sig, &rpc.GetTransactionOpts{Encoding: solana.EncodingBase64, Commitment: l.cfg.Commitment, MaxSupportedTransactionVersion: &zero})
		if err != nil {
			return unavailable("getTransaction", err)
		}
		if res.Meta != nil && res.Meta.Err != nil {
			continue // it failed, and moved nothing
		}
		if res.Transaction == nil {
			return unavailable("getTransaction", fmt.Errorf("transaction %v has no body", sig))
		}
		tx, err := res.Transaction.GetTransaction()
		if err != nil {
			return l.tampered(fmt.Errorf("transaction %v does not decode: %w", sig, err))
		}
		if l.applied(ctx, tx, sig) {
			// A transaction of a window, applied when it landed: the
			// transactions of a window land in any order, so the newest
			// the ledger knows may be older than some it applied.
			continue
		}
		l.mu.Lock()
		entries, p, err := l.readBack(tx, sig)
		if err == nil && len(entries) > 0 {
			l.adopt(p, entries)
		}
		l.mu.Unlock()
		if err != nil {
			return l.tampered(fmt.Errorf("transaction %v: %w", sig, err))
		}
		if len(entries) > 0 {
			read = append(read, readTx{entries, sig})
		}
	}
	slices.SortStableFunc(read, func(a, b readTx) int { return cmp.Compare(a.entries[0].Seq, b.entries[0].Seq) })
	seq := l.book.Seq()
	var memoSeq uint64
	for _, tx := range read {
		for i := range tx.entries {
			seq++
			if tx.entries[i].Seq < seq || tx.entries[i].Seq <= memoSeq {
				return l.tampered(fmt.Errorf("transaction %v: a memo numbered %d after %d, for entry %d", tx.sig, tx.entries[i].Seq, memoSeq, seq))
			}
			memoSeq, tx.entries[i].Seq = tx.entries[i].Seq, seq
		}
		if err := l.book.Replay(tx.entries); err != nil {
			return l.tampered(fmt.Errorf("transaction %v: %w", tx.sig, err))
		}
	}
	l.mu.Lock()
	if len(read) > 0 {
		l.skipped = memoSeq - seq
	}
	if len(sigs) > 0 {
		l.newest = sigs[len(sigs)-1]
	}
	l.behind = false
	l.mu.Unlock()
	return nil
}

// applied says whether the ledger has applied tx already: its first
// entry is in the book, carried by tx.
func (l *Ledger) applied(ctx context.Context, tx *solana.Transaction, sig solana.Signature) bool {
	for _, ix := range tx.Message.Instructions {
		program, err := tx.Message.ResolveProgramIDIndex(ix.ProgramIDIndex)
		if err != nil || program != solana.MemoProgramID || !isOurs(ix.Data) {
			continue
		}
		m, err := decodeMemo(ix.Data, nil)
		if err != nil {
			return false // readBack says what is wrong with it
		}
		e, err := l.book.Entry(ctx, m.Key)
		return err == nil && bytes.Equal(e.Signature, sig[:])
	}
	return false
}

// tampered breaks the ledger with err: its state no longer follows the
// chain, and it refuses to go on.
func (l *Ledger) tampered(err error) error {
	err = fmt.Errorf("solana ledger: %w (%w)", err, ledger.ErrTampered)
	l.mu.Lock()
	l.broken = err
	l.mu.Unlock()
	return err
}

// newerSignatures lists the authority's successful transactions newer
// than the last the ledger read, oldest first.
func (l *Ledger) newerSignatures(ctx context.Context) ([]solana.Signature, error) {
	l.mu.Lock()
	until := l.newest
	l.mu.Unlock()
	var out []solana.Signature
	var before solana.Signature
	for {
		limit := signaturesPage
		page, err := l.rpc.GetSignaturesForAddressWithOpts(ctx, l.authority, &rpc.GetSignaturesForAddressOpts{Limit: &limit, Before: before, Until: until, Commitment: l.cfg.Commitment})
		if err != nil {
			return nil, unavailable("getSignaturesForAddress", err)
		}
		for _, s := range page {
			if s.Err == nil {
				out = append(out, s.Signature)
			}
		}
		if len(page) < limit {
			break
		}
		before = page[len(page)-1].Signature
	}
	slices.Reverse(out)
	return out, nil
}

// readBack rebuilds the entries a transaction of the ledger carried,
// from its memos and the instructions that move their tokens, and checks
// that the ledger would have written exactly those instructions for
// them. It returns no entry for a transaction with none of the ledger's
// memos, and the plan that reproduces it, whose chain is the chain after
// it. It must hold l.mu.
func (l *Ledger) readBack(tx *solana.Transaction, sig solana.Signature) ([]ledger.Entry, *plan, error) {
	msg := &tx.Message
	var (
		entries []ledger.Entry
		owners  []iog.WalletAddress
		value   *solana.CompiledInstruction
		prev    *memo
		opened  = map[iog.WalletAddress]iog.WalletAddress{}
		ixs     []solana.CompiledInstruction
	)
	for i := range msg.Instructions {
		ix := &msg.Instructions[i]
		program, err := msg.ResolveProgramIDIndex(ix.ProgramIDIndex)
		if err != nil {
			return nil, nil, err
		}
		if program == solana.ComputeBudget {
			continue
		}
		ixs = append(ixs, *ix)
		switch {
		case program == solana.TokenProgramID && len(ix.Data) > 0 && (ix.Data[0] == tokenTransferChecked || ix.Data[0] == tokenMintToChecked || ix.Data[0] == tokenBurnChecked):
			value = ix
		case program == solana.MemoProgramID && (prev != nil || isOurs(ix.Data)):
			m, err := decodeMemo(ix.Data, prev)
			if err != nil {
				return nil, nil, err
			}
			prev = &m
			op, owner, err := l.opOf(m, msg, value, opened)
			if err != nil {
				return nil, nil, fmt.Errorf("entry %d %q: %w", m.Seq, m.Key, err)
			}
			entries = append(entries, ledger.Entry{Seq: m.Seq, Time: m.Time, Op: op, Signature: sig[:]})
			owners = append(owners, owner)
			value = nil
		}
	}
	if len(entries) == 0 {
		return nil, nil, nil
	}
	p := l.newPlan()
	for i, e := range entries {
		m := memo{Seq: e.Seq, Time: e.Time, Kind: e.Op.Kind, Key: e.Op.Key, Reason: e.Op.Reason}
		if err := p.add(m, e.Op, owners[i]); err != nil {
			return nil, nil, err
		}
	}
	if p.err != nil {
		return nil, nil, p.err
	}
	if err := sameInstructions(msg, ixs, p.ixs); err != nil {
		return nil, nil, err
	}
	return entries, p, nil
}

// opOf rebuilds the op a memo names, from the instruction that moved its
// tokens (none for an Open). For a withdrawal it also returns the owner
// paid. opened holds the wallets opened earlier in the same transaction.
func (l *Ledger) opOf(m memo, msg *solana.Message, value *solana.CompiledInstruction, opened map[iog.WalletAddress]iog.WalletAddress) (ledger.Op, iog.WalletAddress, error) {
	op := ledger.Op{Kind: m.Kind, Key: m.Key, Reason: m.Reason}
	if m.Kind == ledger.Open {
		w, err := iog.ParseWalletAddress(m.Extra)
		if err != nil {
			return op, iog.WalletAddress{}, err
		}
		for _, mi := range l.mints {
			opened[AccountAddress(l.authorityWallet, w, mi.address)] = w
		}
		op.To = w
		return op, iog.WalletAddress{}, nil
	}
	if value == nil || len(value.Data) != 10 {
		return op, iog.WalletAddress{}, fmt.Errorf("no token instruction moves its tokens")
	}
	accounts := make([]iog.WalletAddress, len(value.Accounts))
	for i, idx := range value.Accounts {
		if int(idx) >= len(msg.AccountKeys) {
			return op, iog.WalletAddress{}, fmt.Errorf("account index %d out of range", idx)
		}
		accounts[i] = iog.WalletAddress(msg.AccountKeys[idx])
	}
	// Where the mint and the two token accounts are in each instruction.
	var mintAt, fromAt, toAt int
	switch value.Data[0] {
	case tokenTransferChecked:
		mintAt, fromAt, toAt = 1, 0, 2
	case tokenMintToChecked:
		mintAt, fromAt, toAt = 0, -1, 1
	case tokenBurnChecked:
		mintAt, fromAt, toAt = 1, 0, -1
	}
	if len(accounts) < 3 {
		return op, iog.WalletAddress{}, fmt.Errorf("%d accounts in a token instruction", len(accounts))
	}
	mi, ok := l.byMint[accounts[mintAt]]
	if !ok {
		return op, iog.WalletAddress{}, fmt.Errorf("mint %v is not one of the ledger's", accounts[mintAt])
	}
	units := binary.LittleEndian.Uint64(value.Data[1:9])
	if units > math.MaxInt64 {
		return op, iog.WalletAddress{}, fmt.Errorf("%d base units, more than an amount holds", units)
	}
	op.Amount = iog.NewAmount(int64(units), mi.currency)
	walletAt := func(at int) (iog.WalletAddress, error) {
		if at < 0 {
			return iog.WalletAddress{}, nil
		}
		a := accounts[at]
		if w, ok := l.wallets[a]; ok {
			return w, nil
		}
		if w, ok := opened[a]; ok {
			return w, nil
		}
		return iog.WalletAddress{}, fmt.Errorf("token account %v is no open account's", a)
	}
	var err error
	var owner iog.WalletAddress
	switch m.Kind {
	case ledger.Mint:
		op.To, err = walletAt(toAt)
	case ledger.Burn:
		op.From, err = walletAt(fromAt)
		if m.Withdraw {
			owner, err = iog.ParseWalletAddress(m.Extra)
		}
	case ledger.Transfer, ledger.Hold:
		op.From, err = walletAt(fromAt)
		if err == nil && m.Kind == ledger.Transfer {
			op.To, err = walletAt(toAt)
		}
	case ledger.Release:
		op.HoldKey = m.Extra
		op.To, err = walletAt(toAt)
	}
	return op, owner, err
}

// sameInstructions checks that a transaction's instructions (its compute
// budget aside) are those planned: the same programs, accounts and data,
// but for the lamports a system instruction gives, which follow the rent
// of the day.
func sameInstructions(msg *solana.Message, got []solana.CompiledInstruction, want []instruction) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d instructions, the ledger writes %d for its entries", len(got), len(want))
	}
	for i, ix := range got {
		w := want[i]
		program, err := msg.ResolveProgramIDIndex(ix.ProgramIDIndex)
		if err != nil {
			return err
		}
		if program != w.program {
			return fmt.Errorf("instruction %d is for program %v, the ledger writes one for %v", i, program, w.program)
		}
		wantAccounts := w.accounts
		if len(ix.Accounts) != len(wantAccounts) {
			return fmt.Errorf("instruction %d names %d accounts, the ledger's %d", i, len(ix.Accounts), len(wantAccounts))
		}
		for j, idx := range ix.Accounts {
			if int(idx) >= len(msg.AccountKeys) || msg.AccountKeys[idx] != wantAccounts[j].PublicKey {
				return fmt.Errorf("instruction %d: account %d differs from the ledger's", i, j)
			}
		}
		if program == solana.SystemProgramID {
			continue
		}
		if !bytes.Equal(ix.Data, w.data) {
			return fmt.Errorf("instruction %d: data differs from the ledger's", i)
		}
	}
	return nil
}
