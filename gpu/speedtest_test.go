package gpu_test

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/gpu"
)

// steppingClock moves a fixed step each time it is read, so that a timed
// transfer measures exactly one step.
type steppingClock struct {
	mu   sync.Mutex
	now  time.Time
	step time.Duration
}

func (c *steppingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(c.step)
	return c.now
}

func (c *steppingClock) After(d time.Duration) <-chan time.Time { return iog.SystemClock.After(d) }

func loopback(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	return srv
}

func TestSpeedTestLoopback(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/speed/", gpu.SpeedTestHandler{MaxBytes: 8 << 20})
	srv := loopback(t, mux)

	// With a clock that moves 10 ms a reading, 4 MB each way is 400 MB/s.
	clock := &steppingClock{now: epoch, step: 10 * time.Millisecond}
	res, err := gpu.SpeedTest(context.Background(), srv.URL+"/speed", gpu.SpeedTestConfig{Clock: clock, Bytes: 4_000_000, Pings: 3})
	require.NoError(t, err)
	require.Equal(t, 10*time.Millisecond, res.Latency)
	require.Equal(t, iog.Bandwidth{DownBytesPerSec: 400_000_000, UpBytesPerSec: 400_000_000}, res.Bandwidth)
	require.Equal(t, iog.MediumBandwidth, res.Tier())

	// On the real clock the figures are whatever loopback gives; they
	// exist and the transfers are whole.
	res, err = gpu.SpeedTest(context.Background(), srv.URL+"/speed/", gpu.SpeedTestConfig{Bytes: 1 << 20})
	require.NoError(t, err)
	require.Positive(t, res.Latency)
	require.Positive(t, res.Bandwidth.DownBytesPerSec)
	require.Positive(t, res.Bandwidth.UpBytesPerSec)
}

func TestSpeedTestFailures(t *testing.T) {
	good := loopback(t, gpu.SpeedTestHandler{MaxBytes: 1 << 20})
	notFound := loopback(t, http.NotFoundHandler())
	short := loopback(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/download") {
			_, _ = w.Write([]byte("short"))
			return
		}
		gpu.SpeedTestHandler{}.ServeHTTP(w, r)
	}))
	miscount := loopback(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/upload") {
			_, _ = w.Write([]byte("12"))
			return
		}
		gpu.SpeedTestHandler{}.ServeHTTP(w, r)
	}))
	tests := []struct {
		name, base string
		cfg        gpu.SpeedTestConfig
		kind       error
		msg        string
	}{
		{"more than the server allows", good.URL, gpu.SpeedTestConfig{Bytes: 2 << 20}, iog.ErrUnavailable, "400 Bad Request"},
		{"no speed test there", notFound.URL, gpu.SpeedTestConfig{Bytes: 10}, iog.ErrUnavailable, "404 Not Found"},
		{"short download", short.URL, gpu.SpeedTestConfig{Bytes: 1000}, iog.ErrUnavailable, "got 5 bytes of 1000"},
		{"upload miscounted", miscount.URL, gpu.SpeedTestConfig{Bytes: 1000}, iog.ErrUnavailable, `counted "12" bytes of 1000`},
		{"clock that never moves", good.URL, gpu.SpeedTestConfig{Bytes: 10, Clock: iog.NewManualClock(epoch)}, iog.ErrUnavailable, "clock did not move"},
		{"not a URL", "ftp://x", gpu.SpeedTestConfig{}, iog.ErrInvalid, "want an http or https URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := gpu.SpeedTest(context.Background(), tt.base, tt.cfg)
			require.ErrorIs(t, err, tt.kind)
			require.ErrorContains(t, err, tt.msg)
		})
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := gpu.SpeedTest(ctx, good.URL, gpu.SpeedTestConfig{})
	require.ErrorIs(t, err, context.Canceled)
}

