package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog/iogsdk/api"
)

// TestSupplier runs a supplier's commands against a test server: its
// devices, stake, a co-stake, earnings, a withdrawal, the explorer.
func TestSupplier(t *testing.T) {
	n := startNetwork(t)
	s, dev := supplierUser(t, n, "RTX-4090", 1)
	id := string(dev.ID)

	var list api.DeviceList
	s.okJSON(&list, "device", "list")
	require.Len(t, list.Devices, 1)
	require.Equal(t, dev.ID, list.Devices[0].ID)
	var d api.Device
	s.okJSON(&d, "device", "rename", id, "rack 1")
	require.Equal(t, "rack 1", d.Name)
	require.Regexp(t, `(?m)^`+id+`\s+rack 1\s+active\s+1× RTX-4090\s+US/Virginia\s+true`, s.ok("device", "list"))

	var st api.DeviceStake
	s.okJSON(&st, "stake", id)
	require.True(t, st.Meets, "stake with no amount stakes what the hardware requires")
	var w walletShowOut
	s.okJSON(&w, "wallet", "show")
	require.Equal(t, st.Required, w.Stakes.Active)
	var un api.UnstakeResponse
	s.okJSON(&un, "unstake", id, "10")
	require.Equal(t, "10 IO", un.Cooldown.Amount.String())
	r := s.run("unstake", "--claim")
	require.Equal(t, exitNotFound, r.code, "no cooldown has run: %s", r.stderr)

	backer := newUser(t, n.url).funded()
	r = backer.run("stake", id, "100")
	require.Equal(t, exitRefused, r.code)
	require.Contains(t, r.stderr, "iog costake")
	var co api.DeviceStake
	backer.okJSON(&co, "costake", id, "100 IO")
	require.Len(t, co.Positions, 2)

	var e api.Earnings
	s.okJSON(&e, "earnings")
	require.NotEmpty(t, e.Totals)
	var wd api.Withdrawal
	s.okJSON(&wd, "withdraw", "5 USDC", "--to", w.Address.String())
	require.Equal(t, api.WithdrawalPending, wd.Status)
	var wl api.WithdrawalList
	s.okJSON(&wl, "withdraw", "--list")
	require.Len(t, wl.Withdrawals, 1)
	r = s.run("withdraw", "5", "--to", w.Address.String(), "--wait", "--timeout", "1s")
	require.Equal(t, exitTimeout, r.code, r.stderr)
	require.Contains(t, r.stderr, "still pending")

	var sum summary
	s.okJSON(&sum, "explorer", "--prices")
	require.Equal(t, 1, sum.Devices.Devices)
	require.Equal(t, 1, sum.Suppliers, "the owner of the device; its co-staker supplies none")
	require.NotEmpty(t, sum.Prices.Rows)

	var sims []simResult
	s.okJSON(&sims, "sim", "--nodes", "20", "--tasks", "100")
	require.Len(t, sims, 2)
	require.Equal(t, 100, sims[0].Tasks)
	require.True(t, strings.HasPrefix(s.ok("sim", "--nodes", "20", "--tasks", "100", "--policy", "spread"), "POLICY "))

	s.okJSON(&d, "device", "remove", id)
	require.Equal(t, api.DeviceRemoved, d.State)
}
