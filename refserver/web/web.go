package web

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk"
)

// Config configures the web interface.
type Config struct {
	// API is the server's v1 API handler, which every page's numbers come
	// from. Required.
	API http.Handler
	// Clock is the time fragments are cached by. Nil means
	// iog.SystemClock.
	Clock iog.Clock
	// Logger receives the pages' failures. Nil means slog.Default().
	Logger *slog.Logger
}

// Handler serves the web interface's pages and assets.
type Handler struct {
	cfg    Config
	api    *iogsdk.Client
	assets assets
	pages  map[string]*template.Template
	cache  *fragmentCache
	mux    *http.ServeMux
}

// New returns the web interface over cfg.API.
func New(cfg Config) (*Handler, error) {
	if cfg.API == nil {
		return nil, fmt.Errorf("web: an API handler is required: %w", iog.ErrInvalid)
	}
	if cfg.Clock == nil {
		cfg.Clock = iog.SystemClock
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	// The host is never dialled: the transport serves every call in
	// process.
	api, err := iogsdk.NewClient(iogsdk.ClientConfig{Server: "http://api.invalid", RetryMax: -1, Logger: cfg.Logger, Clock: cfg.Clock,
		HTTPClient: &http.Client{Transport: handlerTransport{api: cfg.API}, Timeout: 10 * time.Second}})
	if err != nil {
		return nil, err
	}
	as, err := loadAssets()
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: cfg, api: api, assets: as, cache: newFragmentCache(cfg.Clock, time.Second)}
	if h.pages, err = parsePages(as); err != nil {
		return nil, err
	}
	h.mux = http.NewServeMux()
	h.mux.Handle("GET /static/", as)
	for pattern, fn := range h.routes() {
		h.mux.HandleFunc(pattern, fn)
	}
	return h, nil
}

// csp lets a page load only the server's own scripts, styles, images and
// API: no inline script, no other host.
const csp = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// ServeHTTP serves a page, a fragment or an asset.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	h.mux.ServeHTTP(w, r)
}

// render writes the page name with data, gzipped to a client that accepts
// it, or the error page when the API answered an error.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, name string, data any, err error) {
	status := http.StatusOK
	if err != nil {
		status, name = errorStatus(err), "error"
		data = view{http.StatusText(status), errorPage{Status: status, Message: errorMessage(err)}}
		if status >= 500 {
			h.cfg.Logger.Warn("web: a page's API call failed", "path", r.URL.Path, "err", err)
		}
	}
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "page", data); err != nil {
		h.cfg.Logger.Error("web: rendering a page", "page", name, "err", err)
		http.Error(w, "the page does not render", http.StatusInternalServerError)
		return
	}
	writeHTML(w, r, status, buf.Bytes())
}

// writeHTML writes an HTML body, gzipped to a client that accepts it.
func writeHTML(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Vary", "Accept-Encoding")
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(body)
		zw.Close()
		body = buf.Bytes()
		hd.Set("Content-Encoding", "gzip")
	}
	hd.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// errorPage is what the error page shows.
type errorPage struct {
	Status  int
	Message string
}

// errorStatus is the HTTP status of a page whose API call failed.
func errorStatus(err error) int {
	switch {
	case errors.Is(err, iog.ErrNotFound), errors.Is(err, iog.ErrInvalid):
		return http.StatusNotFound
	case errors.Is(err, iog.ErrUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, iog.ErrForbidden):
		return http.StatusForbidden
	default:
		return http.StatusBadGateway
	}
}

// errorMessage is what a page says of a failed API call: its kind, never
// the details of a server's failure.
func errorMessage(err error) string {
	switch errorStatus(err) {
	case http.StatusNotFound:
		return "Not found."
	case http.StatusUnauthorized:
		return "Sign in to see this page."
	case http.StatusForbidden:
		return "This wallet may not see this page."
	default:
		return "The network does not answer; try again in a moment."
	}
}