// A server that sends more than asked, without end, costs the client no
// more than what it asked for: the download stops one byte past it. (The
// timeout only keeps a broken client from hanging the test.)
func TestSpeedTestEndlessDownload(t *testing.T) {
	endless := loopback(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/download") {
			gpu.SpeedTestHandler{}.ServeHTTP(w, r)
			return
		}
		chunk := make([]byte, 32<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := gpu.SpeedTest(ctx, endless.URL, gpu.SpeedTestConfig{Bytes: 1000})
	require.ErrorIs(t, err, iog.ErrUnavailable)
	require.NotErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorContains(t, err, "more than the 1000 bytes asked for")
}

// The handler never sends or reads more than MaxBytes for one request,
// whatever the client asks.
func TestSpeedTestHandlerBounds(t *testing.T) {
	const limit = 64 << 10
	srv := loopback(t, gpu.SpeedTestHandler{MaxBytes: limit})
	for _, tt := range []struct {
		method, path string
		body         int
		want         int
		answer       string
	}{
		{http.MethodGet, "/download?bytes=65536", 0, http.StatusOK, strings.Repeat("x", limit)},
		{http.MethodGet, "/download?bytes=65537", 0, http.StatusBadRequest, ""},
		{http.MethodGet, "/download?bytes=9223372036854775807", 0, http.StatusBadRequest, ""},
		{http.MethodPost, "/upload", limit, http.StatusOK, "65536"},
		{http.MethodPost, "/upload", limit + 1, http.StatusBadRequest, ""},
	} {
		req, err := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(strings.Repeat("u", tt.body)))
		require.NoError(t, err)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, tt.want, resp.StatusCode, "%s %s", tt.method, tt.path)
		switch {
		case tt.want != http.StatusOK:
		case tt.method == http.MethodGet:
			require.Len(t, b, len(tt.answer))
		default:
			require.Equal(t, tt.answer, string(b))
		}
	}
}

func TestSpeedTestHandlerMethods(t *testing.T) {
	srv := loopback(t, gpu.SpeedTestHandler{})
	for _, tt := range []struct {
		method, path string
		want         int
	}{
		{http.MethodPost, "/ping", http.StatusMethodNotAllowed},
		{http.MethodPost, "/download?bytes=1", http.StatusMethodNotAllowed},
		{http.MethodGet, "/upload", http.StatusMethodNotAllowed},
		{http.MethodGet, "/download?bytes=-1", http.StatusBadRequest},
		{http.MethodGet, "/download?bytes=lots", http.StatusBadRequest},
		{http.MethodGet, "/download?bytes=0", http.StatusOK},
		{http.MethodGet, "/", http.StatusNotFound},
	} {
		req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
		require.NoError(t, err)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, tt.want, resp.StatusCode, "%s %s", tt.method, tt.path)
	}
}

func TestMeasureHardware(t *testing.T) {
	inv := h100Host(rand.New(seeded(11)), 2)
	inv.GPUs = append(inv.GPUs, gpu.GPUReading{GPU: iog.GPU{UUID: "GPU-x", Model: "NVIDIA Z9000"}})
	// An A800 is not in the catalog, but its figures derive 19 491 GFLOPS.
	inv.GPUs = append(inv.GPUs, gpu.GPUReading{
		GPU:   iog.GPU{UUID: "GPU-y", Vendor: iog.VendorNVIDIA, Model: "NVIDIA A800-SXM4-40GB", MemoryBytes: 40 << 30, ComputeCapability: iog.ComputeCapability{Major: 8}},
		Specs: gpu.Specs{Cores: 6912, BoostClockMHz: 1410, MemoryBusWidthBits: 5120, MaxMemoryClockMHz: 1215},
	})
	// 2·192³ operations in one 10 ms step: 1,415,577,600 per second.
	score, err := gpu.MeasureHardware(context.Background(), gpu.MeasureConfig{Clock: &steppingClock{now: epoch, step: 10 * time.Millisecond}}, inv)
	require.NoError(t, err)
	require.Equal(t, gpu.HardwareScore{GPUGFLOPS: 2*67000 + 19491, UnknownGPUs: 1, CPUOpsPerSec: 1_415_577_600}, score)

	_, err = gpu.MeasureHardware(context.Background(), gpu.MeasureConfig{Clock: iog.NewManualClock(epoch)}, inv)
	require.ErrorIs(t, err, iog.ErrUnavailable)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = gpu.MeasureHardware(ctx, gpu.MeasureConfig{}, inv)
	require.ErrorIs(t, err, context.Canceled)
}
