package refserver

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/internetofgpus/iog/internal/sqldb"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// benchRequestDevices is how many devices the request benchmarks spread
// their requests over.
const benchRequestDevices = 1000

// BenchmarkDeviceRead answers public reads of devices (GET
// /v1/devices/{id}) through the server's handler, without the network:
// the cost of a read on the server alone.
func BenchmarkDeviceRead(b *testing.B) {
	s := benchNetwork(b, sqldb.SQLite, benchRequestDevices)
	defer s.Close()
	h := s.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		r := httptest.NewRequest(http.MethodGet, "/v1/devices/bench-"+strconv.Itoa(i%benchRequestDevices), nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %s", r.URL, w.Code, w.Body)
		}
	}
}

// BenchmarkHeartbeat answers signed heartbeats of devices through the
// server's handler, without the network, each committed (group commit
// of one: the requests come one at a time).
func BenchmarkHeartbeat(b *testing.B) {
	s := benchNetwork(b, sqldb.SQLite, benchRequestDevices)
	defer s.Close()
	h := s.Handler()
	keys := make([]ed25519.PrivateKey, benchRequestDevices)
	for i := range keys {
		seed := make([]byte, 32)
		binary.BigEndian.PutUint64(seed, uint64(i)+1)
		keys[i] = ed25519.NewKeyFromSeed(seed)
	}
	body := []byte(`{}`)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		d := i % benchRequestDevices
		r := httptest.NewRequest(http.MethodPost, "/v1/devices/bench-"+strconv.Itoa(d)+"/heartbeats", bytes.NewReader(body))
		if err := api.Sign(r, body, keys[d], s.cfg.Clock.Now(), fmt.Sprintf("bench-nonce-%012d", i)); err != nil {
			b.Fatal(err)
		}
		r.Header.Set(api.IdempotencyHeader, fmt.Sprintf("bench-idem-%012d", i))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("POST %s: %d %s", r.URL, w.Code, w.Body)
		}
	}
}
