package ledger

import (
	"context"
	"fmt"
	"sync"

	"github.com/internetofgpus/iog"
)

// Memory is a Ledger held in memory, for tests and the simulator. It keeps
// every entry by idempotency key (so retries are answered) but does not
// hash or sign them. Create one with NewMemory.
type Memory struct {
	state
	clock iog.Clock
}

var _ Ledger = (*Memory)(nil)

// MemoryConfig configures a Memory ledger.
type MemoryConfig struct {
	// Clock stamps the entries. Nil means iog.SystemClock.
	Clock iog.Clock
}

// NewMemory returns an empty in-memory ledger.
func NewMemory(cfg MemoryConfig) *Memory {
	return &Memory{state: state{book: newBook()}, clock: clockOr(cfg.Clock)}
}

// clockOr returns c, or the system clock when c is nil.
func clockOr(c iog.Clock) iog.Clock {
	if c == nil {
		return iog.SystemClock
	}
	return c
}

// Apply implements Ledger.
func (m *Memory) Apply(ctx context.Context, op Op) (Entry, error) {
	entries, err := m.ApplyAll(ctx, []Op{op})
	return first(entries), err
}

// ApplyAll implements Ledger.
func (m *Memory) ApplyAll(ctx context.Context, ops []Op) ([]Entry, error) {
	if err := startBatch(ctx, ops); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if entries, found, err := replayedBatch(ops, m.book.prior); found {
		return entries, err
	}
	entries, err := m.book.applyBatch(ops, m.clock.Now().UTC())
	if err != nil {
		return nil, err
	}
	m.book.commitBatch(entries)
	return clones(entries), nil
}

// state is a book behind a lock: what both ledgers answer queries from.
type state struct {
	mu   sync.Mutex
	book *book
}

// Balance implements Ledger.
func (s *state) Balance(ctx context.Context, account iog.WalletAddress, c iog.Currency) (Balance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.book.lookup(account, c)
}

// Supply implements Ledger.
func (s *state) Supply(ctx context.Context, c iog.Currency) (iog.Amount, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.book.supplyOf(c)
}

// Entry implements Ledger.
func (s *state) Entry(ctx context.Context, key string) (Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.book.keys[key]
	if !ok {
		return Entry{}, fmt.Errorf("entry %q: no operation was applied under that key: %w", key, iog.ErrNotFound)
	}
	return e.clone(), nil
}
