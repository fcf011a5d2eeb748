package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// TestExitCodes: each kind of failure exits with its documented status and
// says what happened and what to do.
func TestExitCodes(t *testing.T) {
	n := startNetwork(t)
	renter := newUser(t, n.url).funded()
	broke := newUser(t, n.url)
	broke.ok("wallet", "create")
	stranger := newUser(t, n.url).funded()
	dev := supplier(t, n, "RTX-4090", 1)
	// A server that refuses every signature.
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/explorer/prices" {
			io.WriteString(w, `{"at": "2026-01-01T00:00:00Z", "currency": "IO", "io_price": "1", "rows": []}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error": {"kind": "unauthorized", "message": "the signature does not verify"}}`)
	}))
	t.Cleanup(refusing.Close)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()

	var ended api.Cluster
	renter.okJSON(&ended, "cluster", "deploy", "--gpu", "RTX-4090", "--no-wait")
	renter.ok("cluster", "terminate", string(ended.ID))

	for _, c := range []struct {
		name string
		u    *user
		args []string
		code int
		says []string
	}{
		{"unknown command", renter, []string{"clusterz"}, exitUsage, []string{"unknown command"}},
		{"unknown subcommand", renter, []string{"cluster", "deplo"}, exitUsage, []string{`unknown command "deplo" for "iog cluster"`}},
		{"unknown flag", renter, []string{"cluster", "list", "--bogus"}, exitUsage, []string{"unknown flag: --bogus", "--help"}},
		{"missing argument", renter, []string{"cluster", "show"}, exitUsage, []string{"takes 1 arguments, got 0"}},
		{"bad amount", renter, []string{"stake", string(dev.ID), "lots"}, exitUsage, []string{"lots"}},
		{"unknown cluster", renter, []string{"cluster", "show", "c-unknown"}, exitNotFound, []string{"c-unknown", "iog cluster list"}},
		{"no wallet", newUser(t, n.url), []string{"cluster", "list"}, exitNotFound, []string{"no wallet at", "iog wallet create"}},
		{"insufficient funds", broke, []string{"cluster", "deploy", "--gpu", "H100-SXM", "--count", "8", "--hours", "24"}, exitFunds, []string{"iog wallet show", "iog wallet faucet"}},
		{"server down", &user{t: t, home: renter.home, server: down.URL}, []string{"cluster", "list"}, exitUnavailable, []string{"does not answer", "IOG_SERVER"}},
		{"refused signature", &user{t: t, home: renter.home, server: refusing.URL}, []string{"cluster", "list"}, exitRefused, []string{"the signature does not verify", "--keypair"}},
		{"another's device", stranger, []string{"device", "rename", string(dev.ID), "mine"}, exitRefused, []string{"may not do this"}},
		{"already ended", renter, []string{"cluster", "extend", string(ended.ID), "--hours", "1"}, exitConflict, []string{string(ended.ID)}},
		{"timed out", renter, []string{"cluster", "deploy", "--gpu", "H200", "--timeout", "2s"}, exitTimeout, []string{"pending", "iog cluster watch"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.u.t = t
			r := c.u.run(c.args...)
			require.Equal(t, c.code, r.code, "stdout %s\nstderr %s", r.stdout, r.stderr)
			require.Empty(t, r.stdout)
			for _, s := range c.says {
				require.Contains(t, r.stderr, s)
			}
		})
	}
	require.Contains(t, renter.ok("help", "exit-codes"), "8  timed out waiting")
}

// TestClassify: the statuses of errors that do not come from a server
// under test, and the order of their kinds.
func TestClassify(t *testing.T) {
	for _, c := range []struct {
		err  error
		code int
	}{
		{fmt.Errorf("watch: %w", context.Canceled), exitInterrupted},
		{fmt.Errorf("deploy: %w", context.DeadlineExceeded), exitTimeout},
		{fmt.Errorf("a: %w (%w)", iog.ErrExpired, iog.ErrUnauthorized), exitRefused},
		{&api.Error{Kind: api.KindInsufficientFunds}, exitFunds},
		{&api.Error{Kind: api.KindRateLimited}, exitUnavailable},
		{&api.Error{Kind: api.KindInternal}, exitError},
		{usageError{errors.New("bad")}, exitUsage},
	} {
		require.Equal(t, c.code, classify(c.err, defaultServer).code, "%v", c.err)
	}
}
