package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
)

//go:embed static
var staticFS embed.FS

// asset is one embedded file, kept with its hash and, for a text file,
// its gzip form.
type asset struct {
	body []byte
	// gzipped compresses body on the first request that accepts it and
	// keeps the result, so that a server's start compresses nothing; nil
	// for a file that is not text.
	gzipped    func() []byte
	kind, hash string
}

// assets are the embedded static files by path under static/.
type assets map[string]*asset

// loadAssets returns the embedded files, read once for the process:
// every server of the process shares them, read-only.
var loadAssets = sync.OnceValues(readAssets)

// readAssets reads the embedded files.
func readAssets() (assets, error) {
	out := assets{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		a := &asset{body: body, kind: mime.TypeByExtension(path.Ext(p)), hash: hex.EncodeToString(sum[:8])}
		if a.kind == "" {
			a.kind = "text/plain; charset=utf-8"
		}
		if isText(a.kind) {
			a.gzipped = sync.OnceValue(func() []byte { return compress(body) })
		}
		out[strings.TrimPrefix(p, "static/")] = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: reading the embedded assets: %w", err)
	}
	return out, nil
}

// compress returns body gzipped at the best compression: done once an
// asset, the cost is nothing beside the bytes it saves every visitor.
func compress(body []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(body)
	zw.Close()
	return buf.Bytes()
}

func isText(kind string) bool {
	return strings.HasPrefix(kind, "text/") || strings.Contains(kind, "javascript") || strings.Contains(kind, "json")
}

// url returns the URL of the asset at name with its content's hash, which
// the server lets browsers cache for a year.
func (as assets) url(name string) (string, error) {
	a, ok := as[name]
	if !ok {
		return "", fmt.Errorf("web: no asset %q", name)
	}
	return "/static/" + name + "?v=" + a.hash, nil
}

// ServeHTTP serves an asset: for a year when the URL names its current
// hash, otherwise revalidated by its ETag (the relative imports of ES
// modules carry no hash); gzipped to a client that accepts it.
func (as assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a, ok := as[strings.TrimPrefix(r.URL.Path, "/static/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	etag := `"` + a.hash + `"`
	h.Set("ETag", etag)
	h.Set("Content-Type", a.kind)
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("v") == a.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	if a.gzipped != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = a.gzipped()
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}
