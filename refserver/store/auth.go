package store

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// UseNonce records that wallet signed a request with nonce at signed (its
// timestamp); a nonce the wallet used before with that timestamp is
// iog.ErrUnauthorized (a replayed request: the signature covers both, so
// a replay repeats both).
func (t *Tx) UseNonce(wallet iog.WalletAddress, nonce string, signed time.Time) error {
	res, err := t.tx.ExecContext(t.ctx, "INSERT INTO request_nonces (signed, wallet, nonce) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
		unix(signed), wallet.String(), nonce)
	if err != nil {
		return fmt.Errorf("record nonce: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("signature: nonce %q was used before (a replayed request): %w", nonce, iog.ErrUnauthorized)
	}
	return nil
}

// PruneNonces forgets at most limit of the nonces of requests signed
// before before, and returns how many: a signed request with one of them
// is refused for its timestamp anyway.
func (t *Tx) PruneNonces(before time.Time, limit int) (int64, error) {
	res, err := t.tx.ExecContext(t.ctx, "DELETE FROM request_nonces WHERE (signed, wallet, nonce) IN (SELECT signed, wallet, nonce FROM request_nonces WHERE signed < $1 LIMIT $2)", unix(before), limit)
	if err != nil {
		return 0, fmt.Errorf("prune nonces: %w", err)
	}
	return res.RowsAffected()
}

// PruneIdempotency forgets at most limit of the responses kept (Remember)
// before before, and returns how many: a retry of one of them applies
// again.
func (t *Tx) PruneIdempotency(before time.Time, limit int) (int64, error) {
	res, err := t.tx.ExecContext(t.ctx, "DELETE FROM idempotency WHERE (principal, key) IN (SELECT principal, key FROM idempotency WHERE created < $1 LIMIT $2)", unix(before), limit)
	if err != nil {
		return 0, fmt.Errorf("prune idempotency records: %w", err)
	}
	return res.RowsAffected()
}

// APIKeyRow is an API key as stored: its secret only hashed.
type APIKeyRow struct {
	api.APIKey
	Wallet iog.WalletAddress
	Hash   [32]byte
}

// InsertAPIKey stores a new key.
func (t *Tx) InsertAPIKey(k APIKeyRow) error {
	scopes := make([]string, len(k.Scopes))
	for i, s := range k.Scopes {
		scopes[i] = string(s)
	}
	err := t.exec("INSERT INTO api_keys (id, wallet, name, hash, scopes, created, expires) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		k.ID, k.Wallet.String(), k.Name, k.Hash[:], strings.Join(scopes, " "), unix(k.Created), unix(k.Expires))
	if err != nil {
		return fmt.Errorf("store API key: %w", err)
	}
	return nil
}

// APIKeys lists a wallet's keys, newest first.
func (t *Tx) APIKeys(wallet iog.WalletAddress) ([]api.APIKey, error) {
	rows, err := t.tx.QueryContext(t.ctx, "SELECT id, wallet, name, hash, scopes, created, expires, revoked FROM api_keys WHERE wallet = $1 ORDER BY created DESC, id", wallet.String())
	if err != nil {
		return nil, fmt.Errorf("list API keys: %w", err)
	}
	defer rows.Close()
	var out []api.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k.APIKey)
	}
	return out, rows.Err()
}

// APIKey returns the key with an ID.
func (t *Tx) APIKey(id string) (APIKeyRow, error) {
	k, err := scanAPIKey(t.tx.QueryRowContext(t.ctx, "SELECT id, wallet, name, hash, scopes, created, expires, revoked FROM api_keys WHERE id = $1", id))
	if noRows(err) {
		return APIKeyRow{}, fmt.Errorf("API key %s is not known: %w", id, iog.ErrNotFound)
	}
	return k, err
}

