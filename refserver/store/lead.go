package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sync"
	"time"

	"github.com/internetofgpus/iog/internal/sqldb"
)

// leaderLockKey is the PostgreSQL advisory lock whose holder leads.
const leaderLockKey = 0x696f672d6c656164 // "iog-lead"

// Lease is the leadership of the network's loops, held until Release or
// until it is lost (its database connection failed).
type Lease struct {
	conn     *sql.Conn
	lost     chan struct{}
	stop     chan struct{}
	once     sync.Once
	mu       sync.Mutex
	err      error
	released sync.Once
}

// Lost is closed when the lease is lost.
func (l *Lease) Lost() <-chan struct{} { return l.lost }

// Err says why the lease was lost, nil while it holds.
func (l *Lease) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

func (l *Lease) lose(err error) {
	l.once.Do(func() {
		l.mu.Lock()
		l.err = err
		l.mu.Unlock()
		close(l.lost)
	})
}

// Release gives the leadership up.
func (l *Lease) Release() {
	l.released.Do(func() {
		close(l.stop)
		if l.conn != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			l.conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", int64(leaderLockKey))
			cancel()
			// Discard the session rather than return it to the pool: should
			// the unlock have failed, ending the session drops the lock.
			l.conn.Raw(func(any) error { return driver.ErrBadConn })
			l.conn.Close()
		}
		l.lose(nil)
	})
}

// Lead waits until this process leads and returns its lease. On SQLite,
// which one process uses, it leads at once. On PostgreSQL it takes the
// leader's session lock, trying every poll while another holds it; a
// leader that dies drops the lock with its connection, and the next
// process takes it within poll. The lease checks its connection every
// poll/2 and is lost when it fails.
func (s *Store) Lead(ctx context.Context, poll time.Duration) (*Lease, error) {
	l := &Lease{lost: make(chan struct{}), stop: make(chan struct{})}
	if s.dialect != sqldb.Postgres {
		return l, nil
	}
	for {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("lead: %w", err)
		}
		var got bool
		err = conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", int64(leaderLockKey)).Scan(&got)
		if err == nil && got {
			l.conn = conn
			go l.watch(poll)
			return l, nil
		}
		conn.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(poll):
		}
	}
}

// watch loses the lease when its connection stops answering.
func (l *Lease) watch(poll time.Duration) {
	t := time.NewTicker(max(poll/2, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), poll)
			err := l.conn.PingContext(ctx)
			cancel()
			if err != nil {
				l.lose(fmt.Errorf("the leader's database connection failed: %w", err))
				return
			}
		}
	}
}
