package main

import (
	"context"
	"errors"

	"github.com/internetofgpus/iog"
)

// The exit statuses, documented in `iog help exit-codes`.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitNotFound    = 3
	exitFunds       = 4
	exitUnavailable = 5
	exitRefused     = 6
	exitConflict    = 7
	exitTimeout     = 8
	// exitInterrupted is a shell's status of a command killed by SIGINT.
	exitInterrupted = 130
)

// exitCodesHelp is the text of `iog help exit-codes`.
const exitCodesHelp = `iog exits with one of these statuses, so scripts can tell failures apart:

  0  success
  1  an error not listed below
  2  a usage error: an unknown command or flag, a missing or malformed argument, a request the server found invalid
  3  not found: no such cluster, device or withdrawal for this wallet, or no wallet file
  4  insufficient funds: the wallet's balance cannot pay for it
  5  the server is unavailable: it does not answer, or answers that it cannot serve now
  6  refused: the server refused the wallet's signature, or the wallet may not do this
  7  conflict: the request does not fit what exists now (a cluster already ended, a name taken)
  8  timed out waiting: what was asked goes on, but did not finish within --timeout
130  interrupted (Ctrl-C) before it finished
`

// usageError marks an error of the command line itself.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// explained is an error whose message already says what to do (a missing
// wallet file, say): it exits with its kind's status, without a hint.
type explained struct{ err error }

func (e explained) Error() string { return e.err.Error() }
func (e explained) Unwrap() error { return e.err }

// failure is what an error means to the person who ran the command: the
// exit status and what to do about it.
type failure struct {
	code int
	hint string
}

// classify maps an error to its exit status and hint. server is the
// server's URL, named in the hint of a server that does not answer.
func classify(err error, server string) failure {
	var u usageError
	var e explained
	switch {
	case errors.As(err, &e):
		return failure{classify(e.err, server).code, ""}
	case errors.As(err, &u):
		return failure{exitUsage, "run the command with --help for its usage and examples"}
	case errors.Is(err, context.Canceled):
		return failure{exitInterrupted, ""}
	case errors.Is(err, context.DeadlineExceeded):
		return failure{exitTimeout, "it goes on without this command: check on it later (`iog cluster watch`, `iog device list`, `iog withdraw --list`), or wait longer with --timeout"}
	case errors.Is(err, iog.ErrInsufficientFunds):
		return failure{exitFunds, "`iog wallet show` shows the wallet's balances; fund it, or on a test network take test funds with `iog wallet faucet`"}
	case errors.Is(err, iog.ErrUnauthorized):
		return failure{exitRefused, "the server refused the wallet's signature: check that --keypair (IOG_KEYPAIR, `iog config get keypair`) is the wallet you mean, and that --server is the network it belongs to"}
	case errors.Is(err, iog.ErrForbidden):
		return failure{exitRefused, "the wallet signed, but may not do this: is it the wallet that owns the cluster or the device?"}
	case errors.Is(err, iog.ErrNotFound):
		return failure{exitNotFound, "check the ID: `iog cluster list` and `iog device list` show the wallet's own"}
	case errors.Is(err, iog.ErrUnavailable):
		return failure{exitUnavailable, "is the server at " + server + " running (`go run ./refserver/cmd/iogd` starts one)? Is --server (IOG_SERVER, `iog config get server`) right?"}
	case errors.Is(err, iog.ErrConflict), errors.Is(err, iog.ErrExpired):
		return failure{exitConflict, "it does not fit what exists now: see its state with the matching show command"}
	case errors.Is(err, iog.ErrInvalid):
		return failure{exitUsage, "run the command with --help for its usage and examples"}
	}
	return failure{exitError, ""}
}
