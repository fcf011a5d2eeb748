package web_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog/iogsdk/api"
)

// signIn signs in as the supplier from the sign-in page, with its
// keypair file as a person picks it, and lands on the worker dashboard.
func signIn(t testing.TB, ctx context.Context) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "supplier.json")
	nums := make([]int, 64)
	for i, b := range network.supplierKey {
		nums[i] = int(b)
	}
	data, err := json.Marshal(nums)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, data, 0o600))
	require.NoError(t, load(ctx, "/signin"))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#keypair"), []string{file}),
		chromedp.Click(chromedp.CSS(`#signin-file button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-field="device-name"]`))))
}

// TestSupplierSignsInAndRenames signs in with a supplier's keypair file,
// as a person picks it, sees the dashboard the API's figures, and renames
// a device.
func TestSupplierSignsInAndRenames(t *testing.T) {
	ctx := browser(t)
	signIn(t, ctx)
	screenshot(t, ctx, "worker")

	bg := context.Background()
	dev := network.devices[0]
	health, err := network.supplier.DeviceHealth(bg, dev)
	require.NoError(t, err)
	proofs, err := text(ctx, `[data-field="proofs"]`)
	require.NoError(t, err)
	// Proofs keep coming; the page's are at most the API's now.
	passed, err := strconv.Atoi(strings.Fields(proofs)[0])
	require.NoError(t, err)
	require.LessOrEqual(t, passed, health.Proofs.Passed)

	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`form.rename[data-device="`+string(dev)+`"] input[name="name"]`), "renamed rig"),
		chromedp.Click(chromedp.CSS(`form.rename[data-device="`+string(dev)+`"] button`))))
	_, err = until(bg, func() (api.Device, bool, error) {
		d, err := network.public.Device(bg, dev)
		return d, err == nil && d.Name == "renamed rig", err
	})
	require.NoError(t, err)
	_, err = network.supplier.Faucet(bg)
	require.NoError(t, err)
	acct, err := network.supplier.Account(bg, network.supplier.Wallet())
	require.NoError(t, err)
	require.NoError(t, load(ctx, "/account"))
	screenshot(t, ctx, "account")
	for _, b := range acct.Balances {
		shown, err := text(ctx, `[data-field="available-`+b.Currency.String()+`"]`)
		require.NoError(t, err)
		require.Equal(t, amount(b.Available), shown, "%s available", b.Currency)
	}

	// The supplier rents too: a cluster deployed from the form appears
	// on the account page, as the API has it.
	require.NoError(t, load(ctx, "/rent"))
	screenshot(t, ctx, "rent")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#rent input[name="name"]`), "from the form"),
		chromedp.Click(chromedp.CSS(`#rent button[value="deploy"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-field="cluster-name"]`))))
	mine, err := network.supplier.Clusters(bg, "")
	require.NoError(t, err)
	require.NotEmpty(t, mine.Clusters)
	require.Equal(t, "from the form", mine.Clusters[0].Name)
	shown, err := text(ctx, `#cluster-`+string(mine.Clusters[0].ID)+` [data-field="cluster-name"]`)
	require.NoError(t, err)
	require.Equal(t, "from the form", shown)

	require.NoError(t, load(ctx, "/devices/"+string(dev)))
	name, err := text(ctx, `[data-field="name"]`)
	require.NoError(t, err)
	require.Equal(t, "renamed rig", name)
}
