package api_test

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/internetofgpus/iog/iogsdk/api"
)

// Example signs a request as a wallet does and verifies it as the server
// does: the signature covers the method, the target, the body, the time
// and a nonce, so a changed body is refused.
func Example() {
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	body := []byte(`{"name":"rig 1"}`)
	r := httptest.NewRequest("PATCH", "/v1/devices/d1", bytes.NewReader(body))
	if err := api.Sign(r, body, key, now, "a1b2c3d4e5f60718293a4b5c6d7e8f90"); err != nil {
		fmt.Println(err)
		return
	}
	signed, err := api.Verify(r, body, now.Add(time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("signed by", signed.Wallet)
	_, err = api.Verify(r, []byte(`{"name":"rig 2"}`), now)
	fmt.Println("another body refused:", err != nil && strings.Contains(err.Error(), "signature"))
	// Output:
	// signed by AKnL4NNf3DGWZJS6cPknBuEGnVsV4A4m5tgebLHaRSZ9
	// another body refused: true
}
