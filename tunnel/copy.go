package tunnel

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"

	"golang.org/x/time/rate"

	"github.com/internetofgpus/iog"
)

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, copyBufferSize); return &b }}

// meter counts the bytes a copy moves and may hold it to a rate, timed by
// clock.
type meter struct {
	bytes   *atomic.Uint64
	limiter *rate.Limiter // nil: unlimited
	clock   iog.Clock
}

// errLimit reports a chunk larger than the limiter's burst; copyMetered
// never asks for one.
var errLimit = errors.New("rate limit burst smaller than a chunk")

// wait holds the copy until the limiter allows n more bytes, or until ctx
// ends or abort closes.
func (m meter) wait(ctx context.Context, abort <-chan struct{}, n int) error {
	if m.limiter == nil {
		return nil
	}
	now := m.clock.Now()
	r := m.limiter.ReserveN(now, n)
	if !r.OK() {
		return errLimit
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	select {
	case <-m.clock.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-abort:
		return net.ErrClosed
	}
}

// copyMetered copies src to dst until EOF or an error, adding every byte
// written to m and waiting on m's limiter before each chunk.
func copyMetered(ctx context.Context, abort <-chan struct{}, dst io.Writer, src io.Reader, m meter) error {
	bp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bp)
	buf := *bp
	if m.limiter != nil && m.limiter.Limit() != rate.Inf && m.limiter.Burst() < len(buf) {
		buf = buf[:max(1, m.limiter.Burst())]
	}
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			if err := m.wait(ctx, abort, n); err != nil {
				return err
			}
			w, werr := dst.Write(buf[:n])
			if m.bytes != nil {
				m.bytes.Add(uint64(w))
			}
			if werr != nil {
				return werr
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}
