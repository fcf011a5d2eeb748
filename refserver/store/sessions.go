package store

import (
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// InsertSessionChallenge stores a sign-in challenge handed out.
func (t *Tx) InsertSessionChallenge(c api.SessionChallenge) error {
	if err := t.exec("INSERT INTO session_challenges (nonce, wallet, message, expires) VALUES ($1, $2, $3, $4)",
		c.Nonce, c.Wallet.String(), c.Message, unix(c.Expires)); err != nil {
		return fmt.Errorf("store sign-in challenge: %w", err)
	}
	return nil
}

// TakeSessionChallenge deletes the challenge with nonce and returns it:
// a challenge is used once. One not known (never handed out, used, or
// pruned) is iog.ErrUnauthorized. Of two servers taking the same
// challenge at once, one gets it. The transaction's rollback (a wrong
// signature) puts it back.
func (t *Tx) TakeSessionChallenge(nonce string) (api.SessionChallenge, error) {
	c := api.SessionChallenge{Nonce: nonce}
	var wallet string
	var expires int64
	err := t.tx.QueryRowContext(t.ctx, "DELETE FROM session_challenges WHERE nonce = $1 RETURNING wallet, message, expires", nonce).Scan(&wallet, &c.Message, &expires)
	if noRows(err) {
		return c, fmt.Errorf("sign-in challenge %q is not known, or was used: ask for another: %w", nonce, iog.ErrUnauthorized)
	}
	if err != nil {
		return c, fmt.Errorf("sign-in challenge: %w", err)
	}
	if c.Wallet, err = iog.ParseWalletAddress(wallet); err != nil {
		return c, fmt.Errorf("sign-in challenge %q: stored row is corrupt: %w", nonce, iog.ErrInvalid)
	}
	c.Expires = time.Unix(0, expires).UTC()
	return c, nil
}

// SessionRow is a session as stored: its token only hashed.
type SessionRow struct {
	api.Session
	Hash    [32]byte
	Revoked *time.Time
}

// InsertSession stores a new session.
func (t *Tx) InsertSession(s SessionRow) error {
	if err := t.exec("INSERT INTO sessions (id, wallet, hash, csrf, created, expires) VALUES ($1, $2, $3, $4, $5, $6)",
		s.ID, s.Wallet.String(), s.Hash[:], s.CSRF, unix(s.Created), unix(s.Expires)); err != nil {
		return fmt.Errorf("store session: %w", err)
	}
	return nil
}

// Session returns the session with an ID, revoked or expired as it may
// be; an unknown one is iog.ErrNotFound.
func (t *Tx) Session(id string) (SessionRow, error) {
	var s SessionRow
	var wallet string
	var hash []byte
	var created, expires int64
	var revoked *int64
	err := t.tx.QueryRowContext(t.ctx, "SELECT id, wallet, hash, csrf, created, expires, revoked FROM sessions WHERE id = $1", id).
		Scan(&s.ID, &wallet, &hash, &s.CSRF, &created, &expires, &revoked)
	if noRows(err) {
		return s, fmt.Errorf("session %s is not known: %w", id, iog.ErrNotFound)
	}
	if err != nil {
		return s, fmt.Errorf("session %s: %w", id, err)
	}
	w, err := iog.ParseWalletAddress(wallet)
	if err != nil || len(hash) != 32 {
		return s, fmt.Errorf("session %s: stored row is corrupt: %w", id, iog.ErrInvalid)
	}
	s.Wallet, s.Hash = w, [32]byte(hash)
	s.Created, s.Expires = time.Unix(0, created).UTC(), time.Unix(0, expires).UTC()
	if revoked != nil {
		r := time.Unix(0, *revoked).UTC()
		s.Revoked = &r
	}
	return s, nil
}

// RevokeSession ends a live session at now; one already revoked, or not
// known, is iog.ErrNotFound.
func (t *Tx) RevokeSession(id string, now time.Time) error {
	res, err := t.tx.ExecContext(t.ctx, "UPDATE sessions SET revoked = $1 WHERE id = $2 AND revoked IS NULL", unix(now), id)
	if err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("session %s is not live: %w", id, iog.ErrNotFound)
	}
	return nil
}

// PruneSessionChallenges forgets at most limit of the sign-in
// challenges that expired before before, and returns how many.
func (t *Tx) PruneSessionChallenges(before time.Time, limit int) (int64, error) {
	return t.pruneExpired("session_challenges", "nonce", before, limit)
}

// PruneSessions forgets at most limit of the sessions that expired
// before before, revoked or not, and returns how many: none of them can
// be used any more.
func (t *Tx) PruneSessions(before time.Time, limit int) (int64, error) {
	return t.pruneExpired("sessions", "id", before, limit)
}

// pruneExpired deletes at most limit of table's rows whose expires is
// before before; key is the table's primary key.
func (t *Tx) pruneExpired(table, key string, before time.Time, limit int) (int64, error) {
	res, err := t.tx.ExecContext(t.ctx, "DELETE FROM "+table+" WHERE "+key+" IN (SELECT "+key+" FROM "+table+" WHERE expires < $1 LIMIT $2)", unix(before), limit)
	if err != nil {
		return 0, fmt.Errorf("prune %s: %w", table, err)
	}
	return res.RowsAffected()
}
