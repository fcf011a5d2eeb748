package refserver

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// benchRequestDevices is how many devices the request benchmarks spread
// their requests over.
const benchRequestDevices = 1000

// BenchmarkPublicRead answers the public reads iogload makes (a device,
// the supply, the devices' statistics) through the server's handler,
// without the network: the cost of a read on the server alone.
func BenchmarkPublicRead(b *testing.B) {
	s := benchNetwork(b, sqldb.SQLite, benchRequestDevices)
	defer s.Close()
	h := s.Handler()
	for _, read := range []struct {
		name string
		path func(i int) string
	}{
		{"device", func(i int) string { return "/v1/devices/bench-" + strconv.Itoa(i%benchRequestDevices) }},
		{"supply", func(int) string { return "/v1/explorer/supply" }},
		{"stats", func(int) string { return "/v1/explorer/devices" }},
	} {
		b.Run(read.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				r := httptest.NewRequest(http.MethodGet, read.path(i), nil)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("GET %s: %d %s", r.URL, w.Code, w.Body)
				}
			}
		})
	}
}

// BenchmarkHeartbeat answers signed heartbeats of devices through the
// server's handler, without the network, from 64 goroutines a core: the
// group commit batches them as it batches a fleet's.
func BenchmarkHeartbeat(b *testing.B) { benchHeartbeats(b, []byte(`{}`), 0) }

// BenchmarkHeartbeatTelemetry is BenchmarkHeartbeat with the readings of
// 8 GPUs in each heartbeat, on a clock that moves 20 s a round of the
// devices, as a fleet's heartbeats come: every third of a device's
// heartbeats is sampled at the default telemetry interval of a minute.
func BenchmarkHeartbeatTelemetry(b *testing.B) {
	hb := api.Heartbeat{CPUPercent: 3}
	for i := range 8 {
		hb.GPUs = append(hb.GPUs, api.GPUTelemetry{UUID: fmt.Sprintf("GPU-%d", i), TemperatureC: 40 + uint32(i), UtilizationPercent: 2, PowerMilliwatts: 90_000})
	}
	body, err := json.Marshal(hb)
	if err != nil {
		b.Fatal(err)
	}
	benchHeartbeats(b, body, 20*time.Second/benchRequestDevices)
}

// benchHeartbeats sends heartbeats of body, the clock moving by tick
// after each.
func benchHeartbeats(b *testing.B, body []byte, tick time.Duration) {
	s := benchNetwork(b, sqldb.SQLite, benchRequestDevices)
	defer s.Close()
	h := s.Handler()
	clock := s.cfg.Clock.(*iog.ManualClock)
	keys := make([]ed25519.PrivateKey, benchRequestDevices)
	for i := range keys {
		seed := make([]byte, 32)
		binary.BigEndian.PutUint64(seed, uint64(i)+1)
		keys[i] = ed25519.NewKeyFromSeed(seed)
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(64)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1))
			d := i % benchRequestDevices
			if tick > 0 {
				clock.Advance(tick)
			}
			r := httptest.NewRequest(http.MethodPost, "/v1/devices/bench-"+strconv.Itoa(d)+"/heartbeats", bytes.NewReader(body))
			if err := api.Sign(r, body, keys[d], clock.Now(), fmt.Sprintf("bench-nonce-%012d", i)); err != nil {
				b.Error(err)
				return
			}
			r.Header.Set(api.IdempotencyHeader, fmt.Sprintf("bench-idem-%012d", i))
			r.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Errorf("POST %s: %d %s", r.URL, w.Code, w.Body)
				return
			}
		}
	})
}
