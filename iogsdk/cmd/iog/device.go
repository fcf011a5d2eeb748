package main

import (
	"crypto/ed25519"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
)

func (a *app) deviceCmd() *cobra.Command {
	c := &cobra.Command{
		Use:     "device",
		Aliases: []string{"devices"},
		Short:   "List, rename and remove the wallet's devices",
		Long: `A device is a machine a worker (iog worker run) registered for the wallet.
list shows the wallet's devices, or any wallet's with --owner, or every
device with --all.`,
		Example: `  iog device list
  iog device list --all --model H100-SXM --state active
  iog device rename d-0123 "rack 4 node 2"
  iog device remove d-0123`,
	}
	c.AddCommand(a.deviceListCmd(), a.deviceRenameCmd(), a.deviceRemoveCmd())
	return c
}

func (a *app) deviceListCmd() *cobra.Command {
	var all bool
	var owner, state, model string
	c := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List devices: the wallet's, --owner's, or --all",
		Example: `  iog device list
  iog device list --all --state active --json`,
		Args: args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := iogsdk.DeviceQuery{State: api.DeviceState(state), Model: model}
			switch {
			case owner != "":
				w, err := parseWallet(owner)
				if err != nil {
					return err
				}
				q.Owner = w
			case !all:
				key, err := a.wallet()
				if err != nil {
					return err
				}
				q.Owner, _ = iog.WalletAddressOf(key.Public().(ed25519.PublicKey))
			}
			c, err := a.client(false)
			if err != nil {
				return err
			}
			var list api.DeviceList
			for {
				p, err := c.Devices(cmd.Context(), q)
				if err != nil {
					return fmt.Errorf("device list: %w", err)
				}
				list.Devices = append(list.Devices, p.Devices...)
				if q.After = p.Next; q.After == "" {
					break
				}
			}
			return a.show(list, func(w io.Writer, color bool) error { return deviceTable(list.Devices).write(w, color) })
		},
	}
	f := c.Flags()
	f.BoolVar(&all, "all", false, "every device of the network")
	f.StringVar(&owner, "owner", "", "the devices of this wallet address")
	f.StringVar(&state, "state", "", "only devices in this state: pending, active, removed or blocked")
	f.StringVar(&model, "model", "", "only devices of this GPU model")
	return c
}

func deviceTable(ds []api.Device) *table {
	t := newTable("ID", "NAME", "STATE", "GPUS", "LOCATION", "UP", "TRUST", "SCHEDULABLE")
	t.status, t.paint = 2, paintDevice
	for _, d := range ds {
		gpus := "-"
		if d.GPUCount > 0 {
			gpus = fmt.Sprintf("%d× %s", d.GPUCount, orDash(d.Model))
		}
		t.row(string(d.ID), orDash(d.Name), string(d.State), gpus, orDash(d.Location), strconv.FormatBool(d.Up), strconv.Itoa(int(d.Trust)), strconv.FormatBool(d.Readiness.Schedulable))
	}
	return t
}

func paintDevice(s string) string {
	switch api.DeviceState(s) {
	case api.DeviceActive:
		return paint(green, s)
	case api.DevicePending:
		return paint(yellow, s)
	case api.DeviceBlocked:
		return paint(red, s)
	}
	return paint(gray, s)
}

// onDevice applies op to one of the wallet's devices and shows the result.
func (a *app) onDevice(cmd *cobra.Command, arg string, op func(*iogsdk.Client, iog.DeviceID) (api.Device, error)) error {
	id, err := parseDevice(arg)
	if err != nil {
		return err
	}
	c, err := a.client(true)
	if err != nil {
		return err
	}
	d, err := op(c, id)
	if err != nil {
		return fmt.Errorf("device %s: %w", id, err)
	}
	return a.show(d, func(w io.Writer, color bool) error { return deviceTable([]api.Device{d}).write(w, color) })
}

func (a *app) deviceRenameCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "rename DEVICE NAME",
		Short:   "Rename one of the wallet's devices",
		Example: `  iog device rename d-0123 "rack 4 node 2"`,
		Args:    args(2, 2),
		RunE: func(cmd *cobra.Command, argv []string) error {
			return a.onDevice(cmd, argv[0], func(c *iogsdk.Client, id iog.DeviceID) (api.Device, error) {
				return c.RenameDevice(cmd.Context(), id, argv[1])
			})
		},
	}
}

func (a *app) deviceRemoveCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "remove DEVICE",
		Aliases: []string{"rm"},
		Short:   "Remove one of the wallet's devices from the network",
		Example: `  iog device remove d-0123`,
		Args:    args(1, 1),
		RunE: func(cmd *cobra.Command, argv []string) error {
			return a.onDevice(cmd, argv[0], func(c *iogsdk.Client, id iog.DeviceID) (api.Device, error) {
				return c.RemoveDevice(cmd.Context(), id)
			})
		},
	}
}
