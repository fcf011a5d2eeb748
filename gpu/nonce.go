package gpu

import (
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/internetofgpus/iog"
)

// Nonce is a server-issued challenge value that a report must carry: 32
// random bytes, valid for one use by one device until it expires.
type Nonce [32]byte

// String returns the nonce in hex.
func (n Nonce) String() string { return hex.EncodeToString(n[:]) }

// ParseNonce reads the 64 hex digits String writes. Anything else is
// ErrInvalid.
func ParseNonce(s string) (Nonce, error) {
	var n Nonce
	if len(s) != 2*len(n) {
		return Nonce{}, fmt.Errorf("nonce: %d characters, want %d hex digits: %w", len(s), 2*len(n), iog.ErrInvalid)
	}
	if _, err := hex.Decode(n[:], []byte(s)); err != nil {
		return Nonce{}, fmt.Errorf("nonce: not hex: %w", iog.ErrInvalid)
	}
	return n, nil
}

// MarshalText implements encoding.TextMarshaler with the hex form, so that
// a Challenge or a ProofTask travels as JSON.
func (n Nonce) MarshalText() ([]byte, error) { return []byte(n.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseNonce. On
// error n is left unchanged.
func (n *Nonce) UnmarshalText(text []byte) error {
	v, err := ParseNonce(string(text))
	if err != nil {
		return err
	}
	*n = v
	return nil
}

// Challenge is an issued nonce with the time it stops being accepted.
type Challenge struct {
	Device  iog.DeviceID
	Nonce   Nonce
	Expires time.Time
}

// NonceBook issues nonces and accepts each once, before it expires, for
// the device it was issued to. It remembers a used nonce until its expiry,
// so a replay is told apart from a forgery. It is safe for concurrent use.
type NonceBook struct {
	clock  iog.Clock
	random io.Reader
	ttl    time.Duration
	limit  int

	mu      sync.Mutex
	entries map[Nonce]*nonceEntry
	queue   []Nonce                  // in issue order, which is expiry order
	unused  map[iog.DeviceID][]Nonce // may hold used or forgotten nonces until the next Issue
}

type nonceEntry struct {
	device  iog.DeviceID
	expires time.Time
	used    bool
}

// DefaultNonceTTL is how long a nonce is valid when no TTL is given.
const DefaultNonceTTL = 5 * time.Minute

// DefaultNoncesPerDevice is how many unused nonces a device may hold at
// once when no limit is given.
const DefaultNoncesPerDevice = 8

// NewNonceBook returns a NonceBook reading time from clock and nonces from
// random (crypto/rand.Reader in production). A ttl of zero or less means
// DefaultNonceTTL, a perDevice of zero or less DefaultNoncesPerDevice.
func NewNonceBook(clock iog.Clock, random io.Reader, ttl time.Duration, perDevice int) *NonceBook {
	if ttl <= 0 {
		ttl = DefaultNonceTTL
	}
	if perDevice <= 0 {
		perDevice = DefaultNoncesPerDevice
	}
	return &NonceBook{clock: clock, random: random, ttl: ttl, limit: perDevice,
		entries: map[Nonce]*nonceEntry{}, unused: map[iog.DeviceID][]Nonce{}}
}

// Issue returns a fresh nonce for device. A device holds at most its limit
// of unused, unexpired nonces: past it, the oldest is withdrawn, so that
// asking for a device's nonces cannot fill the book. It also means that
// whoever can ask for a device's nonces can withdraw the one its worker
// is answering: Issue does not know who asks, so the caller must grant
// nonces only to the device's own worker (an authenticated session) or
// rate-limit the asking.
func (b *NonceBook) Issue(device iog.DeviceID) (Challenge, error) {
	b.mu.Lock() // also guards random, which need not be safe for concurrent use
	defer b.mu.Unlock()
	var n Nonce
	if _, err := io.ReadFull(b.random, n[:]); err != nil {
		return Challenge{}, fmt.Errorf("issue nonce: read random bits: %w: %w", err, iog.ErrUnavailable)
	}
	now := b.clock.Now()
	b.expireLocked(now)
	held := b.unused[device][:0]
	for _, old := range b.unused[device] {
		if e, ok := b.entries[old]; ok && !e.used && now.Before(e.expires) {
			held = append(held, old)
		}
	}
	for len(held) >= b.limit {
		delete(b.entries, held[0]) // its place in queue is skipped when it comes up
		held = held[1:]
	}
	b.unused[device] = held
	if _, dup := b.entries[n]; dup {
		return Challenge{}, fmt.Errorf("issue nonce: the random source repeated itself: %w", iog.ErrUnavailable)
	}
	e := &nonceEntry{device: device, expires: now.Add(b.ttl)}
	b.entries[n] = e
	b.queue = append(b.queue, n)
	b.unused[device] = append(held, n)
	if len(b.queue) > 2*len(b.entries)+nonceQueueSlack {
		// Withdrawn nonces wait in the queue until the live ones ahead of
		// them expire; drop them now, so that asking for a device's nonces
		// over and over costs no memory. Amortized, this is O(1) an Issue.
		b.queue = slices.DeleteFunc(b.queue, func(n Nonce) bool { _, ok := b.entries[n]; return !ok })
	}
	return Challenge{Device: device, Nonce: n, Expires: e.expires}, nil
}

// nonceQueueSlack is how many withdrawn nonces the expiry queue may hold,
// beyond as many as there are live ones, before Issue compacts it.
const nonceQueueSlack = 64

// Check reports whether n could be used now by device, without using it:
// an unknown nonce, or one issued to another device, is ErrUnauthorized, a
// used one ErrConflict, an expired one ErrExpired.
func (b *NonceBook) Check(device iog.DeviceID, n Nonce) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, err := b.lookupLocked(device, n)
	return err
}

// Use marks n as used by device, failing as Check does.
func (b *NonceBook) Use(device iog.DeviceID, n Nonce) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, err := b.lookupLocked(device, n)
	if err != nil {
		return err
	}
	e.used = true
	return nil
}

func (b *NonceBook) lookupLocked(device iog.DeviceID, n Nonce) (*nonceEntry, error) {
	now := b.clock.Now()
	b.expireLocked(now)
	e, ok := b.entries[n]
	switch {
	case !ok:
		return nil, fmt.Errorf("nonce %.16s…: not issued by this server, or expired long ago: %w", n, iog.ErrUnauthorized)
	case e.device != device:
		return nil, fmt.Errorf("nonce %.16s…: issued to another device than %s: %w", n, device, iog.ErrUnauthorized)
	case e.used:
		return nil, fmt.Errorf("nonce %.16s…: already used; a report cannot be replayed: %w", n, iog.ErrConflict)
	case !now.Before(e.expires):
		return nil, fmt.Errorf("nonce %.16s…: expired at %s: %w", n, e.expires.UTC().Format(time.RFC3339), iog.ErrExpired)
	}
	return e, nil
}

// expireLocked forgets nonces a grace period after they expired: long
// enough that a late replay is still told it is expired or used.
func (b *NonceBook) expireLocked(now time.Time) {
	drop := 0
	for _, n := range b.queue {
		e, ok := b.entries[n]
		if !ok { // withdrawn by Issue
			drop++
			continue
		}
		if now.Before(e.expires.Add(b.ttl)) {
			break
		}
		delete(b.entries, n)
		if held := b.unused[e.device]; len(held) > 0 && held[0] == n {
			if len(held) == 1 {
				delete(b.unused, e.device)
			} else {
				b.unused[e.device] = held[1:]
			}
		}
		drop++
	}
	b.queue = b.queue[drop:]
}
