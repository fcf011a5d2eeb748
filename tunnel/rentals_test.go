package tunnel_test

import (
	"crypto/ed25519"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tunnel"
)

func TestRentalsValidateAndDecide(t *testing.T) {
	clock := iog.NewManualClock(start)
	r := tunnel.NewRentals(tunnel.RentalsConfig{Clock: clock})
	renter := wallet(engineer)
	hour := start.Add(time.Hour)

	bad := []struct {
		name   string
		rental tunnel.Rental
		want   error
	}{
		{"no cluster", tunnel.Rental{Renter: renter, Devices: []iog.DeviceID{"gpu-1"}, Expires: hour}, iog.ErrInvalid},
		{"no renter", tunnel.Rental{Cluster: "c", Devices: []iog.DeviceID{"gpu-1"}, Expires: hour}, iog.ErrInvalid},
		{"no devices", tunnel.Rental{Cluster: "c", Renter: renter, Expires: hour}, iog.ErrInvalid},
		{"bad device", tunnel.Rental{Cluster: "c", Renter: renter, Devices: []iog.DeviceID{"a b"}, Expires: hour}, iog.ErrInvalid},
		{"already over", tunnel.Rental{Cluster: "c", Renter: renter, Devices: []iog.DeviceID{"gpu-1"}, Expires: start}, iog.ErrInvalid},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			require.ErrorIs(t, r.Rent(tt.rental), tt.want)
			_, err := r.AllowDial(renter, "gpu-1", 22)
			require.ErrorIs(t, err, iog.ErrForbidden, "a refused rental changes nothing")
		})
	}

	require.NoError(t, r.Rent(tunnel.Rental{Cluster: "c1", Renter: renter, Devices: []iog.DeviceID{"gpu-1", "gpu-2"}, Expires: hour}))
	require.ErrorIs(t, r.Rent(tunnel.Rental{Cluster: "c1", Renter: renter, Devices: []iog.DeviceID{"gpu-3"}, Expires: hour}), iog.ErrConflict)
	require.NoError(t, r.Rent(tunnel.Rental{Cluster: "c2", Renter: renter, Devices: []iog.DeviceID{"gpu-2"}, Expires: start.Add(3 * time.Hour)}))

	until, err := r.AllowDial(renter, "gpu-2", 22)
	require.NoError(t, err)
	require.Equal(t, start.Add(3*time.Hour), until, "the latest of two rentals counts")
	_, err = r.AllowDial(wallet(stranger), "gpu-1", 22)
	require.ErrorIs(t, err, iog.ErrForbidden)
	_, err = r.AllowPeer("gpu-1", "gpu-2")
	require.NoError(t, err)
	_, err = r.AllowPeer("gpu-1", "gpu-3")
	require.ErrorIs(t, err, iog.ErrForbidden)

	clock.Advance(2 * time.Hour)
	_, err = r.AllowDial(renter, "gpu-1", 22)
	require.ErrorIs(t, err, iog.ErrExpired)
	_, err = r.AllowPeer("gpu-2", "gpu-1")
	require.ErrorIs(t, err, iog.ErrExpired)
	_, err = r.AllowDial(renter, "gpu-2", 22)
	require.NoError(t, err)

	require.NoError(t, r.End("c2"))
	require.ErrorIs(t, r.End("c2"), iog.ErrNotFound)
	_, err = r.AllowDial(renter, "gpu-2", 22)
	require.ErrorIs(t, err, iog.ErrExpired, "c1 still names gpu-2, and it has ended")
	require.NoError(t, r.End("c1"))
	_, err = r.AllowDial(renter, "gpu-2", 22)
	require.ErrorIs(t, err, iog.ErrForbidden)
}

func TestRentalsDeviceKeys(t *testing.T) {
	r := tunnel.NewRentals(tunnel.RentalsConfig{Clock: iog.NewManualClock(start)})
	pub := gpuKey.Public().(ed25519.PublicKey)
	require.ErrorIs(t, r.AdmitWorker("gpu-1", pub), iog.ErrNotFound)
	require.NoError(t, r.RegisterDevice("gpu-1", pub))
	require.NoError(t, r.RegisterDevice("gpu-1", pub), "registering the same key again is fine")
	require.ErrorIs(t, r.RegisterDevice("gpu-1", gpuKey2.Public().(ed25519.PublicKey)), iog.ErrConflict)
	require.ErrorIs(t, r.RegisterDevice("gpu 1", pub), iog.ErrInvalid)
	require.ErrorIs(t, r.RegisterDevice("gpu-2", pub[:10]), iog.ErrInvalid)
	require.NoError(t, r.AdmitWorker("gpu-1", pub))
	require.ErrorIs(t, r.AdmitWorker("gpu-1", gpuKey2.Public().(ed25519.PublicKey)), iog.ErrUnauthorized)
}

