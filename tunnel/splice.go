package tunnel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/internetofgpus/iog"
)

// halfCloser is a connection whose write side can be closed alone.
type halfCloser interface{ CloseWrite() error }

// closeWrite ends the write side of c: TCP's CloseWrite, or Close for a
// multiplexed stream, whose Close is a half close already.
func closeWrite(c net.Conn) {
	if hc, ok := c.(halfCloser); ok {
		_ = hc.CloseWrite()
		return
	}
	_ = c.Close()
}

// grant is how long a spliced stream may stay open: until its end, with
// the Authorizer asked again every interval, so that an authorization
// withdrawn early (a rental ended before its expiry) closes the stream
// too. A nil grant never ends.
type grant struct {
	clock iog.Clock
	until time.Time // zero: no end but a refusal
	every time.Duration
	ask   func() (time.Time, error)
	why   error // why the grant ran out, once it has
}

// next returns a channel that fires at the next check, nil for a nil
// grant.
func (g *grant) next() <-chan time.Time {
	if g == nil {
		return nil
	}
	d := g.every
	if !g.until.IsZero() {
		d = min(d, g.until.Sub(g.clock.Now()))
	}
	return g.clock.After(d)
}

// renew asks the Authorizer again, and reports whether the stream may stay
// open. Only a refusal (iog.ErrForbidden, iog.ErrExpired) withdraws it; an
// Authorizer failing for a passing reason leaves the stream to the end it
// was given.
func (g *grant) renew() bool {
	until, err := g.ask()
	switch {
	case err == nil:
	case revoked(err):
		g.why = err
		return false
	default:
		until = g.until
	}
	if !until.IsZero() && !until.After(g.clock.Now()) {
		g.why = fmt.Errorf("%w: the authorization ended at %s", iog.ErrExpired, until.UTC().Format(time.RFC3339))
		return false
	}
	g.until = until
	return true
}

// splice copies a to b and b to a until both directions end, then closes
// both. An end of input half-closes the other side, so a request and its
// response can follow each other as on one TCP connection. A failure in
// either direction, ctx ending, or g running out aborts both, and then
// cutShort, unless nil, runs with the first failure before both are
// closed: a multiplexed stream has no reset of its own, so its far end
// must be told (see sendReset).
func splice(ctx context.Context, a, b net.Conn, aToB, bToA meter, g *grant, cutShort func(why error)) {
	errs := make(chan error, 2)
	aborted := make(chan struct{})
	var once sync.Once
	abort := func() {
		once.Do(func() {
			close(aborted)
			_ = a.SetDeadline(pastDeadline)
			_ = b.SetDeadline(pastDeadline)
		})
	}
	run := func(dst, src net.Conn, m meter) {
		err := copyMetered(ctx, aborted, dst, src, m)
		if err != nil {
			abort()
		} else {
			closeWrite(dst)
		}
		errs <- err
	}
	go run(b, a, aToB)
	go run(a, b, bToA)
	var first error
	stopped := ctx.Done()
	cut := g.next()
	for done := 0; done < 2; {
		select {
		case err := <-errs:
			done++
			if first == nil && err != nil {
				first = err
			}
		case <-cut:
			if g.renew() {
				cut = g.next()
				continue
			}
			cut = nil
			first = errCut
			abort()
		case <-stopped:
			stopped = nil
			abort()
		}
	}
	if errors.Is(first, errCut) {
		first = fmt.Errorf("%w: %w", errCut, g.why)
	}
	if first != nil && cutShort != nil {
		cutShort(first)
	}
	_ = a.Close()
	_ = b.Close()
}

// errCut reports a stream closed because its authorization ran out or was
// withdrawn.
var errCut = errors.New("stream closed: its rental has ended")
