package tunnel

import (
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/yamux"
)

// liveStreams are the multiplexer streams of one connection that a reset
// frame may end, by stream ID, each with what ends it.
type liveStreams struct {
	mu  sync.Mutex
	end map[uint32]func(why error)
}

// add registers end for id, and returns the function that unregisters it.
func (l *liveStreams) add(id uint32, end func(why error)) (remove func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.end == nil {
		l.end = make(map[uint32]func(error))
	}
	l.end[id] = end
	return func() {
		l.mu.Lock()
		delete(l.end, id)
		l.mu.Unlock()
	}
}

// reset ends the stream a reset frame's payload p names, if it is still
// live; a stream that has ended already is no error.
func (l *liveStreams) reset(p []byte) error {
	req, err := decodeReset(p)
	if err != nil {
		return err
	}
	l.mu.Lock()
	end := l.end[req.stream]
	delete(l.end, req.stream)
	l.mu.Unlock()
	if end != nil {
		end(req.why.err())
	}
	return nil
}

// cuttable is a spliced stream that a reset from its far end may end at
// any moment after it is registered (liveStreams.add), even before the
// splice starts: ready keeps such an early reset in force. Once cut, its
// reads fail with the far end's reason, and its end of input is one only
// while neither a reset nor the end of its connection came first (see
// endOfInput).
type cuttable struct {
	*yamux.Stream
	why atomic.Pointer[error] // the far end's reason once it cut the stream; it needs no reset back
}

// end ends the stream for why: its reads and writes fail from now on.
func (c *cuttable) end(why error) {
	c.why.CompareAndSwap(nil, &why)
	_ = c.SetDeadline(pastDeadline)
}

// ready clears the stream's deadlines for splicing, unless a reset came
// first. The check follows the clearing, so that a reset at any moment
// sticks.
func (c *cuttable) ready() {
	_ = c.SetDeadline(time.Time{})
	if c.why.Load() != nil {
		_ = c.SetDeadline(pastDeadline)
	}
}

// Read reads the stream. A reset's deadline does not stop yamux from
// reporting the close that follows it as an end of input: the cut is
// what happened, and a read failing for any reason after it fails with
// the cut's.
func (c *cuttable) Read(b []byte) (int, error) {
	n, err := c.Stream.Read(b)
	if err != nil {
		if why := c.why.Load(); why != nil {
			return n, *why
		}
		if err == io.EOF {
			err = endOfInput(c.Stream)
		}
	}
	return n, err
}

// Write writes to the stream; see writeFailed.
func (c *cuttable) Write(b []byte) (int, error) {
	n, err := c.Stream.Write(b)
	writeFailed(c.Stream, err)
	return n, err
}

// reset tells the far end of the stream that it was cut short, and why,
// unless the far end cut it.
func (c *cuttable) reset(why error, timeout time.Duration) {
	if c.why.Load() == nil {
		sendReset(c.Session(), c.StreamID(), why, timeout)
	}
}

// sendReset tells the far end of sess that its stream id was cut short,
// and why, on a stream of its own: yamux v0.1.2 cannot reset a stream, and
// a close is only a half close, after which the far end could write into
// a window nobody drains.
//
// It returns once the far end has closed the reset's stream, which it does
// after ending its own, or after timeout. The caller closes the cut stream
// only then: its close, on another stream, could otherwise be read at the
// far end before the reset is served, as a clean end of input.
func sendReset(sess *yamux.Session, id uint32, why error, timeout time.Duration) {
	st, err := sess.OpenStream()
	if err != nil {
		return
	}
	defer st.Close()
	deadline := ioDeadline(timeout)
	_ = st.SetDeadline(deadline)
	if err := writeFrame(st, frameReset, resetReq{stream: id, why: resultOf(why)}.encode()); err != nil {
		return
	}
	if err := st.Close(); err != nil {
		return
	}
	drain(st, deadline)
}

// drain reads st to its end and drops what it reads, until the far end,
// told to by a reset, closes its side, or until deadline.
func drain(st *yamux.Stream, deadline time.Time) {
	_ = st.SetReadDeadline(deadline)
	_, _ = io.Copy(io.Discard, st)
}
