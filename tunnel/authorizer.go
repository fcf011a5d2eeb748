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

// Rental is an engineer's hold on a cluster's devices until Expires. It is
// also the record of a rental that a server saves (Rentals.Rental) and
// restores (Rentals.Restore).
type Rental struct {
	// Cluster names the rental; one cluster is rented once at a time.
	Cluster iog.ClusterID `json:"cluster"`
	// Renter is the wallet that may reach the devices.
	Renter iog.WalletAddress `json:"renter"`
	// Devices are the cluster's devices: the renter reaches them, and
	// they may link to each other in a Mesh.
	Devices []iog.DeviceID `json:"devices"`
	// Expires is when the rental ends, on the Rentals' clock.
	Expires time.Time `json:"expires"`
}

// RentalsConfig configures Rentals. The zero value means the defaults
// documented on each field.
type RentalsConfig struct {
	// Clock times the rentals' expiry; nil means iog.SystemClock.
	Clock iog.Clock
}

// Rentals is an in-memory Authorizer: device keys registered by their
// workers, and rentals keyed by cluster, timed by a Clock. Its state is
// a DeviceRecord a device and a Rental a cluster (see Records and
// Restore). The zero value is not usable; create one with NewRentals.
type Rentals struct {
	clock iog.Clock

	mu       sync.Mutex
	keys     map[iog.DeviceID]ed25519.PublicKey
	rentals  map[iog.ClusterID]Rental
	byDevice map[iog.DeviceID][]iog.ClusterID
}

var _ Authorizer = (*Rentals)(nil)

// NewRentals returns an empty Rentals with cfg.
func NewRentals(cfg RentalsConfig) *Rentals {
	if cfg.Clock == nil {
		cfg.Clock = iog.SystemClock
	}
	return &Rentals{
		clock:    cfg.Clock,
		keys:     make(map[iog.DeviceID]ed25519.PublicKey),
		rentals:  make(map[iog.ClusterID]Rental),
		byDevice: make(map[iog.DeviceID][]iog.ClusterID),
	}
}

// RegisterDevice records key as device's key. Registering a different key
// for a device that has one is iog.ErrConflict.
func (r *Rentals) RegisterDevice(device iog.DeviceID, key ed25519.PublicKey) error {
	if err := checkDeviceKey(device, key); err != nil {
		return fmt.Errorf("register device: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.keys[device]; ok && !old.Equal(key) {
		return fmt.Errorf("register device %s: %w: it already has another key", device, iog.ErrConflict)
	}
	r.keys[device] = slices.Clone(key)
	return nil
}

// RemoveDevice undoes RegisterDevice: it forgets device's key, so that
// its worker is refused (iog.ErrNotFound) when it next connects, and takes
// device out of every rental that lists it, ending those it was the last
// device of; it returns the clusters of those rentals, whose records
// (Rental) have changed or gone. Nobody may open a stream to device, or a
// mesh link to or from it, from then on; a relay closes the streams and
// relayed links already open at its next check (RelayConfig.Recheck
// later at the most), as when a rental ends. A worker connected at the
// time keeps its connection until it drops, with nothing to serve. A
// device Rentals knows neither by key nor by rental is iog.ErrNotFound.
func (r *Rentals) RemoveDevice(device iog.DeviceID) ([]iog.ClusterID, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, registered := r.keys[device]
	clusters := r.byDevice[device]
	if !registered && len(clusters) == 0 {
		return nil, fmt.Errorf("remove device %s: %w", device, iog.ErrNotFound)
	}
	delete(r.keys, device)
	delete(r.byDevice, device)
	for _, c := range clusters {
		rental := r.rentals[c]
		rental.Devices = slices.DeleteFunc(rental.Devices, func(d iog.DeviceID) bool { return d == device })
		if len(rental.Devices) == 0 {
			delete(r.rentals, c)
			continue
		}
		r.rentals[c] = rental
	}
	return slices.Clone(clusters), nil
}

// checkDeviceKey refuses a malformed device ID or key.
func checkDeviceKey(device iog.DeviceID, key ed25519.PublicKey) error {
	if _, err := iog.ParseDeviceID(string(device)); err != nil {
		return err
	}
	if len(key) != ed25519.PublicKeySize {
		return fmt.Errorf("device %s: %w: key is %d bytes, ed25519 keys have %d", device, iog.ErrInvalid, len(key), ed25519.PublicKeySize)
	}
	return nil
}

// checkRental refuses a rental without a well-formed cluster, a renter
// and devices, whatever its expiry.
func checkRental(rental Rental) error {
	if _, err := iog.ParseClusterID(string(rental.Cluster)); err != nil {
		return err
	}
	if rental.Renter.IsZero() || len(rental.Devices) == 0 {
		return fmt.Errorf("cluster %s: %w: a rental needs a renter and at least one device", rental.Cluster, iog.ErrInvalid)
	}
	for _, d := range rental.Devices {
		if _, err := iog.ParseDeviceID(string(d)); err != nil {
			return fmt.Errorf("cluster %s: %w", rental.Cluster, err)
		}
	}
	return nil
}

// Rent records a rental. A rental with no devices, no renter or an expiry
// not after now is iog.ErrInvalid; a cluster already rented is
// iog.ErrConflict.
func (r *Rentals) Rent(rental Rental) error {
	if err := checkRental(rental); err != nil {
		return fmt.Errorf("rent: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := r.clock.Now(); !rental.Expires.After(now) {
		return fmt.Errorf("rent cluster %s: %w: expiry %s is not after now (%s)", rental.Cluster, iog.ErrInvalid, rental.Expires.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	if _, ok := r.rentals[rental.Cluster]; ok {
		return fmt.Errorf("rent cluster %s: %w: it is already rented", rental.Cluster, iog.ErrConflict)
	}
	r.addLocked(rental)
	return nil
}

// addLocked records a checked rental, with its own copy of the devices.
func (r *Rentals) addLocked(rental Rental) {
	rental.Devices = slices.Clone(rental.Devices)
	r.rentals[rental.Cluster] = rental
	for _, d := range rental.Devices {
		if !slices.Contains(r.byDevice[d], rental.Cluster) {
			r.byDevice[d] = append(r.byDevice[d], rental.Cluster)
		}
	}
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
