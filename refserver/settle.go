package refserver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mr-tron/base58"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
	"github.com/internetofgpus/iog/tokenomics/ledger"
)

// Chain is a ledger the server's own is settled onto: tokenomics/solana's
// Ledger on Solana. Its ApplyAll is one transaction on the chain, and its
// Entry finds an op that landed before (by its memo), even one applied
// before a restart; a batch that landed before answers its entries and
// ledger.ErrReplayed. Its entries' Signature is the chain's signature of
// the transaction that carries them.
type Chain interface {
	ledger.Ledger
	// Fit returns how many of ops, from the first, one ApplyAll takes:
	// 0 when not even the first fits a transaction.
	Fit(ops []ledger.Op) int
	// Withdraw applies op, a Burn, by paying its tokens to owner's own
	// wallet: the payout of a withdrawal off the network.
	Withdraw(ctx context.Context, op ledger.Op, owner iog.WalletAddress) (ledger.Entry, error)
}

// WindowChain is a Chain that applies several batches at once, each its
// own transaction, sent before the others have landed:
// tokenomics/solana's Ledger. The settler hands it the batches of a
// round that Fit packs, rather than one at a time.
type WindowChain interface {
	Chain
	// ApplyEach applies batches in order, each as ApplyAll applies one,
	// and returns the entries of those applied, stopping at the first that
	// fails, with its error (as tokenomics/ledger's Recorded.ApplyEach).
	ApplyEach(ctx context.Context, batches [][]ledger.Op) ([][]ledger.Entry, error)
}

// Settlement configures the settlement of the server's ledger onto a
// chain, through an outbox: the ledger's own entries, which the leader
// applies to the chain in the order of their seq, every one of them
// (opening an account, a mint, a hold and its release too), so that every
// account's balances on the chain are the database's.
type Settlement struct {
	// Chain is the ledger settled onto. Nil means none (the embedded
	// default): the database's ledger is the only one, and the API shows
	// no settlement.
	Chain Chain
	// Interval is how often the leader settles the entries recorded since
	// its last round. Zero means a second. After a round the chain failed
	// (unavailable, an RPC error), the rounds back off, doubling the wait
	// up to 64 intervals, until one succeeds.
	Interval time.Duration
	// Batch is the most entries one chain transaction carries, below
	// what Chain.Fit lets in. Zero means 64.
	Batch int
}

func (c Settlement) withDefaults() Settlement {
	if c.Interval <= 0 {
		c.Interval = time.Second
	}
	if c.Batch <= 0 {
		c.Batch = 64
	}
	return c
}

// settlePage is how many ledger entries a round reads at a time.
const settlePage = 1000

// maxSettleBackoff is how many intervals the rounds wait at most after a
// chain failure.
const maxSettleBackoff = 64

// settler settles the server's ledger onto the chain: the settlement loop
// (run by the leader) and the state of its rounds. The outbox and how far
// along it the settler is are in the store (the ledger's entries, the
// settlement cursor and the settlements table), so a restart, or another
// leader, goes on from there; the chain says what landed that the store
// has not recorded (a crash between the two).
type settler struct {
	s     *Server
	cfg   Settlement
	chain Chain

	mu sync.Mutex
	// unsure is set while the chain may hold entries after the cursor:
	// at start and after a round that failed. The next entries are then
	// looked up on the chain before any is sent.
	unsure bool
	// failures counts the rounds failed in a row, and retryAt is when the
	// next may run.
	failures int
	retryAt  time.Time
	// singleTo is the seq up to which entries go one a transaction: the
	// last of a batch the chain refused, so that the entry it refused is
	// known, and every one before it is settled.
	singleTo uint64

	settled  prometheus.Counter
	failed   *prometheus.CounterVec
	lag      prometheus.Gauge
	halted   prometheus.Gauge
	batchOps prometheus.Histogram
}