// RevokeAPIKey revokes one of wallet's keys at now; a key of another
// wallet is iog.ErrNotFound, as an unknown one is.
func (t *Tx) RevokeAPIKey(wallet iog.WalletAddress, id string, now time.Time) error {
	res, err := t.tx.ExecContext(t.ctx, "UPDATE api_keys SET revoked = $1 WHERE id = $2 AND wallet = $3 AND revoked IS NULL", unix(now), id, wallet.String())
	if err != nil {
		return fmt.Errorf("revoke API key: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("API key %s: none of this wallet's live keys: %w", id, iog.ErrNotFound)
	}
	return nil
}

type scanner interface{ Scan(dest ...any) error }

func scanAPIKey(row scanner) (APIKeyRow, error) {
	var k APIKeyRow
	var wallet, scopes string
	var hash []byte
	var created, expires int64
	var revoked *int64
	if err := row.Scan(&k.ID, &wallet, &k.Name, &hash, &scopes, &created, &expires, &revoked); err != nil {
		return k, err
	}
	w, err := iog.ParseWalletAddress(wallet)
	if err != nil || len(hash) != 32 {
		return k, fmt.Errorf("API key %s: stored row is corrupt: %w", k.ID, iog.ErrInvalid)
	}
	k.Wallet, k.Hash = w, [32]byte(hash)
	for _, s := range strings.Fields(scopes) {
		k.Scopes = append(k.Scopes, api.Scope(s))
	}
	k.Created, k.Expires = time.Unix(0, created).UTC(), time.Unix(0, expires).UTC()
	if revoked != nil {
		r := time.Unix(0, *revoked).UTC()
		k.Revoked = &r
	}
	return k, nil
}

// Response is a mutating request's answer, kept under its idempotency key.
type Response struct {
	Status int
	Body   []byte
}

// Idempotent looks up the response kept under principal's key, locking
// it for the transaction. It returns false when there is none; a key used
// for another request (request is a digest of method, path and body) is
// iog.ErrConflict.
func (t *Tx) Idempotent(principal, key string, request []byte) (Response, bool, error) {
	var stored, body []byte
	var status int
	err := t.tx.QueryRowContext(t.ctx, "SELECT request, status, response FROM idempotency WHERE principal = $1 AND key = $2"+t.forUpdate(), principal, key).Scan(&stored, &status, &body)
	if noRows(err) {
		return Response{}, false, nil
	}
	if err != nil {
		return Response{}, false, fmt.Errorf("idempotency key: %w", err)
	}
	if !bytes.Equal(stored, request) {
		return Response{}, false, fmt.Errorf("idempotency key %q was used for another request: %w", key, iog.ErrConflict)
	}
	return Response{Status: status, Body: body}, true, nil
}

// Remember keeps a response under principal's key. When a concurrent
// transaction kept one under the same key first, it returns an error
// matching sqldb.ErrRetry: the store runs the transaction again, and
// Idempotent then finds the other's response.
func (t *Tx) Remember(principal, key string, request []byte, r Response, now time.Time) error {
	res, err := t.tx.ExecContext(t.ctx, "INSERT INTO idempotency (principal, key, request, status, response, created) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
		principal, key, request, r.Status, r.Body, unix(now))
	if err != nil {
		return fmt.Errorf("remember response: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("idempotency key %q: %w", key, sqldb.ErrRetry)
	}
	return nil
}

// Audit is one row of the audit log: who did what, through which
// credential.
type Audit struct {
	At     time.Time
	Wallet iog.WalletAddress
	// Via is the credential: "signature", "api-key:" and the key's ID,
	// or "session:" and the web session's ID.
	Via    string
	Action string
	// Target names what was acted on (a device, a cluster).
	Target string
	Detail string
}

// Audit appends a row to the audit log.
func (t *Tx) Audit(a Audit) error {
	if err := t.exec("INSERT INTO audit_log (at, wallet, via, action, target, detail) VALUES ($1, $2, $3, $4, $5, $6)",
		unix(a.At), a.Wallet.String(), a.Via, a.Action, a.Target, a.Detail); err != nil {
		return fmt.Errorf("audit %s: %w", a.Action, err)
	}
	return nil
}

// AuditLog returns a wallet's audit rows, newest first, at most limit.
func (t *Tx) AuditLog(wallet iog.WalletAddress, limit int) ([]Audit, error) {
	rows, err := t.tx.QueryContext(t.ctx, "SELECT at, via, action, target, detail FROM audit_log WHERE wallet = $1 ORDER BY id DESC LIMIT $2", wallet.String(), limit)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer rows.Close()
	var out []Audit
	for rows.Next() {
		a := Audit{Wallet: wallet}
		var at int64
		if err := rows.Scan(&at, &a.Via, &a.Action, &a.Target, &a.Detail); err != nil {
			return nil, err
		}
		a.At = time.Unix(0, at).UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}
