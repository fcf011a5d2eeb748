package refserver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
)

// access is who may call a route.
type access uint8

const (
	// public routes answer anyone, unsigned.
	public access = iota
	// private routes need a signature or an API key with the route's
	// scope.
	private
	// signedOnly routes need the wallet's own signature, or a session
	// the wallet signed in to: an API key cannot call them (minting or
	// revoking keys, withdrawals).
	signedOnly
)

// route is one endpoint of the API.
type route struct {
	method, pattern string
	access          access
	// scope is what an API key needs to call a private route.
	scope api.Scope
	// mutates routes run in one transaction with their nonce, audit row
	// and idempotency record.
	mutates bool
	// liveness routes, a device's heartbeat, write no audit row and keep
	// no idempotency record: a heartbeat is a liveness signal rather
	// than an owner's action, its record is the device's health, and
	// 100,000 devices send 5,000 a second. One applied twice is two
	// heartbeats, and a retry (signed anew, with a fresh nonce) is
	// answered with the device's tasks as they are then.
	liveness bool
	handle   func(*call) (any, error)
	// summary documents the route in the OpenAPI document.
	summary string
	// maxBody, when set, is the route's own bound on its body, for the
	// few routes whose bodies are large by nature; others take
	// Limits.MaxBody.
	maxBody int64
}

// call is one request being answered.
type call struct {
	s    *Server
	r    *http.Request
	body []byte
	// who made a private request; zero for a public one.
	who principal
	// tx is the transaction of a mutating request.
	tx *store.Tx
	// status is the success status; 200 unless the handler sets it.
	status int
	// audit, set by a mutating handler, is what the audit log records.
	action, target, detail string
	now                    time.Time
	// cookies, set by a handler, go with a successful answer.
	cookies []*http.Cookie
}

// decode decodes the request body, one strict JSON object, into v.
func (c *call) decode(v any) error {
	if err := checkDepth(c.body, c.s.cfg.Limits.MaxDepth); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("request body: %v: %w", err, iog.ErrInvalid)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("request body: data after the JSON object: %w", iog.ErrInvalid)
	}
	return nil
}

// checkDepth refuses JSON nested deeper than max before anything decodes
// it: a body of a million brackets costs one pass and a clear 400.
func checkDepth(data []byte, max int) error {
	depth := 0
	inString, escaped := false, false
	for _, b := range data {
		switch {
		case escaped:
			escaped = false
		case inString && b == '\\':
			escaped = true
		case b == '"':
			inString = !inString
		case inString:
		case b == '{' || b == '[':
			if depth++; depth > max {
				return fmt.Errorf("request body nests deeper than %d: %w", max, iog.ErrInvalid)
			}
		case b == '}' || b == ']':
			depth--
		}
	}
	return nil
}

// read runs fn in the call's transaction, or, for a call that has none (a
// public read, or a read by API key), in a read-only transaction of its
// own (store.ReadTx, which reads beside the writer instead of queueing
// behind it), c.tx set to it meanwhile so that the call's helpers
// (ownDevice, ownCluster) find it. A signed read already runs in a
// transaction, which on SQLite holds the write lock a second one would
// wait for.
func (c *call) read(fn func(*store.Tx) error) error {
	if c.tx != nil {
		return fn(c.tx)
	}
	return c.s.store.ReadTx(c.r.Context(), func(tx *store.Tx) error {
		c.tx = tx
		defer func() { c.tx = nil }()
		return fn(tx)
	})
}

// param returns a path parameter.
func (c *call) param(name string) string { return c.r.PathValue(name) }

// audit sets what the audit log records of this call.
func (c *call) audit(action, target, detail string) {
	c.action, c.target, c.detail = action, target, detail
}

func (s *Server) serve(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started := time.Now()
		status := s.answer(w, r, rt)
		s.metrics.observe(rt.pattern, status, time.Since(started))
	})
}

// answer runs a route and writes its response; it returns the status.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, rt route) int {
	c := &call{s: s, r: r, status: http.StatusOK, now: s.cfg.Clock.Now().UTC()}
	if err := s.limiter.allowIP(r); err != nil {
		return s.writeError(w, r, err)
	}
	limit := s.cfg.Limits.MaxBody
	if rt.maxBody > 0 {
		limit = rt.maxBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return s.writeError(w, r, &api.Error{Kind: api.KindTooLarge, Message: fmt.Sprintf("request body is larger than %d bytes", tooLarge.Limit)})
		}
		return s.writeError(w, r, fmt.Errorf("read request body: %v: %w", err, iog.ErrInvalid))
	}
	c.body = body
	if rt.access != public {
		if c.who, err = s.authenticate(r, body, rt, c.now); err != nil {
			if api.IsSigned(r) {
				s.rememberNonce(r, c.who, c.now)
			}
			clearStaleSession(w, r, err)
			return s.writeError(w, r, err)
		}
		if err := s.limiter.allowPrincipal(c.who); err != nil {
			return s.writeError(w, r, err)
		}
	}
	if !rt.mutates && !c.who.signed() {
		resp, err := rt.handle(c)
		if err != nil {
			return s.writeError(w, r, err)
		}
		return s.writeJSON(w, c.status, resp)
	}
	out, err := s.transact(c, rt)
	if err != nil {
		return s.writeError(w, r, err)
	}
	for _, cookie := range c.cookies {
		http.SetCookie(w, cookie)
	}
	return s.writeRaw(w, out.Status, out.Body)
}