func newSettler(s *Server, cfg Settlement) *settler {
	st := &settler{s: s, cfg: cfg, chain: cfg.Chain, unsure: true,
		settled: prometheus.NewCounter(prometheus.CounterOpts{Name: "iog_settlement_entries_total", Help: "Ledger entries this server settled on the chain."}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "iog_settlement_failures_total",
			Help: "Settlement rounds that failed, by kind: unavailable (the chain or the store failed; retried with backoff) or refused (the chain refused an entry; settling stops)."}, []string{"kind"}),
		lag:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "iog_settlement_lag_entries", Help: "Ledger entries not settled on the chain yet, at the leader's last round."}),
		halted: prometheus.NewGauge(prometheus.GaugeOpts{Name: "iog_settlement_halted", Help: "1 while settling is stopped at an entry the chain refused, for an operator to look at."}),
		batchOps: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "iog_settlement_batch_entries", Help: "Ledger entries in one chain transaction of the settlement.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11)}),
	}
	s.metrics.registry.MustRegister(st.settled, st.failed, st.lag, st.halted, st.batchOps)
	return st
}

// settlementLoops are the settlement loop, when the server settles.
func (s *Server) settlementLoops() []loop {
	if s.settler == nil {
		return nil
	}
	return []loop{{name: "settlement", every: s.settler.cfg.Interval, step: s.settler.step}}
}

// step runs a round unless the rounds are backing off after a failure.
func (st *settler) step(ctx context.Context) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.s.cfg.Clock.Now()
	if now.Before(st.retryAt) {
		return nil
	}
	err := st.round(ctx)
	if err == nil || ctx.Err() != nil {
		st.failures, st.retryAt = 0, time.Time{}
		return err
	}
	st.unsure = true
	st.failures++
	st.failed.WithLabelValues("unavailable").Inc()
	st.retryAt = now.Add(st.cfg.Interval * time.Duration(min(1<<(st.failures-1), maxSettleBackoff)))
	return fmt.Errorf("settlement round (failure %d in a row, next round at %v): %w", st.failures, st.retryAt, err)
}

// round settles the entries after the cursor, in order, until none is
// left, or the chain refuses one (recorded as failed: the round stops, and
// so do the ones after it while the failure stands), or something fails.
func (st *settler) round(ctx context.Context) error {
	cursor, _, halted, err := st.s.settlementState(ctx)
	if err != nil {
		return err
	}
	st.halted.Set(boolGauge(halted))
	if halted {
		return nil
	}
	for {
		head, err := st.s.store.Ledger().Len(ctx)
		if err != nil {
			return err
		}
		st.lag.Set(float64(head - min(cursor, head)))
		entries, err := st.s.store.Ledger().EntriesAfter(ctx, cursor, settlePage)
		if err != nil || len(entries) == 0 {
			return err
		}
		for len(entries) > 0 {
			n, err := st.settleNext(ctx, entries)
			if err != nil || n == 0 {
				return err
			}
			entries, cursor = entries[n:], cursor+uint64(n)
			st.lag.Set(float64(head - min(cursor, head)))
		}
	}
}

// settleNext settles the first of entries, the next after the cursor, and
// as many after it as one chain transaction takes, and returns how many.
// It returns 0 and no error when the chain refused the first: it is
// recorded as failed.
func (st *settler) settleNext(ctx context.Context, entries []ledger.Entry) (int, error) {
	if st.unsure {
		landed, err := st.landed(ctx, entries)
		switch {
		case len(landed) > 0:
			// What went on before the chain's answer (another key's entry)
			// surfaces at the next look-up.
			return len(landed), st.record(ctx, entries[:len(landed)], landed)
		case err != nil && refused(err):
			return 0, st.fail(ctx, entries[0], err)
		case err != nil:
			return 0, err
		}
		st.unsure = false
	}
	if id, ok := st.payout(entries[0]); ok {
		return st.payOut(ctx, entries[0], id)
	}
	ops := make([]ledger.Op, len(entries))
	for i, e := range entries {
		if _, ok := st.payout(e); ok {
			// A payout goes in a transaction of its own.
			ops = ops[:i]
			break
		}
		ops[i] = e.Op
	}
	n := min(st.chain.Fit(ops), st.cfg.Batch, len(ops))
	if entries[0].Seq <= st.singleTo {
		n = min(n, 1)
	}
	if n < 1 {
		return 0, st.fail(ctx, entries[0], fmt.Errorf("the entry alone does not fit one transaction on the chain: %w", iog.ErrInvalid))
	}
	batches := [][]ledger.Op{ops[:n]}
	w, windowed := st.chain.(WindowChain)
	if windowed && entries[0].Seq > st.singleTo {
		for rest := ops[n:]; len(rest) > 0; {
			k := min(st.chain.Fit(rest), st.cfg.Batch, len(rest))
			if k < 1 {
				break
			}
			batches, rest = append(batches, rest[:k]), rest[k:]
		}
	}
	var (
		got [][]ledger.Entry
		err error
	)
	if windowed {
		got, err = w.ApplyEach(ctx, batches)
	} else {
		var one []ledger.Entry
		one, err = st.chain.ApplyAll(ctx, batches[0])
		if one != nil {
			got = [][]ledger.Entry{one}
		}
	}
	done := 0
	for _, b := range got {
		if err := st.record(ctx, entries[done:done+len(b)], b); err != nil {
			return done, err
		}
		st.batchOps.Observe(float64(len(b)))
		done += len(b)
	}
	switch {
	case err == nil || errors.Is(err, ledger.ErrReplayed):
		return done, nil
	case !refused(err):
		return done, fmt.Errorf("settle entries from %d: %w", entries[done].Seq, err)
	case done > 0:
		// The batch the chain refused comes first in the next call.
		return done, nil
	case n > 1:
		// Which entry the chain refused: the batch again, one at a time.
		st.singleTo = entries[n-1].Seq
		return st.settleNext(ctx, entries)
	}
	return 0, st.fail(ctx, entries[0], err)
}

