package iog

import "errors"

// Sentinel errors name the kinds of failure that callers branch on with
// errors.Is. Functions in this module wrap them with context, so the text a
// user sees explains what was wrong while the kind stays testable:
//
//	if errors.Is(err, iog.ErrInsufficientFunds) { ... }
var (
	// ErrInvalid reports input that is malformed or out of range: a negative
	// amount where none is allowed, an unknown currency, a bad address.
	ErrInvalid = errors.New("invalid input")

	// ErrOverflow reports arithmetic whose exact result does not fit the
	// type that would hold it. Results are never silently wrapped.
	ErrOverflow = errors.New("overflow")

	// ErrCurrencyMismatch reports an operation on amounts of different
	// currencies. Errors of this kind also match ErrInvalid.
	ErrCurrencyMismatch = errors.New("currency mismatch")

	// ErrNotFound reports a reference to something that does not exist.
	ErrNotFound = errors.New("not found")

	// ErrConflict reports a request that contradicts the current state: a
	// duplicate registration, a device already booked, a replayed nonce.
	ErrConflict = errors.New("conflict")

	// ErrUnauthorized reports a caller whose identity could not be verified:
	// a missing or forged signature, an unknown key.
	ErrUnauthorized = errors.New("unauthorized")

	// ErrForbidden reports a verified caller that is not allowed to do what
	// it asked, such as reaching a device it has not rented.
	ErrForbidden = errors.New("forbidden")

	// ErrInsufficientFunds reports a debit larger than the balance or hold
	// it draws from.
	ErrInsufficientFunds = errors.New("insufficient funds")

	// ErrExpired reports something used after its time: a rental, a nonce,
	// a challenge, a lease.
	ErrExpired = errors.New("expired")

	// ErrUnavailable reports that what was asked cannot be served now, such
	// as no capacity for a placement or a peer that is not connected; the
	// same request may succeed later.
	ErrUnavailable = errors.New("unavailable")
)
