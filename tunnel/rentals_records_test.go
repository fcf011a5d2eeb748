package tunnel_test

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tunnel"
)

// rentalsOp applies one random operation to r and says what r answered.
func rentalsOp(r *tunnel.Rentals, clock *iog.ManualClock, rng *rand.Rand) string {
	device := iog.DeviceID(fmt.Sprintf("gpu-%d", rng.IntN(5)))
	cluster := iog.ClusterID(fmt.Sprintf("cluster-%d", rng.IntN(4)))
	switch rng.IntN(6) {
	case 0:
		return kind(r.RegisterDevice(device, keyFrom(byte(10+rng.IntN(7))).Public().(ed25519.PublicKey)))
	case 1:
		devices := []iog.DeviceID{device}
		for range rng.IntN(3) {
			devices = append(devices, iog.DeviceID(fmt.Sprintf("gpu-%d", rng.IntN(5))))
		}
		return kind(r.Rent(tunnel.Rental{Cluster: cluster, Renter: wallet(keyFrom(byte(1 + rng.IntN(2)))), Devices: devices,
			Expires: clock.Now().Add(time.Duration(1+rng.IntN(3)) * time.Hour)}))
	case 2:
		return kind(r.End(cluster))
	case 3:
		clusters, err := r.RemoveDevice(device)
		return fmt.Sprint(clusters, kind(err))
	case 4:
		clock.Advance(time.Duration(rng.IntN(90)) * time.Minute)
		return "tick"
	default:
		return kind(r.AdmitWorker(device, keyFrom(byte(10+rng.IntN(7))).Public().(ed25519.PublicKey)))
	}
}

// rentalsView is every answer r gives about the devices and clusters of
// rentalsOp.
func rentalsView(r *tunnel.Rentals) []string {
	var out []string
	for i := range 5 {
		from := iog.DeviceID(fmt.Sprintf("gpu-%d", i))
		for w := range 2 {
			until, err := r.AllowDial(wallet(keyFrom(byte(1+w))), from, 22)
			out = append(out, fmt.Sprint("dial ", from, w, until, kind(err)))
		}
		for j := range 5 {
			until, err := r.AllowPeer(from, iog.DeviceID(fmt.Sprintf("gpu-%d", j)))
			out = append(out, fmt.Sprint("peer ", from, j, until, kind(err)))
		}
	}
	return out
}

func kind(err error) string {
	for _, k := range []error{iog.ErrInvalid, iog.ErrNotFound, iog.ErrConflict, iog.ErrForbidden, iog.ErrUnauthorized, iog.ErrExpired} {
		if errors.Is(err, k) {
			return k.Error()
		}
	}
	if err != nil {
		return err.Error()
	}
	return "ok"
}

// Rentals restored from the records of others, after any sequence of
// operations, answer as they do, and go on to the same records.
func TestRentalsRestoreProperty(t *testing.T) {
	for seed := range uint64(50) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 1))
			clock := iog.NewManualClock(start)
			a := tunnel.NewRentals(tunnel.RentalsConfig{Clock: clock})
			for range 40 {
				rentalsOp(a, clock, rng)
			}
			devices, rentals := a.Records()
			clockB := iog.NewManualClock(clock.Now())
			b := tunnel.NewRentals(tunnel.RentalsConfig{Clock: clockB})
			require.NoError(t, b.Restore(devices, rentals))
			require.Equal(t, rentalsView(a), rentalsView(b))
			for i := range 5 {
				da, oka := a.Device(iog.DeviceID(fmt.Sprintf("gpu-%d", i)))
				db, okb := b.Device(iog.DeviceID(fmt.Sprintf("gpu-%d", i)))
				require.Equal(t, oka, okb)
				require.Equal(t, da, db)
			}
			for i := range 4 {
				ra, oka := a.Rental(iog.ClusterID(fmt.Sprintf("cluster-%d", i)))
				rb, okb := b.Rental(iog.ClusterID(fmt.Sprintf("cluster-%d", i)))
				require.Equal(t, oka, okb)
				require.Equal(t, ra, rb)
			}
			for range 40 {
				op := rng.Uint64()
				require.Equal(t, rentalsOp(a, clock, rand.New(rand.NewPCG(op, 0))), rentalsOp(b, clockB, rand.New(rand.NewPCG(op, 0))))
				require.Equal(t, rentalsView(a), rentalsView(b))
			}
			da, ra := a.Records()
			db, rb := b.Records()
			require.Equal(t, da, db)
			require.Equal(t, ra, rb)
		})
	}
}

func TestRentalsRecordsJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	clock := iog.NewManualClock(start)
	a := tunnel.NewRentals(tunnel.RentalsConfig{Clock: clock})
	for range 60 {
		rentalsOp(a, clock, rng)
	}
	devices, rentals := a.Records()
	require.NotEmpty(t, devices)
	require.NotEmpty(t, rentals)
	data, err := json.Marshal(map[string]any{"devices": devices, "rentals": rentals})
	require.NoError(t, err)
	var back struct {
		Devices []tunnel.DeviceRecord
		Rentals []tunnel.Rental
	}
	require.NoError(t, json.Unmarshal(data, &back))
	b := tunnel.NewRentals(tunnel.RentalsConfig{Clock: clock})
	require.NoError(t, b.Restore(back.Devices, back.Rentals))
	require.Equal(t, rentalsView(a), rentalsView(b))
}

func TestRentalsRestoreRefuses(t *testing.T) {
	key := gpuKey.Public().(ed25519.PublicKey)
	good := tunnel.Rental{Cluster: "cluster-1", Renter: wallet(engineer), Devices: []iog.DeviceID{"gpu-1"}, Expires: start.Add(-time.Hour)}
	tests := []struct {
		name    string
		devices []tunnel.DeviceRecord
		rentals []tunnel.Rental
	}{
		{"malformed device", []tunnel.DeviceRecord{{Device: "gpu 1", Key: key}}, nil},
		{"short key", []tunnel.DeviceRecord{{Device: "gpu-1", Key: key[:8]}}, nil},
		{"device twice", []tunnel.DeviceRecord{{Device: "gpu-1", Key: key}, {Device: "gpu-1", Key: key}}, nil},
		{"no renter", nil, []tunnel.Rental{{Cluster: "cluster-1", Devices: good.Devices, Expires: good.Expires}}},
		{"no devices", nil, []tunnel.Rental{{Cluster: "cluster-1", Renter: good.Renter, Expires: good.Expires}}},
		{"cluster twice", nil, []tunnel.Rental{good, good}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tunnel.NewRentals(tunnel.RentalsConfig{Clock: iog.NewManualClock(start)})
			require.ErrorIs(t, r.Restore(append(tt.devices, tunnel.DeviceRecord{Device: "gpu-9", Key: key}), append(tt.rentals, good)), iog.ErrInvalid)
			devices, rentals := r.Records()
			require.Empty(t, devices, "a refused restore changes nothing")
			require.Empty(t, rentals)
		})
	}
	r := tunnel.NewRentals(tunnel.RentalsConfig{Clock: iog.NewManualClock(start)})
	require.NoError(t, r.Restore(nil, []tunnel.Rental{good}))
	_, err := r.AllowDial(wallet(engineer), "gpu-1", 22)
	require.ErrorIs(t, err, iog.ErrExpired, "an expired rental is restored as it was")
	require.ErrorIs(t, r.Restore(nil, nil), iog.ErrConflict, "only empty Rentals restore")
}

// Removing a device forgets its key and takes it out of its rentals,
// ending those it was alone in; the other devices keep theirs.
func TestRentalsRemoveDevice(t *testing.T) {
	r := tunnel.NewRentals(tunnel.RentalsConfig{Clock: iog.NewManualClock(start)})
	pub := gpuKey.Public().(ed25519.PublicKey)
	require.NoError(t, r.RegisterDevice("gpu-1", pub))
	require.NoError(t, r.Rent(tunnel.Rental{Cluster: "cluster-1", Renter: wallet(engineer), Devices: []iog.DeviceID{"gpu-1", "gpu-2"}, Expires: start.Add(time.Hour)}))
	require.NoError(t, r.Rent(tunnel.Rental{Cluster: "cluster-2", Renter: wallet(engineer), Devices: []iog.DeviceID{"gpu-1"}, Expires: start.Add(time.Hour)}))

	clusters, err := r.RemoveDevice("gpu-1")
	require.NoError(t, err)
	require.Equal(t, []iog.ClusterID{"cluster-1", "cluster-2"}, clusters)
	require.ErrorIs(t, r.AdmitWorker("gpu-1", pub), iog.ErrNotFound)
	_, err = r.AllowDial(wallet(engineer), "gpu-1", 22)
	require.ErrorIs(t, err, iog.ErrForbidden)
	_, err = r.AllowPeer("gpu-1", "gpu-2")
	require.ErrorIs(t, err, iog.ErrForbidden)
	_, err = r.AllowDial(wallet(engineer), "gpu-2", 22)
	require.NoError(t, err, "the rest of the cluster is still rented")
	rental, ok := r.Rental("cluster-1")
	require.True(t, ok)
	require.Equal(t, []iog.DeviceID{"gpu-2"}, rental.Devices)
	_, ok = r.Rental("cluster-2")
	require.False(t, ok, "a rental left without devices ends")
	_, err = r.RemoveDevice("gpu-1")
	require.ErrorIs(t, err, iog.ErrNotFound)
	require.NoError(t, r.RegisterDevice("gpu-1", gpuKey2.Public().(ed25519.PublicKey)), "the ID may register again, with any key")
}
