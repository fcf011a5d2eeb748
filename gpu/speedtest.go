package gpu

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/internetofgpus/iog"
)

// SpeedTestHandler is the server side of SpeedTest, an http.Handler to
// mount at a prefix of the server's choosing. It serves
//
//	GET  …/ping              an empty 204 answer, for latency
//	GET  …/download?bytes=N  N bytes of incompressible data
//	POST …/upload            reads the body and answers its length
//
// Anything else is 404 or 405; a size over MaxBytes is 400.
type SpeedTestHandler struct {
	// MaxBytes bounds one download or upload; 0 means 1 GiB.
	MaxBytes int64
}

func (h SpeedTestHandler) limit() int64 {
	if h.MaxBytes <= 0 {
		return 1 << 30
	}
	return h.MaxBytes
}

// speedPattern is what downloads and uploads carry: bytes from a seeded
// generator, so that no compression on the way flatters the figures.
var speedPattern = func() []byte {
	b := make([]byte, 64<<10)
	x := uint64(0x9e3779b97f4a7c15)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}()

// patternReader yields n bytes of speedPattern.
type patternReader struct{ n, off int64 }

func (r *patternReader) Read(p []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.n-r.off)]
	k := 0
	for k < len(p) {
		k += copy(p[k:], speedPattern[(r.off+int64(k))%int64(len(speedPattern)):])
	}
	r.off += int64(k)
	return k, nil
}

