package solana

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// Ledger is a ledger.Ledger on Solana: balances are SPL token accounts,
// every op is a transaction's instructions with a Memo that names it, and
// the ledger is rebuilt from its authority's transactions when it starts.
// See the package documentation. Create one with New; Close it when done.
type Ledger struct {
	sender
	authority       solana.PublicKey
	authorityWallet iog.WalletAddress
	payer           solana.PublicKey
	keys            map[solana.PublicKey]*solana.PrivateKey
	mints           map[iog.Currency]*mintInfo
	byMint          map[iog.WalletAddress]*mintInfo
	// rent is the lamports that keep a token account rent-exempt.
	rent uint64

	// book is the ledger's state, recorded on the chain by l.Record.
	book *ledger.Recorded

	// catchMu makes one catch-up at a time.
	catchMu sync.Mutex
	// mu guards what follows. Record runs under the book's lock, and
	// takes mu; nothing holding mu takes the book's lock.
	mu    sync.Mutex
	chain chain
	// wallets maps the token account of every open wallet, for each mint,
	// to the wallet, to read transfers back from the chain.
	wallets map[iog.WalletAddress]iog.WalletAddress
	// accounts caches the address of each wallet's token account of each
	// mint (AccountAddress), by wallet and mint: two SHA-256 each.
	accounts map[[2]iog.WalletAddress]iog.WalletAddress
	// withdrawals are the Burns being applied by Withdraw, by key, with
	// the owner each pays.
	withdrawals map[string]iog.WalletAddress
	// skipped is how far the sequence numbers the memos carry run ahead
	// of the entries': by the entries of the transactions that failed in
	// a window while later ones landed, whose numbers the later ones took.
	skipped uint64
	// newest is the signature of the last transaction of the ledger.
	newest solana.Signature
	// behind is set while a transaction that landed after its fate was
	// unknown has not been read back: nothing is sent meanwhile.
	behind bool
	broken error
}

var _ ledger.Ledger = (*Ledger)(nil)

// New connects to cfg.Endpoint, checks the mints, and rebuilds the
// ledger from the authority's transactions. It first waits until every
// transaction a previous process could have sent has landed or expired
// (about a minute on Solana's clusters: the life of a blockhash), so
// that what it reads back is final: only then can an op's retry tell
// whether it landed.
func New(ctx context.Context, cfg Config) (*Ledger, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	l := &Ledger{
		sender:      sender{cfg: cfg, rpc: newClient(cfg)},
		authority:   solana.PublicKey(cfg.Authority.Public().(ed25519.PublicKey)),
		payer:       solana.PublicKey(cfg.FeePayer.Public().(ed25519.PublicKey)),
		chain:       newChain(),
		wallets:     map[iog.WalletAddress]iog.WalletAddress{},
		accounts:    map[[2]iog.WalletAddress]iog.WalletAddress{},
		withdrawals: map[string]iog.WalletAddress{},
	}
	l.authorityWallet = iog.WalletAddress(l.authority)
	authorityKey, payerKey := solana.PrivateKey(cfg.Authority), solana.PrivateKey(cfg.FeePayer)
	l.keys = map[solana.PublicKey]*solana.PrivateKey{l.authority: &authorityKey, l.payer: &payerKey}
	l.book, err = ledger.NewRecorded(ledger.RecordedConfig{Recorder: recorder{l}, Clock: millisecondClock{cfg.Clock}})
	if err != nil {
		return nil, err
	}
	if err := l.start(ctx); err != nil {
		l.rpc.Close()
		return nil, err
	}
	return l, nil
}

func (l *Ledger) start(ctx context.Context) error {
	if err := l.loadMints(ctx); err != nil {
		return err
	}
	rent, err := l.rpc.GetMinimumBalanceForRentExemption(ctx, tokenAccountSize, l.cfg.Commitment)
	if err != nil {
		return unavailable("getMinimumBalanceForRentExemption", err)
	}
	l.rent = rent
	bh, err := l.blockhash(ctx, true)
	if err != nil {
		return err
	}
	// Whatever a previous process signed used a blockhash no newer than
	// this one: once it expires, all of it has landed or never will.
	if err := l.waitPast(ctx, bh.lastValid); err != nil {
		return err
	}
	if err := l.openEscrows(ctx); err != nil {
		return err
	}
	return l.catchUp(ctx)
}

// openEscrows makes sure every mint's escrow exists, creating the
// missing ones in one transaction, so that a hold never has to: a batch
// has room for more.
func (l *Ledger) openEscrows(ctx context.Context) error {
	p := l.newPlan()
	for _, mi := range l.mints {
		escrow := EscrowAddress(l.authorityWallet, mi.address)
		acct, err := l.account(ctx, escrow)
		if err != nil {
			return fmt.Errorf("solana ledger: the %v escrow: %w", mi.currency, err)
		}
		if acct != nil {
			p.chain.created[escrow] = iog.WalletAddress{}
			continue
		}
		p.escrow(mi)
	}
	if len(p.ixs) > 0 {
		if _, err := l.submit(ctx, p.transaction); err != nil {
			return fmt.Errorf("solana ledger: create the escrows: %w", err)
		}
	}
	l.chain.merge(p.chain)
	return nil
}

