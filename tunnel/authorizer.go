package tunnel

import (
	"crypto/ed25519"
	"crypto/subtle"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/internetofgpus/iog"
)

// Authorizer decides who may use the relay. The relay asks it on every
// worker connection and every stream an engineer or a mesh node opens, so
// a rental that ends stops new streams at once; streams already open are
// closed when the returned time comes, and the relay asks again about
// each of them every RelayConfig.Recheck, closing those it refuses with
// iog.ErrForbidden or iog.ErrExpired (other errors, such as an
// unreachable backend, leave a stream open until its known end).
//
// Implementations must be safe for concurrent use.
type Authorizer interface {
	// AdmitWorker reports whether the holder of key may serve device. It
	// returns an error matching iog.ErrUnauthorized for a key that is not
	// the device's, or iog.ErrNotFound for an unknown device.
	AdmitWorker(device iog.DeviceID, key ed25519.PublicKey) error
	// AllowDial reports whether wallet may reach port on device now, and
	// until when. It returns an error matching iog.ErrForbidden when no
	// rental of wallet covers device, or iog.ErrExpired when one did and
	// has ended. The relay checks separately that the worker exposes port.
	AllowDial(wallet iog.WalletAddress, device iog.DeviceID, port uint16) (until time.Time, err error)
	// AllowPeer reports whether device from may open a mesh link to
	// device to, and until when: both must be in one active rental.
	// Errors are as for AllowDial.
	AllowPeer(from, to iog.DeviceID) (until time.Time, err error)
}

// Rental is an engineer's hold on a cluster's devices until Expires.
type Rental struct {
	// Cluster names the rental; one cluster is rented once at a time.
	Cluster iog.ClusterID
	// Renter is the wallet that may reach the devices.
	Renter iog.WalletAddress
	// Devices are the cluster's devices: the renter reaches them, and
	// they may link to each other in a Mesh.
	Devices []iog.DeviceID
	// Expires is when the rental ends, on the Rentals' clock.
	Expires time.Time
}

// Rentals is an in-memory Authorizer: device keys registered by their
// workers, and rentals keyed by cluster, timed by a Clock. The zero value
// is not usable; create one with NewRentals.
type Rentals struct {
	clock iog.Clock

	mu       sync.Mutex
	keys     map[iog.DeviceID]ed25519.PublicKey
	rentals  map[iog.ClusterID]Rental
	byDevice map[iog.DeviceID][]iog.ClusterID
}

var _ Authorizer = (*Rentals)(nil)

// NewRentals returns an empty Rentals that reads the time from clock.
func NewRentals(clock iog.Clock) *Rentals {
	return &Rentals{
		clock:    clock,
		keys:     make(map[iog.DeviceID]ed25519.PublicKey),
		rentals:  make(map[iog.ClusterID]Rental),
		byDevice: make(map[iog.DeviceID][]iog.ClusterID),
	}
}

