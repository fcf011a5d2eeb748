package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/internetofgpus/iog"
)

// Error is the body of every error response:
//
//	{"error": {"kind": "not_found", "message": "cluster c-12 is not known"}}
//
// Kind is one of the Kind constants; Message says what happened, for
// people. On the client, an Error wraps the iog sentinel of its kind.
type Error struct {
	// Status is the HTTP status the error came with.
	Status  int    `json:"-"`
	Kind    Kind   `json:"kind"`
	Message string `json:"message"`
	// RetryAfter, on a rate-limited request, is how many seconds to wait.
	RetryAfter int `json:"retry_after,omitempty"`
}

// ErrorBody is the envelope of an Error on the wire.
type ErrorBody struct {
	Error Error `json:"error"`
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("%s (HTTP %d %s)", e.Message, e.Status, e.Kind)
}

// Unwrap returns the iog sentinel of e's kind, so errors.Is works across
// the wire.
func (e *Error) Unwrap() error { return e.Kind.sentinel() }

// Kind is the kind of an error, as the server names it.
type Kind string

// The kinds, each with its HTTP status.
const (
	KindInvalid           Kind = "invalid"            // 400
	KindUnauthorized      Kind = "unauthorized"       // 401: no or a bad signature
	KindInsufficientFunds Kind = "insufficient_funds" // 402
	KindForbidden         Kind = "forbidden"          // 403: signed, but not allowed
	KindNotFound          Kind = "not_found"          // 404
	KindConflict          Kind = "conflict"           // 409
	KindExpired           Kind = "expired"            // 410
	KindTooLarge          Kind = "too_large"          // 413
	KindRateLimited       Kind = "rate_limited"       // 429
	KindInternal          Kind = "internal"           // 500
	KindUnavailable       Kind = "unavailable"        // 503
)

var kinds = []struct {
	kind     Kind
	status   int
	sentinel error
}{
	{KindInvalid, http.StatusBadRequest, iog.ErrInvalid},
	{KindUnauthorized, http.StatusUnauthorized, iog.ErrUnauthorized},
	{KindInsufficientFunds, http.StatusPaymentRequired, iog.ErrInsufficientFunds},
	{KindForbidden, http.StatusForbidden, iog.ErrForbidden},
	{KindNotFound, http.StatusNotFound, iog.ErrNotFound},
	{KindConflict, http.StatusConflict, iog.ErrConflict},
	{KindExpired, http.StatusGone, iog.ErrExpired},
	{KindTooLarge, http.StatusRequestEntityTooLarge, iog.ErrInvalid},
	{KindRateLimited, http.StatusTooManyRequests, iog.ErrUnavailable},
	{KindInternal, http.StatusInternalServerError, nil},
	{KindUnavailable, http.StatusServiceUnavailable, iog.ErrUnavailable},
}

// Status returns the HTTP status of kind k.
func (k Kind) Status() int {
	for _, e := range kinds {
		if e.kind == k {
			return e.status
		}
	}
	return http.StatusInternalServerError
}

func (k Kind) sentinel() error {
	for _, e := range kinds {
		if e.kind == k {
			return e.sentinel
		}
	}
	return nil
}

// KindOf returns the kind an error is answered with: that of the first iog
// sentinel it matches, in the order of the sentinels' specificity
// (insufficient funds before conflict, say), or KindInternal.
func KindOf(err error) Kind {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr.Kind
	}
	for _, k := range []struct {
		sentinel error
		kind     Kind
	}{
		{iog.ErrInsufficientFunds, KindInsufficientFunds},
		{iog.ErrUnauthorized, KindUnauthorized},
		{iog.ErrForbidden, KindForbidden},
		{iog.ErrNotFound, KindNotFound},
		{iog.ErrExpired, KindExpired},
		{iog.ErrInvalid, KindInvalid},
		{iog.ErrOverflow, KindInvalid},
		{iog.ErrCurrencyMismatch, KindInvalid},
		{iog.ErrConflict, KindConflict},
		{iog.ErrUnavailable, KindUnavailable},
	} {
		if errors.Is(err, k.sentinel) {
			return k.kind
		}
	}
	return KindInternal
}