// waitPast waits until the block height is past height.
func (l *Ledger) waitPast(ctx context.Context, height uint64) error {
	for {
		h, err := l.rpc.GetBlockHeight(ctx, l.cfg.Commitment)
		if err == nil && h > height {
			return nil
		}
		if err := sleep(ctx, l.cfg.PollInterval); err != nil {
			return fmt.Errorf("solana ledger: wait for block %d: %w", height+1, err)
		}
	}
}

// Apply implements ledger.Ledger: the op is one transaction, landed at
// the configured commitment when Apply returns.
func (l *Ledger) Apply(ctx context.Context, op ledger.Op) (ledger.Entry, error) {
	entries, err := l.ApplyAll(ctx, []ledger.Op{op})
	if len(entries) == 0 {
		return ledger.Entry{}, err
	}
	return entries[0], err
}

// ApplyAll implements ledger.Ledger: the batch is one transaction, so it
// lands whole or not at all. A batch too large for one transaction
// (Fit says how many ops fit) is iog.ErrInvalid and changes nothing.
func (l *Ledger) ApplyAll(ctx context.Context, ops []ledger.Op) ([]ledger.Entry, error) {
	if err := l.ready(ctx); err != nil {
		return nil, err
	}
	return l.book.ApplyAll(ctx, ops)
}

// ApplyEach applies batches in order, each as ApplyAll applies one, and
// returns the entries of those applied; it stops at the first that fails
// (see ledger.Recorded.ApplyEach). It sends up to the configured Window
// of them at once, each its own transaction, when none depends on an
// earlier one: an epoch's payouts from one treasury, say, packed by Fit.
// Their transactions may land in any order, and when one fails while a
// later one lands, the entries read back are numbered on without the
// failed one's.
func (l *Ledger) ApplyEach(ctx context.Context, batches [][]ledger.Op) ([][]ledger.Entry, error) {
	if err := l.ready(ctx); err != nil {
		return nil, err
	}
	return l.book.ApplyEach(ctx, batches)
}

// ready fails when the ledger cannot be used, and first settles a
// transaction whose fate the last call left unknown: if it landed, the
// ledger reads it back.
func (l *Ledger) ready(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	err := l.broken
	if err == nil {
		var landed bool
		landed, err = l.settle(ctx)
		l.behind = l.behind || landed
	}
	behind := l.behind
	l.mu.Unlock()
	if err != nil || !behind {
		return err
	}
	return l.catchUp(ctx)
}

// recorder records the ledger's batches on the chain; it is not the
// Ledger's own method, which would let a caller send entries the book
// never checked.
type recorder struct{ *Ledger }

// Record implements ledger.Recorder: it sends the batch as one
// transaction and returns its signature once it has landed.
func (r recorder) Record(ctx context.Context, entries []ledger.Entry) ([]byte, error) {
	proofs, err := r.RecordWindow(ctx, [][]ledger.Entry{entries})
	if len(proofs) == 0 {
		return nil, err
	}
	return proofs[0], err
}

// RecordWindow implements ledger.WindowRecorder: it sends the batches,
// up to the configured window, as one transaction each, all at once,
// and returns their signatures once they have landed. A batch that would
// create an account an earlier one creates ends the window, as that
// earlier one must land first. When a batch fails and a later one landed,
// the ledger catches up before it sends anything else: it reads back what
// landed (catchUp).
func (r recorder) RecordWindow(ctx context.Context, batches [][]ledger.Entry) ([][]byte, error) {
	l := r.Ledger
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.broken != nil {
		return nil, l.broken
	}
	if len(l.suspects) > 0 || l.behind {
		return nil, fmt.Errorf("solana ledger: a transaction's fate is being settled: %w", iog.ErrUnavailable)
	}
	var (
		plans   []*plan
		builds  []func(solana.Hash) (signed, error)
		created = map[iog.WalletAddress]struct{}{}
	)
	for _, entries := range batches[:min(len(batches), l.cfg.Window)] {
		p, err := l.planEntries(entries)
		if err != nil && len(plans) == 0 {
			return nil, err
		}
		// A batch that does not fit is refused when it comes first.
		if err != nil || overlaps(p.chain.created, created) {
			break
		}
		for a := range p.chain.created {
			created[a] = struct{}{}
		}
		plans, builds = append(plans, p), append(builds, p.transaction)
	}
	newest := l.newest
	var proofs [][]byte
	outs := l.submitWindow(ctx, builds)
	for i, out := range outs {
		switch {
		case out.err == nil && len(proofs) == i:
			l.landed(plans[i], batches[i], out.sig)
			proofs = append(proofs, out.sig[:])
		case out.err == nil:
			// It landed after one that did not: it is read back, with
			// the ones around it, before anything else is sent.
			l.behind = true
		}
	}
	if len(proofs) == len(plans) {
		return proofs, nil
	}
	// The transactions of a window land in any order: reading back
	// starts from the last one known to be older than all of them, and
	// skips those applied (catchUp).
	l.newest = newest
	return proofs, outs[len(proofs)].err
}