// payout returns the withdrawal e pays out, if it is a payout: a Burn
// from the network's withdrawals account under a payout key.
func (st *settler) payout(e ledger.Entry) (int64, bool) {
	if e.Op.Kind != ledger.Burn || e.Op.From != st.s.accounts.Withdrawals {
		return 0, false
	}
	return store.PayoutID(e.Op.Key)
}

// payOut settles a withdrawal's payout: the chain pays the withdrawal's
// address.
func (st *settler) payOut(ctx context.Context, e ledger.Entry, id int64) (int, error) {
	var w store.Withdrawal
	if err := st.s.store.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		w, err = tx.Withdrawal(id)
		return err
	}); err != nil {
		return 0, fmt.Errorf("settle entry %d: %w", e.Seq, err)
	}
	got, err := st.chain.Withdraw(ctx, e.Op, w.To)
	switch {
	case err == nil || errors.Is(err, ledger.ErrReplayed):
		st.batchOps.Observe(1)
		return 1, st.record(ctx, []ledger.Entry{e}, []ledger.Entry{got})
	case !refused(err):
		return 0, fmt.Errorf("settle entry %d, the payout of withdrawal %d: %w", e.Seq, id, err)
	}
	return 0, st.fail(ctx, e, err)
}

// landed returns the chain's entries of the first of entries that it
// holds already, in order, up to the first it does not, and why it
// stopped when that is not an entry it does not hold.
func (st *settler) landed(ctx context.Context, entries []ledger.Entry) ([]ledger.Entry, error) {
	var out []ledger.Entry
	for _, e := range entries {
		got, err := st.chain.Entry(ctx, e.Op.Key)
		if errors.Is(err, iog.ErrNotFound) {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("look up entry %d (%q) on the chain: %w", e.Seq, e.Op.Key, err)
		}
		if got.Op != e.Op {
			return out, fmt.Errorf("entry %d: the chain holds another operation under its key %q (%v %v, not %v %v): %w", e.Seq, e.Op.Key, got.Op.Kind, got.Op.Amount, e.Op.Kind, e.Op.Amount, iog.ErrConflict)
		}
		out = append(out, got)
	}
	return out, nil
}

