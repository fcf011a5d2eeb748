package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/pricing"
)

// readTargets returns a targeter of the public reads named (readNames),
// in turn: a device (the fleet's in turn), the supply, the devices'
// statistics.
func readTargets(base string, fleet []device, reads []string) vegeta.Targeter {
	var n atomic.Uint64
	k := uint64(len(reads))
	return func(t *vegeta.Target) error {
		i := n.Add(1) - 1
		t.Method, t.Body, t.Header = http.MethodGet, nil, http.Header{"Accept": {"application/json"}}
		switch reads[i%k] {
		case "device":
			t.URL = base + "/v1/devices/" + string(fleet[(i/k)%uint64(len(fleet))].ID)
		case "supply":
			t.URL = base + "/v1/explorer/supply"
		default:
			t.URL = base + "/v1/explorer/devices"
		}
		return nil
	}
}

// signer signs requests as the load's wallets, each with a fresh nonce.
type signer struct {
	clock iog.Clock
	mu    sync.Mutex
	keys  map[int]ed25519.PrivateKey
}

func newSigner(clock iog.Clock) *signer {
	return &signer{clock: clock, keys: map[int]ed25519.PrivateKey{}}
}

func (s *signer) key(wallet int) ed25519.PrivateKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[wallet]
	if !ok {
		k = walletKey(wallet)
		s.keys[wallet] = k
	}
	return k
}

// target makes t a POST of body to base+path signed by wallet, with a
// fresh nonce and idempotency key, as iogsdk.Client sends it.
func (s *signer) target(t *vegeta.Target, base, path string, body []byte, wallet int) error {
	req, err := http.NewRequest(http.MethodPost, base+path, nil)
	if err != nil {
		return err
	}
	nonce, err := token()
	if err != nil {
		return err
	}
	if err := api.Sign(req, body, s.key(wallet), s.clock.Now(), nonce); err != nil {
		return err
	}
	idem, err := token()
	if err != nil {
		return err
	}
	req.Header.Set(api.IdempotencyHeader, idem)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	t.Method, t.URL, t.Body, t.Header = http.MethodPost, req.URL.String(), body, req.Header
	return nil
}

// token is 18 random bytes in URL-safe base64: a nonce or an
// idempotency key.
func token() (string, error) {
	var b [18]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// heartbeatTargets returns a targeter of heartbeats of the fleet's
// devices in turn, each signed by its owner.
func heartbeatTargets(base string, fleet []device, s *signer) vegeta.Targeter {
	var n atomic.Uint64
	body := []byte(`{}`)
	return func(t *vegeta.Target) error {
		d := fleet[(n.Add(1)-1)%uint64(len(fleet))]
		return s.target(t, base, "/v1/devices/"+string(d.ID)+"/heartbeats", body, d.Wallet)
	}
}

// presign builds count targets of tr before the attack, on every core,
// and returns a targeter of them in turn: the attack then spends no time
// signing. An attack of more requests than count would send some twice,
// and the server would refuse them as replayed.
func presign(ctx context.Context, tr vegeta.Targeter, count int) (vegeta.Targeter, error) {
	targets := make([]vegeta.Target, count)
	if err := parallel(ctx, count, runtime.GOMAXPROCS(0), func(_ context.Context, i int) error { return tr(&targets[i]) }); err != nil {
		return nil, err
	}
	return vegeta.NewStaticTargeter(targets...), nil
}

// deployRequest is what each deployment asks for: one H100 for an hour,
// paid in USDC.
func deployRequest() ([]byte, error) {
	var r pricing.Request
	if err := json.Unmarshal([]byte(`{"gpu_model": "H100-SXM", "gpu_count": 1, "hours": 1, "currency": "USDC"}`), &r); err != nil {
		return nil, err
	}
	return json.Marshal(api.DeployRequest{Request: r, Name: "load", Workload: api.Workload{Entrypoint: []string{"python3", "train.py"}}})
}

// deployTargets returns a targeter of deployments by the renters in turn.
func deployTargets(base string, renters int, s *signer) (vegeta.Targeter, error) {
	body, err := deployRequest()
	if err != nil {
		return nil, err
	}
	var n atomic.Uint64
	return func(t *vegeta.Target) error {
		r := renterBase + int((n.Add(1)-1)%uint64(renters))
		return s.target(t, base, "/v1/clusters", body, r)
	}, nil
}
