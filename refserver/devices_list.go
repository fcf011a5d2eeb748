package refserver

import (
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
)

// maxDevicePage bounds a page of a device listing.
const maxDevicePage = 500

// getDevice answers a device's public view.
func (s *Server) getDevice(c *call) (any, error) {
	id, err := iog.ParseDeviceID(c.param("id"))
	if err != nil {
		return nil, err
	}
	var d store.DeviceView
	err = c.read(func(tx *store.Tx) error {
		d, err = tx.DeviceView(id, c.now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.publicDevice(d, c.now), nil
}

// listDevices answers a page of devices' public views, by ID, filtered by
// state, model and owner.
func (s *Server) listDevices(c *call) (any, error) {
	q := c.r.URL.Query()
	f := store.DeviceFilter{State: q.Get("state"), Model: q.Get("model"), Limit: maxDevicePage}
	if st := api.DeviceState(f.State); st != "" && st != api.DevicePending && st != api.DeviceActive && st != api.DeviceRemoved && st != api.DeviceBlocked {
		return nil, fmt.Errorf("state %q: want pending, active, removed or blocked: %w", clip(f.State), iog.ErrInvalid)
	}
	if a := q.Get("after"); a != "" {
		id, err := iog.ParseDeviceID(a)
		if err != nil {
			return nil, fmt.Errorf("after: %w", err)
		}
		f.After = id
	}
	if o := q.Get("owner"); o != "" {
		w, err := iog.ParseWalletAddress(o)
		if err != nil {
			return nil, err
		}
		f.Owner = w
	}
	var devices []store.DeviceView
	err := c.read(func(tx *store.Tx) error {
		var err error
		devices, err = tx.DeviceViews(f, c.now)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := api.DeviceList{Devices: []api.Device{}}
	for _, d := range devices {
		out.Devices = append(out.Devices, s.publicDevice(d, c.now))
	}
	if len(devices) == maxDevicePage {
		out.Next = string(devices[len(devices)-1].ID)
	}
	return out, nil
}

// publicDevice is a device's public view as the API shows it, with its
// readiness at now.
func (s *Server) publicDevice(d store.DeviceView, now time.Time) api.Device {
	pd := api.Device{
		ID: d.ID, Owner: d.Owner, Name: d.Name, State: api.DeviceState(d.State), Model: d.Model, GPUCount: d.GPUCount,
		Location: d.Location.String(), Registered: d.Registered, Up: d.Up, Trust: uint16(d.Trust),
		Bandwidth: api.Bandwidth{DownBytesPerSec: d.Bandwidth.DownBytesPerSec, UpBytesPerSec: d.Bandwidth.UpBytesPerSec},
		Readiness: s.readinessOf(d, now),
	}
	if !d.LastSeen.IsZero() {
		seen := d.LastSeen
		pd.LastSeen = &seen
	}
	if !d.BlockedAt.IsZero() {
		at := d.BlockedAt
		pd.BlockedReason, pd.BlockedAt = d.BlockedReason, &at
	}
	return pd
}
