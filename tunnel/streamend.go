package tunnel

import (
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/hashicorp/yamux"

	"github.com/internetofgpus/iog"
)

// errConnLost reports a stream whose connection ended before the stream
// did.
var errConnLost = fmt.Errorf("%w: the connection ended before the stream (%w)", iog.ErrUnavailable, net.ErrClosed)

// endOfInput is what an end of input read from st means. yamux ends every
// stream of a connection that ends, by a keepalive that timed out or a
// peer gone, and reads then report a clean end of input, which would pass
// a transfer cut short for a complete one: on a closed connection it is
// errConnLost. A stream whose peer closed it just before the connection
// ended reads so too; failing it is the safe side.
func endOfInput(st *yamux.Stream) error {
	if st.Session().IsClosed() {
		return errConnLost
	}
	return io.EOF
}

// writeFailed closes st's connection when err is a write that waited
// ConnConfig.PeerTimeout for the connection: the peer then counts as dead.
// yamux gives up on such a write but keeps its frame, which may still go
// out, and leaves the connection open, so that the stream could carry on
// with bytes missing or sent twice; and a reset sent on the same stalled
// connection may not get through, while the stream's close would later.
// Closed, the connection fails every stream on it, on every hop (see
// endOfInput).
func writeFailed(st *yamux.Stream, err error) {
	if errors.Is(err, yamux.ErrConnectionWriteTimeout) {
		_ = st.Session().Close()
	}
}
