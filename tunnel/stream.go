package tunnel

import (
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/yamux"
)

// stream is a multiplexed stream with TCP's closing semantics:
// CloseWrite ends the sending side alone (the peer reads EOF), Close ends
// both, and a stream cut short fails every read and write with the
// reason, as a TCP reset would.
type stream struct {
	*yamux.Stream
	why     atomic.Pointer[error] // set once the stream is closed or cut
	ended   atomic.Bool           // a read has reached the end of the stream
	closing sync.Once
	// closed, unless nil, runs once at the first close; cutShort says
	// that the stream's end was not read and the relay was not the one to
	// cut it, so the relay must be told.
	closed func(cutShort bool)
}

func newStream(st *yamux.Stream, closed func(cutShort bool)) *stream {
	return &stream{Stream: st, closed: closed}
}

// openLive opens a stream on sess, to the relay, that the relay may cut
// short: it is registered in live before anything is sent on it, so that
// no reset can come before it, and closing it before its end tells the
// relay to cut it at the far end too.
func openLive(sess *yamux.Session, live *liveStreams, timeout time.Duration) (*stream, error) {
	st, err := sess.OpenStream()
	if err != nil {
		return nil, err
	}
	s := newStream(st, nil)
	remove := live.add(st.StreamID(), s.cut)
	s.closed = func(cutShort bool) {
		remove()
		if cutShort {
			sendReset(sess, st.StreamID(), errClosedEarly, timeout)
		}
	}
	return s, nil
}

// errClosedEarly is the reason the relay hears for a stream closed before
// its end.
var errClosedEarly = fmt.Errorf("%w: the stream was closed before its end", net.ErrClosed)

// abandon closes a stream that the relay never spliced: no reset is due.
func (s *stream) abandon() { _ = s.close(net.ErrClosed, false) }

// cut ends the stream for why, at the relay's word.
func (s *stream) cut(why error) { _ = s.close(why, false) }

// fail returns the reason the stream was closed or cut, if it was, in
// place of err; otherwise err.
func (s *stream) fail(err error) error {
	if why := s.why.Load(); why != nil {
		return *why
	}
	return err
}

func (s *stream) Read(b []byte) (int, error) {
	if err := s.fail(nil); err != nil {
		return 0, err
	}
	n, err := s.Stream.Read(b)
	if err != nil {
		// A cut stream's far end closes it too, after the reset was
		// served (see sendReset), and yamux may report that close as an
		// end of input before the reset's deadline: the cut is what
		// happened.
		err = s.fail(err)
		if err == io.EOF {
			err = endOfInput(s.Stream)
		}
		if err == io.EOF {
			s.ended.Store(true)
		}
	}
	return n, err
}

func (s *stream) Write(b []byte) (int, error) {
	if err := s.fail(nil); err != nil {
		return 0, err
	}
	n, err := s.Stream.Write(b)
	if err != nil {
		writeFailed(s.Stream, err)
		err = s.fail(err)
	}
	return n, err
}

// CloseWrite half-closes the stream.
func (s *stream) CloseWrite() error { return s.Stream.Close() }

// Close closes both directions: reads and writes pending or to come fail
// with net.ErrClosed. A stream closed before its end was read is cut
// short, as TCP resets a connection closed with data unread, and the
// worker closes its side of it.
func (s *stream) Close() error { return s.close(net.ErrClosed, !s.ended.Load()) }

func (s *stream) close(why error, cutShort bool) error {
	s.why.CompareAndSwap(nil, &why)
	_ = s.Stream.SetDeadline(pastDeadline)
	s.closing.Do(func() {
		if s.closed != nil {
			s.closed(cutShort)
		}
	})
	return s.Stream.Close()
}
