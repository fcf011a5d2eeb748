package web_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog/refserver/web"
)

// fakeAPI answers every API call with an error of the kind status names.
func fakeAPI(status int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, `{"error":{"code":"not_found","message":"no such thing"}}`)
	})
}

func TestNewNeedsAnAPI(t *testing.T) {
	_, err := web.New(web.Config{})
	require.Error(t, err)
}

func TestPagesOfMissingThings(t *testing.T) {
	h, err := web.New(web.Config{API: fakeAPI(http.StatusNotFound)})
	require.NoError(t, err)
	for _, path := range []string{"/nope", "/devices/dev-x", "/clusters/c-x", "/blocks/x", "/blocks/7", "/static/nope.js"} {
		t.Run(path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			require.Equal(t, http.StatusNotFound, rec.Code)
			require.Contains(t, rec.Header().Get("Content-Security-Policy"), "default-src 'self'")
		})
	}
}

func TestAssetsAreCachedByHashAndGzipped(t *testing.T) {
	h, err := web.New(web.Config{API: fakeAPI(http.StatusNotFound)})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/static/app.js", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "no-cache", rec.Header().Get("Cache-Control"))
	etag := rec.Header().Get("ETag")
	hash := strings.Trim(etag, `"`)

	req := httptest.NewRequest("GET", "/static/app.js?v="+hash, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Contains(t, rec.Header().Get("Cache-Control"), "immutable")
	require.Equal(t, "gzip", rec.Header().Get("Content-Encoding"))
	zr, err := gzip.NewReader(rec.Body)
	require.NoError(t, err)
	body, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.Contains(t, string(body), "uPlot")

	req = httptest.NewRequest("GET", "/static/app.js", nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusNotModified, rec.Code)
}

func TestAnAPIFailureIsNotShown(t *testing.T) {
	h, err := web.New(web.Config{API: fakeAPI(http.StatusInternalServerError)})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	require.Equal(t, http.StatusBadGateway, rec.Code)
	require.NotContains(t, rec.Body.String(), "no such thing")
	require.Contains(t, rec.Body.String(), "does not answer")
}

func TestSignInPageRenders(t *testing.T) {
	h, err := web.New(web.Config{API: fakeAPI(http.StatusNotFound)})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/signin", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), `id="keypair"`)
	require.NotContains(t, rec.Body.String(), "<script>", "no inline script")
}
