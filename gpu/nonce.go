package gpu

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"sync"
	"time"

	"github.com/internetofgpus/iog"
)

// Nonce is a server-issued challenge value that a report must carry,
// valid for one use by one device until it expires. A NonceBook makes it
// of its expiry, 8 random bytes and a MAC binding both to the device.
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
// the device it was issued to. It keeps no record of the nonces it issues:
// each carries its expiry and a MAC (HMAC-SHA256 under a key configured or
// drawn when the first nonce is issued) over the expiry, its random bytes
// and the device. So asking for nonces, however often and for whichever
// device, costs no memory and withdraws nobody's nonce; only a used nonce
// is remembered, until a TTL after its expiry, so a replay is told apart
// from a forgery, and a used nonce stays refused after that even if the
// clock is set back (see usedNonces). It is safe for concurrent use.
//
// A book's issued nonces need not survive a restart: one issued but not
// answered before it is refused after it as not issued (ErrUnauthorized),
// and the worker asks for another, losing a round trip and nothing else.
// A book given the previous Key accepts them still, which is how several
// server processes, or one across a restart, share challenges; the used
// nonces must then be kept too, as the Verifier's device records keep
// them, or a report could be replayed within its TTL.
type NonceBook struct {
	clock  iog.Clock
	random io.Reader
	ttl    time.Duration

	mu        sync.Mutex
	mac       hash.Hash // nil until the first Issue draws the key
	scratch   []byte    // the MAC's input and output, reused
	used      usedNonces
	nextSweep int // len(used.set) at which Use next forgets old entries
}

// NonceBookConfig configures a NonceBook. The zero value means the
// defaults documented on each field.
type NonceBookConfig struct {
	// Clock times the nonces' expiry; nil means iog.SystemClock.
	Clock iog.Clock
	// Random is the source of the key and the nonces; nil means
	// crypto/rand.Reader. Tests pass a seeded source.
	Random io.Reader
	// TTL is how long a nonce is valid; zero or less means
	// DefaultNonceTTL.
	TTL time.Duration
	// Key is the MAC key, a secret; zero means one drawn from Random at
	// the first Issue, so that no other book accepts this one's nonces.
	Key [32]byte
}

// DefaultNonceTTL is how long a nonce is valid when no TTL is given.
const DefaultNonceTTL = 5 * time.Minute

// NewNonceBook returns a NonceBook with cfg.
func NewNonceBook(cfg NonceBookConfig) *NonceBook {
	if cfg.Clock == nil {
		cfg.Clock = iog.SystemClock
	}
	if cfg.Random == nil {
		cfg.Random = rand.Reader
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultNonceTTL
	}
	b := &NonceBook{clock: cfg.Clock, random: cfg.Random, ttl: cfg.TTL, nextSweep: minUsedSweep}
	if cfg.Key != ([32]byte{}) {
		b.mac = hmac.New(sha256.New, cfg.Key[:])
	}
	return b
}

// minUsedSweep is the fewest used nonces the book keeps before it looks
// for expired ones to forget.
const minUsedSweep = 64

// Issue returns a fresh nonce for device. A random source that fails is
// ErrUnavailable.
func (b *NonceBook) Issue(device iog.DeviceID) (Challenge, error) {
	b.mu.Lock() // also guards random, which need not be safe for concurrent use
	defer b.mu.Unlock()
	if b.mac == nil {
		key := make([]byte, 32)
		if _, err := io.ReadFull(b.random, key); err != nil {
			return Challenge{}, fmt.Errorf("issue nonce: read a key: %w: %w", err, iog.ErrUnavailable)
		}
		b.mac = hmac.New(sha256.New, key)
	}
	var n Nonce
	if _, err := io.ReadFull(b.random, n[8:16]); err != nil {
		return Challenge{}, fmt.Errorf("issue nonce: read random bits: %w: %w", err, iog.ErrUnavailable)
	}
	expires := b.clock.Now().Add(b.ttl)
	binary.BigEndian.PutUint64(n[:8], uint64(expires.UnixNano()))
	b.sumLocked(device, &n, n[16:])
	return Challenge{Device: device, Nonce: n, Expires: expires}, nil
}

// sumLocked writes the first len(out) bytes of n's MAC for device to out.
func (b *NonceBook) sumLocked(device iog.DeviceID, n *Nonce, out []byte) {
	b.scratch = append(append(b.scratch[:0], n[:16]...), device...)
	b.mac.Reset()
	b.mac.Write(b.scratch)
	b.scratch = b.mac.Sum(b.scratch[:0])
	copy(out, b.scratch)
}

// Check reports whether n could be used now by device, without using it:
// a nonce this book did not issue to device is ErrUnauthorized, a used
// one ErrConflict, an expired one ErrExpired.
func (b *NonceBook) Check(device iog.DeviceID, n Nonce) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.checkLocked(device, n, b.clock.Now())
}

// Use marks n as used by device, failing as Check does.
func (b *NonceBook) Use(device iog.DeviceID, n Nonce) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.Now()
	if err := b.checkLocked(device, n, now); err != nil {
		return err
	}
	if len(b.used.set) >= b.nextSweep {
		b.used.forget(now, b.ttl)
		b.nextSweep = max(2*len(b.used.set), minUsedSweep)
	}
	b.used.add(n)
	return nil
}

func (b *NonceBook) checkLocked(device iog.DeviceID, n Nonce, now time.Time) error {
	return b.judgeLocked(device, n, b.used.refuse(n, now, b.ttl), now)
}

// authentic is Check for a caller that keeps the used nonces itself:
// used is why n was refused as used, nil if it was not.
func (b *NonceBook) authentic(device iog.DeviceID, n Nonce, used error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.judgeLocked(device, n, used, b.clock.Now())
}

// judgeLocked refuses n, in the order Check documents, when this book did
// not issue it to device, when it is used (used is why), or when it has
// expired.
func (b *NonceBook) judgeLocked(device iog.DeviceID, n Nonce, used error, now time.Time) error {
	var want [16]byte
	if b.mac != nil {
		b.sumLocked(device, &n, want[:])
	}
	expires := expiryOf(n)
	switch {
	case b.mac == nil || !hmac.Equal(want[:], n[16:]):
		return fmt.Errorf("nonce %.16s…: not issued to device %s by this server: %w", n, device, iog.ErrUnauthorized)
	case used != nil:
		return used
	case !now.Before(expires):
		return fmt.Errorf("nonce %.16s…: expired at %s: %w", n, expires.UTC().Format(time.RFC3339), iog.ErrExpired)
	}
	return nil
}

// expiryOf reads the expiry a NonceBook wrote into n.
func expiryOf(n Nonce) time.Time { return time.Unix(0, int64(binary.BigEndian.Uint64(n[:8]))) }
