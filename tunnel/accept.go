package tunnel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"
)

// acceptLoop hands every connection ln accepts to handle, which must not
// block, until ctx ends; then it closes ln and returns nil. Accept errors
// that may pass (such as too many open files) are logged and retried
// after a pause that doubles up to a second; a listener closed by someone
// else ends the loop with an error.
func acceptLoop(ctx context.Context, ln net.Listener, logger *slog.Logger, handle func(net.Conn)) error {
	stop := context.AfterFunc(ctx, func() { _ = ln.Close() })
	defer stop()
	var pause time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("accept on %s: %w", ln.Addr(), err)
			}
			pause = min(max(2*pause, 5*time.Millisecond), time.Second)
			logger.Error("accept failed; retrying", "addr", ln.Addr().String(), "err", err, "in", pause)
			select {
			case <-time.After(pause): // pacing at the I/O edge, on the wall clock
			case <-ctx.Done():
				return nil
			}
			continue
		}
		pause = 0
		handle(c)
	}
}