// RegisterDevice records key as device's key. Registering a different key
// for a device that has one is iog.ErrConflict.
func (r *Rentals) RegisterDevice(device iog.DeviceID, key ed25519.PublicKey) error {
	if _, err := iog.ParseDeviceID(string(device)); err != nil {
		return fmt.Errorf("register device: %w", err)
	}
	if len(key) != ed25519.PublicKeySize {
		return fmt.Errorf("register device %s: %w: key is %d bytes, ed25519 keys have %d", device, iog.ErrInvalid, len(key), ed25519.PublicKeySize)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.keys[device]; ok && !old.Equal(key) {
		return fmt.Errorf("register device %s: %w: it already has another key", device, iog.ErrConflict)
	}
	r.keys[device] = slices.Clone(key)
	return nil
}

// Rent records a rental. A rental with no devices, no renter or an expiry
// not after now is iog.ErrInvalid; a cluster already rented is
// iog.ErrConflict.
func (r *Rentals) Rent(rental Rental) error {
	if _, err := iog.ParseClusterID(string(rental.Cluster)); err != nil {
		return fmt.Errorf("rent: %w", err)
	}
	if rental.Renter.IsZero() || len(rental.Devices) == 0 {
		return fmt.Errorf("rent cluster %s: %w: a rental needs a renter and at least one device", rental.Cluster, iog.ErrInvalid)
	}
	for _, d := range rental.Devices {
		if _, err := iog.ParseDeviceID(string(d)); err != nil {
			return fmt.Errorf("rent cluster %s: %w", rental.Cluster, err)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := r.clock.Now(); !rental.Expires.After(now) {
		return fmt.Errorf("rent cluster %s: %w: expiry %s is not after now (%s)", rental.Cluster, iog.ErrInvalid, rental.Expires.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	if _, ok := r.rentals[rental.Cluster]; ok {
		return fmt.Errorf("rent cluster %s: %w: it is already rented", rental.Cluster, iog.ErrConflict)
	}
	rental.Devices = slices.Clone(rental.Devices)
	r.rentals[rental.Cluster] = rental
	for _, d := range rental.Devices {
		r.byDevice[d] = append(r.byDevice[d], rental.Cluster)
	}
	return nil
}

// End removes a rental; an unknown cluster is iog.ErrNotFound. A relay
// closes the streams open under it at its next check (RelayConfig.Recheck
// later at the most).
func (r *Rentals) End(cluster iog.ClusterID) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	rental, ok := r.rentals[cluster]
	if !ok {
		return fmt.Errorf("end rental of cluster %s: %w", cluster, iog.ErrNotFound)
	}
	delete(r.rentals, cluster)
	for _, d := range rental.Devices {
		r.byDevice[d] = slices.DeleteFunc(r.byDevice[d], func(c iog.ClusterID) bool { return c == cluster })
		if len(r.byDevice[d]) == 0 {
			delete(r.byDevice, d)
		}
	}
	return nil
}

// AdmitWorker implements Authorizer.
func (r *Rentals) AdmitWorker(device iog.DeviceID, key ed25519.PublicKey) error {
	r.mu.Lock()
	want, ok := r.keys[device]
	r.mu.Unlock()
	if !ok {
		return fmt.Errorf("worker for device %s: %w: the device is not registered", device, iog.ErrNotFound)
	}
	if len(key) != len(want) || subtle.ConstantTimeCompare(key, want) != 1 {
		return fmt.Errorf("worker for device %s: %w: the key is not the device's", device, iog.ErrUnauthorized)
	}
	return nil
}

// AllowDial implements Authorizer.
func (r *Rentals) AllowDial(wallet iog.WalletAddress, device iog.DeviceID, port uint16) (time.Time, error) {
	until, err := r.latest(device, func(rt Rental) bool { return rt.Renter == wallet })
	if err != nil {
		return time.Time{}, fmt.Errorf("wallet %s to device %s port %d: %w", wallet, device, port, err)
	}
	return until, nil
}

// AllowPeer implements Authorizer.
func (r *Rentals) AllowPeer(from, to iog.DeviceID) (time.Time, error) {
	until, err := r.latest(to, func(rt Rental) bool { return slices.Contains(rt.Devices, from) })
	if err != nil {
		return time.Time{}, fmt.Errorf("mesh link from device %s to %s: %w", from, to, err)
	}
	return until, nil
}

// latest returns the latest expiry among device's rentals that match; it
// fails with ErrExpired when all of those have ended, ErrForbidden when
// there are none.
func (r *Rentals) latest(device iog.DeviceID, match func(Rental) bool) (time.Time, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.clock.Now()
	var until time.Time
	found := false
	for _, c := range r.byDevice[device] {
		rt := r.rentals[c]
		if !match(rt) {
			continue
		}
		found = true
		if rt.Expires.After(now) && rt.Expires.After(until) {
			until = rt.Expires
		}
	}
	switch {
	case !found:
		return time.Time{}, fmt.Errorf("%w: no rental covers it", iog.ErrForbidden)
	case until.IsZero():
		return time.Time{}, fmt.Errorf("%w: the rental has ended", iog.ErrExpired)
	}
	return until, nil
}