// transact runs a mutating (or signed) call in one transaction: its nonce,
// the idempotency record of its key, the handler's rows and ledger
// entries, and its audit row.
func (s *Server) transact(c *call, rt route) (store.Response, error) {
	key := c.r.Header.Get(api.IdempotencyHeader)
	if key != "" && (len(key) > 128 || !rt.mutates) {
		return store.Response{}, fmt.Errorf("%s: at most 128 bytes, on a mutating request: %w", api.IdempotencyHeader, iog.ErrInvalid)
	}
	// A public route acts for no one, whose records a key could name:
	// sign-in keeps none (sessionRoutes).
	if rt.liveness || rt.access == public {
		key = ""
	}
	digest := requestDigest(c.r, c.body)
	// Encoded here, not in the step: the batch's steps run one at a time.
	who := c.who.String()
	var out store.Response
	var refused error
	step := store.Step{Do: func(tx *store.Tx) error {
		c.tx, c.status, c.action, c.cookies, refused = tx, http.StatusOK, "", nil, nil
		if c.who.signed() {
			if err := tx.UseNonce(c.who.wallet, c.who.nonce, c.who.at); err != nil {
				return err
			}
		}
		if key != "" {
			prior, found, err := tx.Idempotent(who, key, digest)
			if err != nil || found {
				out = prior
				return err
			}
		}
		resp, err := rt.handle(c)
		var k *keptError
		if errors.As(err, &k) {
			// The handler refused the request but changed state that
			// must stay (a failed attestation enters the trust history).
			refused = k.err
			return nil
		}
		if err != nil {
			return err
		}
		body, err := json.Marshal(resp)
		if err != nil {
			return fmt.Errorf("encode response: %w", err)
		}
		out = store.Response{Status: c.status, Body: body}
		// A public call by no one (a sign-in challenge) is in no one's
		// log.
		if rt.mutates && !rt.liveness && !c.who.wallet.IsZero() {
			action := c.action
			if action == "" {
				action = rt.method + " " + rt.pattern
			}
			if err := tx.Audit(store.Audit{At: c.now, Wallet: c.who.wallet, Via: c.who.via(), Action: action, Target: c.target, Detail: c.detail}); err != nil {
				return err
			}
		}
		if key != "" {
			return tx.Remember(who, key, digest, out, c.now)
		}
		return nil
	}}
	if c.who.signed() {
		// A refused request's nonce is spent too, so that it cannot be
		// replayed to act later (when, say, funds have arrived).
		step.OnFail = func(tx *store.Tx) error {
			return tx.UseNonce(c.who.wallet, c.who.nonce, c.who.at)
		}
	}
	err := s.committer.commit(c.r.Context(), step)
	if err == nil && refused != nil {
		return out, refused
	}
	return out, err
}

// keptError is a handler's refusal whose transaction still commits: what
// the handler wrote before refusing stays. The refusal is not kept under
// the request's idempotency key; a retry runs again.
type keptError struct{ err error }

func (k *keptError) Error() string { return k.err.Error() }
func (k *keptError) Unwrap() error { return k.err }

// keep makes err a refusal that commits the call's transaction.
func keep(err error) error { return &keptError{err: err} }

// requestDigest identifies a request for its idempotency key: a key used
// again for another method, path or body is a conflict.
func requestDigest(r *http.Request, body []byte) []byte {
	h := sha256.New()
	h.Write([]byte(r.Method + " " + api.Target(r) + "\n"))
	h.Write(body)
	return h.Sum(nil)
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) int {
	body, err := json.Marshal(v)
	if err != nil {
		s.log.Error("encode response", "err", err)
		return s.writeRaw(w, http.StatusInternalServerError, []byte(`{"error":{"kind":"internal","message":"the server could not encode its answer"}}`))
	}
	return s.writeRaw(w, status, body)
}

func (s *Server) writeRaw(w http.ResponseWriter, status int, body []byte) int {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	w.Write(body)
	w.Write([]byte{'\n'})
	return status
}

// writeError answers err with its kind's status. An internal error's
// detail goes to the log, not to the client.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) int {
	e := api.Error{Kind: api.KindOf(err), Message: err.Error()}
	var apiErr *api.Error
	switch {
	case errors.As(err, &apiErr):
		e = *apiErr
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		// The client went away, or the server is stopping: nothing to
		// log, and an answer no one may read.
		e = api.Error{Kind: api.KindUnavailable, Message: "the request ended before its answer: " + err.Error()}
	}
	if e.Kind == api.KindInternal {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		e.Message = "internal error; the server's log has the details"
	}
	if e.Kind == api.KindRateLimited && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	return s.writeJSON(w, e.Kind.Status(), api.ErrorBody{Error: e})
}
