package gpu

import (
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
)

// usedNonces are the nonces used up, as a NonceBook and each of the
// Verifier's devices keep them. A used nonce is remembered until a TTL
// past its expiry, when the clock refuses it as expired anyway, and then
// forgotten, so that memory follows the reports of the last two TTLs.
//
// The clock alone does not keep a forgotten nonce refused: a wall clock
// set back before its expiry would take it as live and unused. So the
// newest expiry among the forgotten ones is kept too, and a nonce
// expiring at or before it counts as used whatever the clock reads. The
// price is that a clock stepped back by more than two TTLs has fresh
// nonces refused as well, until it is past that expiry again: refusing
// honest reports for a while, rather than accepting a replay.
type usedNonces struct {
	set map[Nonce]struct{}
	// forgotten is the newest expiry of a nonce forgotten from set; zero
	// if none was.
	forgotten time.Time
}

// refuse returns why n cannot be used at now, in a book of nonces valid
// for ttl, or nil if it has not been. A nonce a TTL past its expiry is
// left for the expiry check to refuse, under its own name.
func (u *usedNonces) refuse(n Nonce, now time.Time, ttl time.Duration) error {
	expires := expiryOf(n)
	if !now.Before(expires.Add(ttl)) {
		return nil
	}
	if _, ok := u.set[n]; ok {
		return fmt.Errorf("nonce %.16s…: already used; a report cannot be replayed: %w", n, iog.ErrConflict)
	}
	if !expires.After(u.forgotten) {
		return fmt.Errorf("nonce %.16s…: expires at %s, no later than a used nonce forgotten since; the clock was set back, and a report cannot be replayed: %w",
			n, expires.UTC().Format(time.RFC3339), iog.ErrConflict)
	}
	return nil
}

// add marks n as used, and reports false when it was already, or may
// have been and was forgotten.
func (u *usedNonces) add(n Nonce) bool {
	if _, ok := u.set[n]; ok || !expiryOf(n).After(u.forgotten) {
		return false
	}
	if u.set == nil {
		u.set = map[Nonce]struct{}{}
	}
	u.set[n] = struct{}{}
	return true
}

// forget drops the nonces a ttl past their expiry at now, keeping the
// newest expiry among them.
func (u *usedNonces) forget(now time.Time, ttl time.Duration) {
	for n := range u.set {
		if expires := expiryOf(n); !now.Before(expires.Add(ttl)) {
			delete(u.set, n)
			if expires.After(u.forgotten) {
				u.forgotten = expires
			}
		}
	}
}
