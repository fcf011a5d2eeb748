package refserver_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/internal/sqlopen"
	"github.com/internetofgpus/iog/internal/sqltest"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/refserver"
	"github.com/internetofgpus/iog/refserver/store"
)

var (
	ctx = context.Background()
	t0  = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
)

// env is a server under test behind a real HTTP listener on loopback,
// whose every response is checked against the OpenAPI document.
type env struct {
	t      testing.TB
	server *refserver.Server
	clock  *iog.ManualClock
	url    string
	// cfg is the server's configuration, for a restart on the same store.
	cfg refserver.Config
}

// eachDialect runs test on a new server over SQLite and over PostgreSQL,
// configured by the options.
func eachDialect(t *testing.T, test func(t *testing.T, e *env), options ...func(*refserver.Config)) {
	for _, d := range sqltest.Dialects {
		t.Run(d.String(), func(t *testing.T) { test(t, newEnv(t, d, options...)) })
	}
}

func newEnv(t testing.TB, d sqldb.Dialect, options ...func(*refserver.Config)) *env {
	t.Helper()
	cfg := refserver.Config{
		DataDir:   t.TempDir(),
		Authority: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32)),
		Logger:    slog.New(slog.DiscardHandler),
	}
	for _, o := range options {
		o(&cfg)
	}
	if d == sqldb.Postgres {
		_, cfg.PostgresDSN = sqltest.OpenDSN(t, d)
	} else {
		fromMigrated(t, cfg.DataDir)
	}
	clock := iog.NewManualClock(t0)
	cfg.Clock = clock
	return startEnv(t, cfg, clock)
}

// migratedSQLite is an empty SQLite store's file with every migration
// applied, made once for the test binary: migrating a new file takes a
// third of a second under the race detector, for each of the hundreds
// of servers the tests start. The store's own tests migrate from
// nothing.
var migratedSQLite = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "iog-migrated-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, store.SQLiteFile)
	db, err := sqlopen.SQLite(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	// Closing the last connection folds the write-ahead log into the
	// file, which then holds everything.
	if err := db.Close(); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
})

// fromMigrated starts the SQLite store in dir as a copy of migratedSQLite.
func fromMigrated(t testing.TB, dir string) {
	t.Helper()
	file, err := migratedSQLite()
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, store.SQLiteFile), file, 0o600))
}

// startEnv starts a server of cfg, on clock.
func startEnv(t testing.TB, cfg refserver.Config, clock *iog.ManualClock) *env {
	t.Helper()
	s, err := refserver.New(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	hs := httptest.NewServer(validating(t, s.Handler()))
	t.Cleanup(hs.Close)
	return &env{t: t, server: s, clock: clock, url: hs.URL, cfg: cfg}
}

// client returns a client of the env's server signing with key (nil for
// an anonymous one), on the env's clock and without retry waits.
func (e *env) client(key ed25519.PrivateKey) *iogsdk.Client {
	c, err := iogsdk.NewClient(iogsdk.ClientConfig{Server: e.url, Key: key, Clock: e.clock, RetryMax: -1, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(e.t, err)
	return c
}

// realClient returns a client on the real clock, for a server in another
// process: no retries, so that a killed server is seen at once (the
// kernel closes a killed process's sockets: its requests fail then, not
// at a timeout). Its timeout bounds a hang, not a request's speed: on a
// loaded machine under the race detector one has taken longer than 5 s,
// and a crash round's client that gave up on it did nothing more.
func (e *env) realClient(key ed25519.PrivateKey) *iogsdk.Client {
	c, err := iogsdk.NewClient(iogsdk.ClientConfig{Server: e.url, Key: key, RetryMax: -1, HTTPClient: &http.Client{Timeout: 2 * time.Minute}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	return c
}

// keyClient returns a client of the env's server using an API key.
func (e *env) keyClient(token string) *iogsdk.Client {
	c, err := iogsdk.NewClient(iogsdk.ClientConfig{Server: e.url, APIKey: token, Clock: e.clock, RetryMax: -1, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(e.t, err)
	return c
}

// walletKey is the test wallet numbered n.
func walletKey(n byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{n}, 32))
}

func walletOf(key ed25519.PrivateKey) iog.WalletAddress {
	w, _ := iog.WalletAddressOf(key.Public().(ed25519.PublicKey))
	return w
}

// documentRouter finds a request's route in the OpenAPI document, read
// and checked once for the test binary: parsing it is a fifth of a
// second under the race detector, for every server the tests start.
var documentRouter = sync.OnceValues(func() (routers.Router, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(refserver.OpenAPI())
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, err
	}
	return gorillamux.NewRouter(doc)
})

// validating wraps h so that every request that matches a documented
// route, and its response, are validated against the OpenAPI document; a
// response that does not match its schema fails the test. Requests the
// document does not know are left to h (they get a 404).
func validating(t testing.TB, h http.Handler) http.Handler {
	router, err := documentRouter()
	require.NoError(t, err)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, params, err := router.FindRoute(r)
		if err != nil {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, ExcludeRequestBody: true}}
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code, Header: rec.Header(),
			Body: io.NopCloser(bytes.NewReader(rec.Body.Bytes())), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
		if err := openapi3filter.ValidateResponse(r.Context(), out); err != nil {
			t.Errorf("%s %s: response %d does not match the OpenAPI document: %v\n%s", r.Method, r.URL.Path, rec.Code, err, rec.Body.Bytes())
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
}
