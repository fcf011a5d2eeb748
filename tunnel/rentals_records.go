package tunnel

import (
	"crypto/ed25519"
	"fmt"
	"maps"
	"slices"

	"github.com/internetofgpus/iog"
)

// DeviceRecord is a device's key as Rentals keeps it, for a server to save
// (Rentals.Device) and restore (Rentals.Restore).
type DeviceRecord struct {
	Device iog.DeviceID      `json:"device"`
	Key    ed25519.PublicKey `json:"key"`
}

// Device returns device's record, and false for a device with no key.
func (r *Rentals) Device(device iog.DeviceID) (DeviceRecord, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	key, ok := r.keys[device]
	if !ok {
		return DeviceRecord{}, false
	}
	return DeviceRecord{Device: device, Key: slices.Clone(key)}, true
}

// Rental returns the rental of cluster, ended by its expiry or not, and
// false when there is none (never rented, or End removed it).
func (r *Rentals) Rental(cluster iog.ClusterID) (Rental, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rental, ok := r.rentals[cluster]
	rental.Devices = slices.Clone(rental.Devices)
	return rental, ok
}

// Records returns every device's record, by device ID, and every rental,
// by cluster ID.
func (r *Rentals) Records() ([]DeviceRecord, []Rental) {
	r.mu.Lock()
	defer r.mu.Unlock()
	devices := make([]DeviceRecord, 0, len(r.keys))
	for _, id := range slices.Sorted(maps.Keys(r.keys)) {
		devices = append(devices, DeviceRecord{Device: id, Key: slices.Clone(r.keys[id])})
	}
	rentals := make([]Rental, 0, len(r.rentals))
	for _, c := range slices.Sorted(maps.Keys(r.rentals)) {
		rental := r.rentals[c]
		rental.Devices = slices.Clone(rental.Devices)
		rentals = append(rentals, rental)
	}
	return devices, rentals
}

// Restore rebuilds devices and rentals into Rentals that hold none, as
// NewRentals returns them. It restores all or nothing: Rentals that hold
// any is iog.ErrConflict; a record RegisterDevice or Rent would refuse
// (except for a rental's expiry, which may have passed: such a rental
// answers iog.ErrExpired until End), or two records of one device or
// cluster, is iog.ErrInvalid.
func (r *Rentals) Restore(devices []DeviceRecord, rentals []Rental) error {
	keys := make(map[iog.DeviceID]ed25519.PublicKey, len(devices))
	for i, d := range devices {
		if err := checkDeviceKey(d.Device, d.Key); err != nil {
			return fmt.Errorf("restore rentals: device record %d: %w", i, err)
		}
		if _, dup := keys[d.Device]; dup {
			return fmt.Errorf("restore rentals: device %s: %w: two records", d.Device, iog.ErrInvalid)
		}
		keys[d.Device] = slices.Clone(d.Key)
	}
	seen := make(map[iog.ClusterID]bool, len(rentals))
	for i, rt := range rentals {
		if err := checkRental(rt); err != nil {
			return fmt.Errorf("restore rentals: rental %d: %w", i, err)
		}
		if seen[rt.Cluster] {
			return fmt.Errorf("restore rentals: cluster %s: %w: two rentals", rt.Cluster, iog.ErrInvalid)
		}
		seen[rt.Cluster] = true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.keys) > 0 || len(r.rentals) > 0 {
		return fmt.Errorf("restore rentals: %w: it holds %d devices and %d rentals", iog.ErrConflict, len(r.keys), len(r.rentals))
	}
	r.keys = keys
	for _, rt := range rentals {
		r.addLocked(rt)
	}
	return nil
}