// record stores entries as settled by the chain's entries of them, and
// moves the cursor past them.
func (st *settler) record(ctx context.Context, entries, onChain []ledger.Entry) error {
	if len(onChain) != len(entries) {
		return fmt.Errorf("settle entries %d to %d: the chain answered %d entries for %d: %w", entries[0].Seq, entries[len(entries)-1].Seq, len(onChain), len(entries), iog.ErrUnavailable)
	}
	now := st.s.cfg.Clock.Now()
	rows := make([]store.Settlement, len(entries))
	for i, e := range entries {
		if onChain[i].Op.Key != e.Op.Key {
			return fmt.Errorf("settle entry %d: the chain answered the entry of %q for %q: %w", e.Seq, onChain[i].Op.Key, e.Op.Key, iog.ErrUnavailable)
		}
		rows[i] = store.Settlement{Seq: e.Seq, Key: e.Op.Key, Signature: onChain[i].Signature, Status: api.SettlementSettled, At: now}
	}
	err := st.s.store.Tx(ctx, func(tx *store.Tx) error {
		for _, e := range entries {
			if id, ok := st.payout(e); ok {
				if err := tx.MarkWithdrawalPaid(id, now); err != nil {
					return err
				}
			}
		}
		return tx.RecordSettled(rows)
	})
	if err != nil {
		return err
	}
	st.settled.Add(float64(len(rows)))
	return nil
}

// fail records the chain's refusal of entry e, which stops settling: the
// entries after it, of the same accounts perhaps, wait for an operator.
func (st *settler) fail(ctx context.Context, e ledger.Entry, refusal error) error {
	st.s.log.Error("settlement stopped: the chain refused a ledger entry, and the entries after it wait until an operator has put it right and deleted its row from the settlements table",
		"seq", e.Seq, "key", e.Op.Key, "kind", e.Op.Kind.String(), "amount", e.Op.Amount.String(), "err", refusal)
	row := store.Settlement{Seq: e.Seq, Key: e.Op.Key, Status: api.SettlementFailed, Error: refusal.Error(), At: st.s.cfg.Clock.Now()}
	if err := st.s.store.Tx(ctx, func(tx *store.Tx) error { return tx.RecordSettlementFailure(row) }); err != nil {
		return err
	}
	st.failed.WithLabelValues("refused").Inc()
	st.halted.Set(1)
	return nil
}

// refused reports whether err is the chain's refusal of an op, which no
// retry changes, rather than a failure to reach it.
func refused(err error) bool {
	if errors.Is(err, iog.ErrUnavailable) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	for _, kind := range []error{iog.ErrInsufficientFunds, iog.ErrConflict, iog.ErrInvalid, iog.ErrNotFound, iog.ErrOverflow} {
		if errors.Is(err, kind) {
			return true
		}
	}
	return false
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// settlementsOf returns the settlement of n entries, the i-th numbered
// seq(i), by seq, as the API shows it, or nil when the server does not
// settle.
func (s *Server) settlementsOf(c *call, n int, seq func(i int) uint64) (map[uint64]*api.Settlement, error) {
	if s.settler == nil {
		return nil, nil
	}
	seqs := make([]uint64, n)
	for i := range seqs {
		seqs[i] = seq(i)
	}
	var rows map[uint64]store.Settlement
	err := c.read(func(tx *store.Tx) error {
		var err error
		rows, err = tx.Settlements(seqs)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make(map[uint64]*api.Settlement, len(seqs))
	for _, seq := range seqs {
		r, ok := rows[seq]
		switch {
		case !ok:
			out[seq] = &api.Settlement{Status: api.SettlementPending}
		case r.Status == api.SettlementFailed:
			out[seq] = &api.Settlement{Status: r.Status, Error: r.Error}
		default:
			out[seq] = &api.Settlement{Status: r.Status, Signature: base58.Encode(r.Signature)}
		}
	}
	return out, nil
}

// settlementHealth is what the readiness check says of the settlement:
// nil when the server does not settle.
func (s *Server) settlementHealth(ctx context.Context) (map[string]any, error) {
	if s.settler == nil {
		return nil, nil
	}
	cursor, failure, halted, err := s.settlementState(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"status": "settling", "settled_to": cursor}
	if halted {
		out["status"], out["failed_entry"], out["error"] = "halted", failure.Seq, failure.Error
	}
	return out, nil
}

// settlementState reads the settlement cursor and the failure that stops
// settling, if there is one.
func (s *Server) settlementState(ctx context.Context) (cursor uint64, failure store.Settlement, halted bool, err error) {
	err = s.store.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		if cursor, err = tx.SettlementCursor(); err != nil {
			return err
		}
		failure, halted, err = tx.SettlementFailure()
		return err
	})
	return cursor, failure, halted, err
}