// Every backoff delay lies in [d/2, d] for d = Initial·2ⁿ capped at Max,
// and the same seed gives the same delays.
func TestBackoffBoundsAndDeterminism(t *testing.T) {
	tests := []tunnel.Backoff{
		{},
		{Initial: time.Millisecond, Max: time.Second},
		{Initial: time.Second, Max: time.Millisecond}, // Max below Initial: Initial wins
	}
	for _, b := range tests {
		initial, ceiling := b.Initial, b.Max
		if initial == 0 {
			initial = 100 * time.Millisecond
		}
		if ceiling == 0 {
			ceiling = 30 * time.Second
		}
		ceiling = max(ceiling, initial)
		rng1, rng2 := rand.New(rand.NewPCG(7, 8)), rand.New(rand.NewPCG(7, 8))
		for n := range 80 {
			d := initial
			for range n {
				if d >= ceiling {
					break
				}
				d *= 2
			}
			d = min(d, ceiling)
			got := b.Delay(n, rng1)
			require.GreaterOrEqual(t, got, d/2, "attempt %d", n)
			require.LessOrEqual(t, got, d, "attempt %d", n)
			require.Equal(t, got, b.Delay(n, rng2))
		}
	}
}

func TestPins(t *testing.T) {
	cert, err := tunnel.NewCertificate(relayKey)
	require.NoError(t, err)
	fromCert, err := tunnel.PinOf(cert)
	require.NoError(t, err)
	fromKey, err := tunnel.PinOfKey(relayKey.Public().(ed25519.PublicKey))
	require.NoError(t, err)
	require.Equal(t, fromCert, fromKey)
	parsed, err := tunnel.ParsePin(fromCert.String())
	require.NoError(t, err)
	require.Equal(t, fromCert, parsed)
	for _, bad := range []string{"", "zz", fromCert.String()[:10]} {
		_, err := tunnel.ParsePin(bad)
		require.ErrorIs(t, err, iog.ErrInvalid)
	}
	_, err = tunnel.NewCertificate(relayKey[:5])
	require.ErrorIs(t, err, iog.ErrInvalid)
	_, err = tunnel.PinOf(cert2())
	require.ErrorIs(t, err, iog.ErrInvalid)
}

func TestConfigsAreChecked(t *testing.T) {
	cert, err := tunnel.NewCertificate(relayKey)
	require.NoError(t, err)
	auth := tunnel.NewRentals(tunnel.RentalsConfig{Clock: iog.NewManualClock(start)})
	good := tunnel.AgentConfig{RelayAddr: "127.0.0.1:1", Device: "gpu-1", Key: gpuKey, Ports: []uint16{22}}
	agent, err := tunnel.NewAgent(good)
	require.NoError(t, err)
	tests := []struct {
		name string
		make func() error
	}{
		{"relay without authorizer", func() error { _, err := tunnel.NewRelay(tunnel.RelayConfig{Certificate: cert}); return err }},
		{"relay without certificate", func() error { _, err := tunnel.NewRelay(tunnel.RelayConfig{Authorizer: auth}); return err }},
		{"agent without relay", func() error { c := good; c.RelayAddr = ""; _, err := tunnel.NewAgent(c); return err }},
		{"agent with a bad device", func() error { c := good; c.Device = "a/b"; _, err := tunnel.NewAgent(c); return err }},
		{"agent without key", func() error { c := good; c.Key = nil; _, err := tunnel.NewAgent(c); return err }},
		{"agent exposing port 0", func() error { c := good; c.Ports = []uint16{0}; _, err := tunnel.NewAgent(c); return err }},
		{"agent exposing too many ports", func() error { c := good; c.Ports = make([]uint16, 65); _, err := tunnel.NewAgent(c); return err }},
		{"client without relay", func() error { _, err := tunnel.NewClient(tunnel.ClientConfig{Key: engineer}); return err }},
		{"client without key", func() error { _, err := tunnel.NewClient(tunnel.ClientConfig{RelayAddr: "x:1"}); return err }},
		{"mesh without listener", func() error { _, err := tunnel.NewMesh(tunnel.MeshConfig{Agent: agent, Handler: meshEcho}); return err }},
		{"mesh advertising too much", func() error {
			_, err := tunnel.NewMesh(tunnel.MeshConfig{Agent: agent, Handler: meshEcho, Listener: dummyListener{}, Advertise: make([]string, 17)})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { require.ErrorIs(t, tt.make(), iog.ErrInvalid) })
	}
}