// ServeHTTP implements http.Handler.
func (h SpeedTestHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasSuffix(r.URL.Path, "/ping"):
		if r.Method != http.MethodGet {
			http.Error(w, "ping takes GET", http.StatusMethodNotAllowed)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case strings.HasSuffix(r.URL.Path, "/download"):
		if r.Method != http.MethodGet {
			http.Error(w, "download takes GET", http.StatusMethodNotAllowed)
			return
		}
		n, err := strconv.ParseInt(r.URL.Query().Get("bytes"), 10, 64)
		if err != nil || n < 0 || n > h.limit() {
			http.Error(w, fmt.Sprintf("bytes: want a size from 0 to %d", h.limit()), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
		w.Header().Set("Cache-Control", "no-store")
		_, _ = io.Copy(w, &patternReader{n: n}) // a client that hangs up ends the copy
	case strings.HasSuffix(r.URL.Path, "/upload"):
		if r.Method != http.MethodPost {
			http.Error(w, "upload takes POST", http.StatusMethodNotAllowed)
			return
		}
		n, err := io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, h.limit()))
		if err != nil {
			http.Error(w, fmt.Sprintf("upload: read %d bytes, then: %v", n, err), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, strconv.FormatInt(n, 10))
	default:
		http.NotFound(w, r)
	}
}

// SpeedTestConfig configures SpeedTest. The zero value means the defaults
// documented on each field.
type SpeedTestConfig struct {
	// Client makes the requests; nil means http.DefaultClient.
	Client *http.Client
	// Clock times the transfers; nil means iog.SystemClock.
	Clock iog.Clock
	// Bytes is the size of the download and of the upload; 0 means
	// 64 MiB.
	Bytes int64
	// Pings is how many round trips measure latency, the fastest
	// counting; 0 means 5.
	Pings int
}

// SpeedResult is what a speed test measured.
type SpeedResult struct {
	Bandwidth iog.Bandwidth
	// Latency is the fastest round trip of an empty request.
	Latency time.Duration
}

// Tier returns the connectivity tier the bandwidth earns.
func (r SpeedResult) Tier() iog.BandwidthTier { return r.Bandwidth.Tier() }

// SpeedTest measures latency, download and upload speed against a server
// serving SpeedTestHandler at base (such as "https://api.example/speed").
// A server that answers with an error status, sends fewer bytes than asked
// or counts the upload wrong is ErrUnavailable; a clock that does not move
// during a transfer is ErrUnavailable too.
func SpeedTest(ctx context.Context, base string, cfg SpeedTestConfig) (SpeedResult, error) {
	if cfg.Client == nil {
		cfg.Client = http.DefaultClient
	}
	if cfg.Clock == nil {
		cfg.Clock = iog.SystemClock
	}
	if cfg.Bytes <= 0 {
		cfg.Bytes = 64 << 20
	}
	if cfg.Pings <= 0 {
		cfg.Pings = 5
	}
	u, err := url.Parse(strings.TrimSuffix(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return SpeedResult{}, fmt.Errorf("speed test: server %q: want an http or https URL: %w", base, iog.ErrInvalid)
	}
	st := speedTest{cfg: cfg, base: u.String()}
	var res SpeedResult
	for i := range cfg.Pings {
		d, err := st.timed(ctx, http.MethodGet, "/ping", nil, 0)
		if err != nil {
			return SpeedResult{}, err
		}
		if i == 0 || d < res.Latency {
			res.Latency = d
		}
	}
	down, err := st.timed(ctx, http.MethodGet, "/download?bytes="+strconv.FormatInt(cfg.Bytes, 10), nil, cfg.Bytes)
	if err != nil {
		return SpeedResult{}, err
	}
	up, err := st.timed(ctx, http.MethodPost, "/upload", &patternReader{n: cfg.Bytes}, cfg.Bytes)
	if err != nil {
		return SpeedResult{}, err
	}
	if down <= 0 || up <= 0 {
		return SpeedResult{}, fmt.Errorf("speed test: the clock did not move during a transfer: %w", iog.ErrUnavailable)
	}
	res.Bandwidth = iog.Bandwidth{
		DownBytesPerSec: bytesPerSec(cfg.Bytes, down),
		UpBytesPerSec:   bytesPerSec(cfg.Bytes, up),
	}
	return res, nil
}

type speedTest struct {
	cfg  SpeedTestConfig
	base string
}

// timed makes one request and returns how long it took from sending to
// the last byte of the answer. For a download, want is the body's
// expected length; for an upload, the count the server must answer.
func (st speedTest) timed(ctx context.Context, method, path string, body io.Reader, want int64) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, method, st.base+path, body)
	if err != nil {
		return 0, fmt.Errorf("speed test: %w: %w", err, iog.ErrInvalid)
	}
	if body != nil {
		req.ContentLength = want
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	start := st.cfg.Clock.Now()
	resp, err := st.cfg.Client.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return 0, fmt.Errorf("speed test %s: %w", path, ctxErr)
		}
		return 0, fmt.Errorf("speed test %s: %w: %w", path, err, iog.ErrUnavailable)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return 0, fmt.Errorf("speed test %s: the server answered %s: %w", path, resp.Status, iog.ErrUnavailable)
	}
	switch method {
	case http.MethodGet:
		// Read one byte past what was asked, so that a server sending
		// more, or without end, is caught instead of read forever. A
		// ping's body is ignored, up to a small bound.
		limit := want + 1
		if want == 0 {
			limit = maxPingBody
		}
		n, err := io.Copy(io.Discard, io.LimitReader(resp.Body, limit))
		switch {
		case err != nil || want == 0:
		case n > want:
			err = fmt.Errorf("the server sent more than the %d bytes asked for", want)
		case n < want:
			err = fmt.Errorf("got %d bytes of %d", n, want)
		}
		if err != nil {
			return 0, fmt.Errorf("speed test %s: %w: %w", path, err, iog.ErrUnavailable)
		}
	default:
		b, err := io.ReadAll(io.LimitReader(resp.Body, 32))
		if err != nil {
			return 0, fmt.Errorf("speed test %s: %w: %w", path, err, iog.ErrUnavailable)
		}
		if got, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err != nil || got != want {
			return 0, fmt.Errorf("speed test %s: the server counted %q bytes of %d: %w", path, b, want, iog.ErrUnavailable)
		}
	}
	return st.cfg.Clock.Now().Sub(start), nil
}

// maxPingBody bounds what SpeedTest reads of an answer to a ping, which
// SpeedTestHandler sends empty.
const maxPingBody = 4 << 10

// bytesPerSec returns n bytes over d, exactly to the byte, and
// math.MaxUint64 for a rate past it.
func bytesPerSec(n int64, d time.Duration) uint64 {
	q, ok := mulDiv64(uint64(n), uint64(time.Second), uint64(d))
	if !ok {
		return math.MaxUint64
	}
	return q
}
