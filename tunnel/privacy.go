package tunnel

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/internetofgpus/iog"
)

// Privacy makes a connection's traffic tell an observer of the relay less:
// padding hides the sizes of what is sent, delays blur its timing. It is
// off by default: both cost bandwidth and latency.
type Privacy struct {
	// Pad sends everything in cells of CellSize bytes, each padded to full
	// size, so the TLS records on the wire are whole numbers of cells.
	// The peer that sets it asks the relay in its hello, and both ends of
	// that connection pad.
	Pad bool
	// MaxDelay holds each write back by a random time up to MaxDelay.
	MaxDelay time.Duration
	// Rand draws the delays; nil is a source seeded from crypto/rand.
	Rand *mrand.Rand
}

// CellSize is the size of a padded cell on the wire: a 2-byte length, the
// data, and zeros up to the full size.
const CellSize = 1024

const cellData = CellSize - 2

// helloFlagPad in a hello's flags asks for padded cells.
const helloFlagPad byte = 1

// privacySeedMu guards draws from a configured Privacy.Rand.
var privacySeedMu sync.Mutex

// privateConn applies Privacy to a connection: padded cells both ways
// when pad is set, and jittered writes when maxDelay is.
type privateConn struct {
	net.Conn
	pad      bool
	maxDelay time.Duration

	wmu  sync.Mutex // one Write at a time; guards rng and wbuf
	rng  *mrand.Rand
	wbuf []byte

	rmu     sync.Mutex
	cell    [CellSize]byte
	pending []byte
}

// withPrivacy wraps c as p asks, with padding only if the peer agreed.
func withPrivacy(c net.Conn, p Privacy, pad bool) net.Conn {
	if !pad && p.MaxDelay <= 0 {
		return c
	}
	var s1, s2 uint64
	if p.Rand != nil {
		// Connections draw their own sources from the configured one, which
		// is not safe for concurrent use by itself.
		privacySeedMu.Lock()
		s1, s2 = p.Rand.Uint64(), p.Rand.Uint64()
		privacySeedMu.Unlock()
	} else {
		var seed [16]byte
		_, _ = rand.Read(seed[:])
		s1, s2 = binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:])
	}
	return &privateConn{Conn: c, pad: pad, maxDelay: p.MaxDelay, rng: mrand.New(mrand.NewPCG(s1, s2))}
}

func (c *privateConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.maxDelay > 0 {
		// Pacing is I/O at the edge: it waits on the wall clock.
		time.Sleep(time.Duration(c.rng.Int64N(int64(c.maxDelay) + 1)))
	}
	if !c.pad {
		return c.Conn.Write(p)
	}
	cells := (len(p) + cellData - 1) / cellData
	if cap(c.wbuf) < cells*CellSize {
		c.wbuf = make([]byte, cells*CellSize)
	}
	buf := c.wbuf[:cells*CellSize]
	clear(buf)
	for i := range cells {
		chunk := p[i*cellData : min(len(p), (i+1)*cellData)]
		cell := buf[i*CellSize : (i+1)*CellSize]
		binary.BigEndian.PutUint16(cell, uint16(len(chunk)))
		copy(cell[2:], chunk)
	}
	if _, err := c.Conn.Write(buf); err != nil {
		return 0, err
	}
	if cap(c.wbuf) > 64*CellSize {
		c.wbuf = nil // keep no large buffer on an idle connection
	}
	return len(p), nil
}

func (c *privateConn) Read(p []byte) (int, error) {
	if !c.pad {
		return c.Conn.Read(p)
	}
	c.rmu.Lock()
	defer c.rmu.Unlock()
	for len(c.pending) == 0 {
		var err error
		if c.pending, err = readCell(c.Conn, &c.cell); err != nil {
			return 0, err
		}
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// readCell reads one padded cell into cell and returns its data. A cell
// that claims more data than it can hold is ErrInvalid.
func readCell(r io.Reader, cell *[CellSize]byte) ([]byte, error) {
	if _, err := io.ReadFull(r, cell[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(cell[:2]))
	if n > cellData {
		return nil, fmt.Errorf("padded cell: %w: length %d exceeds %d", iog.ErrInvalid, n, cellData)
	}
	return cell[2 : 2+n], nil
}
