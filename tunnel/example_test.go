package tunnel_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tunnel"
)

// A relay, a worker serving an HTTP server on its own loopback, and an
// engineer fetching a page from it through the relay.
func ExampleTunnel() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)

	// The relay, with its key and the rentals it enforces.
	relayKey := ed25519.NewKeyFromSeed(make([]byte, 32))
	cert, _ := tunnel.NewCertificate(relayKey)
	pin, _ := tunnel.PinOf(cert)
	clock := iog.NewManualClock(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	rentals := tunnel.NewRentals(tunnel.RentalsConfig{Clock: clock})
	relay, _ := tunnel.NewRelay(tunnel.RelayConfig{Certificate: cert, Authorizer: rentals, Clock: clock, ConnConfig: tunnel.ConnConfig{Logger: quiet}})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	relayDone := make(chan error, 1)
	go func() { relayDone <- relay.Serve(ctx, ln) }()

	// A worker exposing a local web server.
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "hello from gpu-1")
	}))
	defer web.Close()
	_, p, _ := net.SplitHostPort(web.Listener.Addr().String())
	port, _ := strconv.Atoi(p)
	deviceKey := ed25519.NewKeyFromSeed([]byte("device key seed of gpu-1 ......."))
	_ = rentals.RegisterDevice("gpu-1", deviceKey.Public().(ed25519.PublicKey))
	agent, _ := tunnel.NewAgent(tunnel.AgentConfig{
		RelayAddr: ln.Addr().String(), RelayPin: pin,
		Device: "gpu-1", Key: deviceKey, Ports: []uint16{uint16(port)}, ConnConfig: tunnel.ConnConfig{Logger: quiet},
	})
	agentDone := make(chan error, 1)
	go func() { agentDone <- agent.Run(ctx) }()
	for i := 0; !relay.Online("gpu-1"); i++ {
		if i == 10000 {
			fmt.Println("the worker did not connect within 10 s")
			return
		}
		time.Sleep(time.Millisecond)
	}

	// The engineer rents the device for an hour and fetches the page.
	walletKey := ed25519.NewKeyFromSeed([]byte("wallet key seed of an engineer.."))
	renter, _ := iog.WalletAddressOf(walletKey.Public().(ed25519.PublicKey))
	_ = rentals.Rent(tunnel.Rental{Cluster: "c-1", Renter: renter, Devices: []iog.DeviceID{"gpu-1"}, Expires: clock.Now().Add(time.Hour)})
	var tun tunnel.Tunnel
	client, _ := tunnel.NewClient(tunnel.ClientConfig{RelayAddr: ln.Addr().String(), RelayPin: pin, Key: walletKey, ConnConfig: tunnel.ConnConfig{Logger: quiet}})
	defer client.Close()
	tun = client
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return tun.Dial(ctx, "gpu-1", uint16(port))
	}}}
	resp, err := hc.Get("http://gpu-1/")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	hc.CloseIdleConnections()
	fmt.Println(string(body))

	// A stranger is refused.
	strangerKey := ed25519.NewKeyFromSeed([]byte("wallet key seed of a stranger..."))
	stranger, _ := tunnel.NewClient(tunnel.ClientConfig{RelayAddr: ln.Addr().String(), RelayPin: pin, Key: strangerKey, ConnConfig: tunnel.ConnConfig{Logger: quiet}})
	defer stranger.Close()
	_, err = stranger.Dial(ctx, "gpu-1", uint16(port))
	fmt.Println(errors.Is(err, iog.ErrForbidden))

	cancel()
	<-agentDone
	<-relayDone
	// Output:
	// hello from gpu-1
	// true
}

// Rentals decides who reaches what: the renter of a cluster reaches its
// devices until the rental expires.
func ExampleAuthorizer() {
	clock := iog.NewManualClock(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	var auth tunnel.Authorizer = tunnel.NewRentals(tunnel.RentalsConfig{Clock: clock})
	rentals := auth.(*tunnel.Rentals)

	walletKey := ed25519.NewKeyFromSeed([]byte("wallet key seed of an engineer.."))
	renter, _ := iog.WalletAddressOf(walletKey.Public().(ed25519.PublicKey))
	_ = rentals.Rent(tunnel.Rental{Cluster: "c-1", Renter: renter, Devices: []iog.DeviceID{"gpu-1", "gpu-2"}, Expires: clock.Now().Add(time.Hour)})

	until, err := auth.AllowDial(renter, "gpu-1", 22)
	fmt.Println(until.Format(time.Kitchen), err)
	_, err = auth.AllowDial(renter, "gpu-3", 22)
	fmt.Println(errors.Is(err, iog.ErrForbidden))
	_, err = auth.AllowPeer("gpu-1", "gpu-2")
	fmt.Println(err)
	clock.Advance(time.Hour)
	_, err = auth.AllowDial(renter, "gpu-1", 22)
	fmt.Println(errors.Is(err, iog.ErrExpired))
	// Output:
	// 1:00AM <nil>
	// true
	// <nil>
	// true
}

// Keys, pins and backoff: a relay's certificate comes from its ed25519
// key and clients pin that key; a worker that loses the relay waits a
// jittered, doubling delay between attempts, drawn from a seeded source.
func Example() {
	relayKey := ed25519.NewKeyFromSeed([]byte("relay key seed, 32 bytes long..."))
	cert, _ := tunnel.NewCertificate(relayKey)
	pin, _ := tunnel.PinOf(cert)
	same, _ := tunnel.PinOfKey(relayKey.Public().(ed25519.PublicKey))
	fmt.Println("pin of the certificate = pin of the key:", pin == same)

	b := tunnel.Backoff{Initial: 100 * time.Millisecond, Max: time.Second}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 6 {
		fmt.Println(n, b.Delay(n, rng).Round(time.Millisecond))
	}
	// Output:
	// pin of the certificate = pin of the key: true
	// 0 88ms
	// 1 162ms
	// 2 357ms
	// 3 719ms
	// 4 617ms
	// 5 521ms
}