// landed takes in what a plan's transaction did on the chain.
func (l *Ledger) landed(p *plan, entries []ledger.Entry, sig solana.Signature) {
	l.adopt(p, entries)
	l.newest = sig
}

// adopt takes in the accounts a plan's transaction created and the
// wallets its entries opened.
func (l *Ledger) adopt(p *plan, entries []ledger.Entry) {
	l.chain.merge(p.chain)
	for _, e := range entries {
		if e.Op.Kind == ledger.Open {
			for _, mi := range l.mints {
				l.wallets[AccountAddress(l.authorityWallet, e.Op.To, mi.address)] = e.Op.To
			}
		}
	}
}

// planEntries plans the transaction of a batch, which must fit one.
func (l *Ledger) planEntries(entries []ledger.Entry) (*plan, error) {
	p := l.newPlan()
	for _, e := range entries {
		m := memo{Seq: e.Seq + l.skipped, Time: e.Time, Kind: e.Op.Kind, Key: e.Op.Key, Reason: e.Op.Reason}
		if err := p.add(m, e.Op, l.withdrawals[e.Op.Key]); err != nil {
			return nil, err
		}
	}
	if err := p.fits(); err != nil {
		return nil, fmt.Errorf("%d ops in one transaction: %w", len(entries), err)
	}
	return p, nil
}

// overlaps says whether any account of a is in b.
func overlaps[V, W any](a map[iog.WalletAddress]V, b map[iog.WalletAddress]W) bool {
	for k := range a {
		if _, ok := b[k]; ok {
			return true
		}
	}
	return false
}

// Fit returns how many of ops, from the first, one transaction can take:
// what ApplyAll accepts at once. It is 0 when even the first does not fit
// (an op that does not name a configured currency, say). It checks no
// balance.
func (l *Ledger) Fit(ops []ledger.Op) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.cfg.Clock.Now()
	p := l.newPlan()
	for i, op := range ops {
		// The largest sequence number, so that the first memo is no
		// shorter than the real one.
		m := memo{Seq: math.MaxUint64, Time: now, Kind: op.Kind, Key: op.Key, Reason: op.Reason}
		if p.add(m, op, l.withdrawals[op.Key]) != nil || p.fits() != nil {
			return i
		}
	}
	return len(ops)
}

// Balance implements ledger.Ledger, reading the available balance from
// the account's token account on the chain. What the account holds is
// in its currency's escrow with every other hold, each hold's share told
// by its memos: the ledger's state, rebuilt from them, says it.
func (l *Ledger) Balance(ctx context.Context, account iog.WalletAddress, c iog.Currency) (ledger.Balance, error) {
	b, err := l.book.Balance(ctx, account, c)
	if err != nil {
		return b, err
	}
	mi, err := l.mint(c)
	if err != nil {
		return b, err
	}
	amounts, err := l.tokenAmounts(ctx, []iog.WalletAddress{AccountAddress(l.authorityWallet, account, mi.address)})
	if err != nil {
		return b, err
	}
	if amounts[0] > math.MaxInt64 {
		return b, fmt.Errorf("balance of %v: more %v on the chain than an amount holds: %w", account, c, iog.ErrOverflow)
	}
	b.Available = iog.NewAmount(int64(amounts[0]), c)
	return b, nil
}

// Supply implements ledger.Ledger: what the ledger has minted and not
// burned of c (for a mint the authority issues, the mint's supply on
// Solana, which Verify checks).
func (l *Ledger) Supply(ctx context.Context, c iog.Currency) (iog.Amount, error) {
	return l.book.Supply(ctx, c)
}

// Entry implements ledger.Ledger. The entry's Signature is that of the
// transaction that carried it (base58 in SignatureString).
func (l *Ledger) Entry(ctx context.Context, key string) (ledger.Entry, error) {
	return l.book.Entry(ctx, key)
}

// Seq returns the sequence number of the ledger's last entry.
func (l *Ledger) Seq() uint64 { return l.book.Seq() }

// SignatureString returns the Solana signature of the transaction that
// carried e, as explorers show it; it is empty for an entry that has
// none.
func SignatureString(e ledger.Entry) string {
	if len(e.Signature) != solana.SignatureLength {
		return ""
	}
	return solana.SignatureFromBytes(e.Signature).String()
}

// key gives the transaction's signers their keys.
func (l *Ledger) key(k solana.PublicKey) *solana.PrivateKey { return l.keys[k] }

// Authority returns the address of the ledger's authority.
func (l *Ledger) Authority() iog.WalletAddress { return l.authorityWallet }

// Close releases the ledger's connections. Apply fails after it.
func (l *Ledger) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.broken == nil {
		l.broken = fmt.Errorf("solana ledger is closed: %w", iog.ErrUnavailable)
	}
	return l.rpc.Close()
}

// millisecondClock stamps entries to the millisecond, as their memos
// keep them, so that an entry read back from the chain is the one that
// was applied.
type millisecondClock struct{ iog.Clock }

func (m millisecondClock) Now() time.Time { return m.Clock.Now().Truncate(time.Millisecond) }
