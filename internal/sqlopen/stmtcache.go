package sqlopen

import (
	"container/list"
	"context"
	"database/sql/driver"
	"fmt"
)

// StatementCache is how many prepared statements a SQLite connection
// keeps, the most recently used. The store and the ledger run a few dozen
// distinct queries, some of them thousands of times a second; a statement
// prepared for each run spent more time in SQLite's parser than in the
// query itself (BENCHMARKS.md). The bound keeps queries built per call
// (an IN list of a batch's length) from growing the cache without end.
const StatementCache = 256

// cachingConnector opens SQLite connections that keep their prepared
// statements (cachingConn).
type cachingConnector struct{ driver.Connector }

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(sqliteConn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("the SQLite driver's connection %T lacks the interfaces database/sql uses", conn)
	}
	return &cachingConn{sqliteConn: sc, stmts: map[string]*list.Element{}, lru: list.New()}, nil
}

// sqliteConn is what every modernc.org/sqlite connection implements and a
// wrapper must forward, or database/sql falls back to the methods without
// a context (modernc.org/sqlite's NewConnector documents the list).
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// preparedStmt is what a modernc.org/sqlite statement implements.
type preparedStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// cachingConn is a SQLite connection that runs each query through a
// statement prepared once, its parameters made positional (positional), kept in a cache of the StatementCache most
// recently used. A statement runs one query at a time: while the rows of
// one run are open, the same query runs on a statement of its own, as it
// would uncached. Like every driver.Conn it is used by one goroutine at a
// time (database/sql serializes the calls on a connection, rows' Close
// included), so it needs no lock.
type cachingConn struct {
	sqliteConn
	stmts map[string]*list.Element // of *cachedStmt, by query
	lru   *list.List               // most recently used first
}

// cachedStmt is a prepared statement and whether rows of it are open.
type cachedStmt struct {
	query string
	stmt  preparedStmt
	busy  bool
	// evicted statements are out of the cache, to be closed once their
	// open rows are.
	evicted bool
}

// Unwrap returns the driver's connection, as modernc.org/sqlite asks of a
// wrapper.
func (c *cachingConn) Unwrap() driver.Conn { return c.sqliteConn }

// ExecContext runs query on its cached statement.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.take(ctx, query)
	switch {
	case err != nil:
		return nil, err
	case s == nil:
		return c.sqliteConn.ExecContext(ctx, positional(query), args)
	}
	defer c.give(s)
	return s.stmt.ExecContext(ctx, args)
}

// QueryContext runs query on its cached statement, which its rows hold
// until they are closed.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.take(ctx, query)
	switch {
	case err != nil:
		return nil, err
	case s == nil:
		return c.sqliteConn.QueryContext(ctx, positional(query), args)
	}
	r, err := s.stmt.QueryContext(ctx, args)
	if err != nil {
		c.give(s)
		return nil, err
	}
	rows, ok := r.(sqliteRows)
	if !ok {
		r.Close()
		c.give(s)
		return nil, fmt.Errorf("the SQLite driver's rows %T lack the interfaces database/sql uses", r)
	}
	return &cachedRows{sqliteRows: rows, conn: c, stmt: s}, nil
}

// PrepareContext prepares query, its parameters positional, for a caller
// that keeps the statement itself.
func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.sqliteConn.PrepareContext(ctx, positional(query))
}

// take returns query's cached statement, preparing it (with its
// parameters positional) when missing, and marks it busy; nil, when rows
// of it are open.
func (c *cachingConn) take(ctx context.Context, query string) (*cachedStmt, error) {
	if e, ok := c.stmts[query]; ok {
		s := e.Value.(*cachedStmt)
		if s.busy {
			return nil, nil
		}
		c.lru.MoveToFront(e)
		s.busy = true
		return s, nil
	}
	ds, err := c.sqliteConn.PrepareContext(ctx, positional(query))
	if err != nil {
		return nil, err
	}
	ps, ok := ds.(preparedStmt)
	if !ok {
		ds.Close()
		return nil, fmt.Errorf("the SQLite driver's statement %T lacks the interfaces database/sql uses", ds)
	}
	s := &cachedStmt{query: query, stmt: ps, busy: true}
	c.stmts[query] = c.lru.PushFront(s)
	for c.lru.Len() > StatementCache {
		c.evict(c.lru.Back())
	}
	return s, nil
}

// give marks s idle again, closing it if it was evicted meanwhile.
func (c *cachingConn) give(s *cachedStmt) {
	s.busy = false
	if s.evicted {
		closeStmt(s)
	}
}

// evict takes e's statement out of the cache, closing it unless rows of
// it are open.
func (c *cachingConn) evict(e *list.Element) {
	s := c.lru.Remove(e).(*cachedStmt)
	delete(c.stmts, s.query)
	s.evicted = true
	if !s.busy {
		closeStmt(s)
	}
}

// closeStmt frees a statement. Its error is not one: sqlite3_finalize
// reports the error of the statement's last run, which that run has
// reported already, and frees the statement either way.
func closeStmt(s *cachedStmt) { _ = s.stmt.Close() }

// Close closes the cached statements and the connection.
func (c *cachingConn) Close() error {
	for c.lru.Len() > 0 {
		c.evict(c.lru.Front())
	}
	return c.sqliteConn.Close()
}

// sqliteRows is what modernc.org/sqlite's rows implement, forwarded so
// that database/sql's column types stay the driver's.
type sqliteRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// cachedRows are the rows of a cached statement's run: closing them
// frees the statement for the next.
type cachedRows struct {
	sqliteRows
	conn *cachingConn
	stmt *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.sqliteRows.Close()
	if r.stmt != nil {
		r.conn.give(r.stmt)
		r.stmt = nil
	}
	return err
}
