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

// NewMemory returns an empty in-memory ledger that stamps entries with
// clock's time.
func NewMemory(clock iog.Clock) *Memory {
	return &Memory{state: state{book: newBook()}, clock: clock}
}

// Apply implements Ledger.
func (m *Memory) Apply(ctx context.Context, op Op) (Entry, error) {
	if err := ctx.Err(); err != nil {
		return Entry{}, fmt.Errorf("apply %v: %w", op.Kind, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, found, err := m.book.replayed(op); found {
		return e, err
	}
	if err := m.book.check(op); err != nil {
		return Entry{}, err
	}
	e := Entry{Seq: m.book.seq + 1, Time: m.clock.Now().UTC(), Op: op}
	e.Balances = m.book.apply(op)
	m.book.commit(e)
	return e.clone(), nil
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
