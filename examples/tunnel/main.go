// Command tunnel runs the three parties of a reverse tunnel on one
// machine: a relay, a worker agent exposing a local HTTP server (think
// Jupyter or the Ray dashboard on a GPU box behind NAT), and an engineer
// who has rented the worker's device and fetches a page from it through
// the relay. It then shows that a stranger is refused, and prints the
// relay's byte counters for the device.
//
//	go run ./examples/tunnel
//	go run ./examples/tunnel -path /api/cluster_status
package main

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tunnel"
)

func main() {
	path := flag.String("path", "/", "the path to fetch from the worker's web server")
	verbose := flag.Bool("v", false, "log connection events")
	flag.Parse()
	level := slog.LevelWarn + 4 // quiet: refusals are expected below
	if *verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if err := run(context.Background(), os.Stdout, logger, *path); err != nil {
		fmt.Fprintln(os.Stderr, "tunnel:", err)
		os.Exit(1)
	}
}

// key derives a demo key from a name; real keys come from crypto/rand.
func key(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("iog example " + name))
	return ed25519.NewKeyFromSeed(seed[:])
}

func run(ctx context.Context, out io.Writer, logger *slog.Logger, path string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	conn := tunnel.ConnConfig{Logger: logger}

	// 1. The relay: its own key, pinned by everyone, and the rentals it
	// enforces.
	cert, err := tunnel.NewCertificate(key("relay"))
	if err != nil {
		return err
	}
	pin, err := tunnel.PinOf(cert)
	if err != nil {
		return err
	}
	rentals := tunnel.NewRentals(tunnel.RentalsConfig{})
	relay, err := tunnel.NewRelay(tunnel.RelayConfig{Certificate: cert, Authorizer: rentals, ConnConfig: conn})
	if err != nil {
		return err
	}
	relayLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	relayDone := make(chan error, 1)
	go func() { relayDone <- relay.Serve(ctx, relayLn) }()
	fmt.Fprintf(out, "relay listening on %s, key pin %s…\n", relayLn.Addr(), pin.String()[:16])

	// 2. The worker: a web server on its own loopback, and an agent that
	// dials out to the relay with the device key.
	web, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from gpu-1: you asked for %s\n", r.URL.Path)
	}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(web) }()
	defer srv.Close()
	_, portText, _ := net.SplitHostPort(web.Addr().String())
	port, _ := strconv.Atoi(portText)
	device := iog.DeviceID("gpu-1")
	deviceKey := key("device gpu-1")
	if err := rentals.RegisterDevice(device, deviceKey.Public().(ed25519.PublicKey)); err != nil {
		return err
	}
	agent, err := tunnel.NewAgent(tunnel.AgentConfig{
		RelayAddr: relayLn.Addr().String(), RelayPin: pin,
		Device: device, Key: deviceKey, Ports: []uint16{uint16(port)}, ConnConfig: conn,
	})
	if err != nil {
		return err
	}
	agentDone := make(chan error, 1)
	go func() { agentDone <- agent.Run(ctx) }()
	for i := 0; !relay.Online(device); i++ {
		if i == 1000 {
			return errors.New("the worker did not connect to the relay within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Fprintf(out, "worker %s connected, exposing port %d\n", device, port)

	// 3. The engineer rents the device for an hour and fetches the page.
	walletKey := key("engineer wallet")
	renter, err := iog.WalletAddressOf(walletKey.Public().(ed25519.PublicKey))
	if err != nil {
		return err
	}
	if err := rentals.Rent(tunnel.Rental{Cluster: "cluster-1", Renter: renter, Devices: []iog.DeviceID{device}, Expires: iog.SystemClock.Now().Add(time.Hour)}); err != nil {
		return err
	}
	client, err := tunnel.NewClient(tunnel.ClientConfig{RelayAddr: relayLn.Addr().String(), RelayPin: pin, Key: walletKey, ConnConfig: conn})
	if err != nil {
		return err
	}
	defer client.Close()
	body, err := fetch(ctx, client, device, uint16(port), path)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "engineer %s… fetched through the relay: %s", renter.String()[:8], body)

	// 4. A stranger who rented nothing is refused.
	stranger, err := tunnel.NewClient(tunnel.ClientConfig{RelayAddr: relayLn.Addr().String(), RelayPin: pin, Key: key("stranger wallet"), ConnConfig: conn})
	if err != nil {
		return err
	}
	defer stranger.Close()
	_, err = fetch(ctx, stranger, device, uint16(port), path)
	fmt.Fprintf(out, "stranger refused (forbidden: %t): %v\n", errors.Is(err, iog.ErrForbidden), err)

	stats, _ := relay.Stats(device)
	fmt.Fprintf(out, "relay counters for %s: %d bytes to it, %d from it, %d streams, %d refused\n",
		device, stats.ToDevice, stats.FromDevice, stats.Streams, stats.Refused)

	cancel()
	return errors.Join(<-agentDone, <-relayDone)
}

// fetch gets path from the device's web server over a tunnel stream.
func fetch(ctx context.Context, tun tunnel.Tunnel, device iog.DeviceID, port uint16, path string) (string, error) {
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return tun.Dial(ctx, device, port)
	}}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+string(device)+path, nil)
	if err != nil {
		return "", err
	}
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}
