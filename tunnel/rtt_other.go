//go:build !linux

package tunnel

import (
	"net"
	"time"
)

// pathRTT reports no round-trip time (zero) where the kernel's is not
// read: the connection keeps the configured window.
func pathRTT(net.Conn) time.Duration { return 0 }
