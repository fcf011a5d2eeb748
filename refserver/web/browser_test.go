package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// amount is an amount as the pages write it.
func amount(a iog.Amount) string {
	return a.RoundedDecimal(2, iog.RoundHalfEven) + " " + a.Currency().String()
}

// load opens path and waits for its heading.
func load(ctx context.Context, path string) error {
	return chromedp.Do(ctx, chromedp.Navigate(network.url+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
}

// text reads the text of the first element sel matches.
func text(ctx context.Context, sel string) (string, error) {
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	return strings.TrimSpace(s), err
}

// screenshot saves the page's full screenshot as name.png in the test's
// artifacts.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(t.ArtifactDir(), name+".png"), png, 0o644))
}

// settled reads what the API says (before and after the page loads) and
// what the page shows, until the API did not change meanwhile: a figure of
// a network whose epochs run as the test reads is then the page's.
func settled(t *testing.T, ctx context.Context, path, sel string, fromAPI func() (string, error)) (page, api string) {
	t.Helper()
	for range 5 {
		before, err := fromAPI()
		require.NoError(t, err)
		require.NoError(t, load(ctx, path))
		page, err = text(ctx, sel)
		require.NoError(t, err)
		after, err := fromAPI()
		require.NoError(t, err)
		if before == after {
			return page, after
		}
	}
	t.Fatalf("%s: the API kept changing under the page", path)
	return "", ""
}

func TestPagesShowTheAPI(t *testing.T) {
	ctx := browser(t)
	bg := context.Background()
	supply := func(f func(s apiSupply) iog.Amount) func() (string, error) {
		return func() (string, error) {
			s, err := network.public.Supply(bg)
			return amount(f(apiSupply{s.Total, s.Circulating, s.Burned})), err
		}
	}
	for _, tc := range []struct {
		name, path, sel string
		api             func() (string, error)
	}{
		{"home total", "/", `#supply [data-field="total"]`, supply(func(s apiSupply) iog.Amount { return s.total })},
		{"home circulating", "/", `#supply [data-field="circulating"]`, supply(func(s apiSupply) iog.Amount { return s.circulating })},
		{"home burned", "/", `#supply [data-field="burned"]`, supply(func(s apiSupply) iog.Amount { return s.burned })},
		{"home devices", "/", `[data-field="devices"]`, func() (string, error) {
			s, err := network.public.DeviceStats(bg)
			return strconv.Itoa(s.Devices), err
		}},
		{"home suppliers", "/", `[data-field="suppliers"]`, func() (string, error) {
			s, err := network.public.Suppliers(bg, iogsdk.Page{})
			return strconv.Itoa(s.Total), err
		}},
		{"home latest block", "/", `[data-live="/fragments/blocks"] tbody tr td`, func() (string, error) {
			b, err := network.public.Blocks(bg, iogsdk.Page{Limit: 1})
			if err != nil || len(b.Blocks) == 0 {
				return "", err
			}
			return fmt.Sprintf("#%d", b.Blocks[0].Number), nil
		}},
		{"device name", "/devices/" + string(network.devices[0]), `[data-field="name"]`, func() (string, error) {
			d, err := network.public.Device(bg, network.devices[0])
			return d.Name, err
		}},
		{"device stake", "/devices/" + string(network.devices[0]), `[data-field="stake"]`, func() (string, error) {
			s, err := network.public.DeviceStake(bg, network.devices[0])
			return amount(s.Active), err
		}},
		{"device's owner's latest transaction", "/devices/" + string(network.devices[0]), `section[aria-labelledby="tx-h"] tbody tr td`, func() (string, error) {
			d, err := network.public.Device(bg, network.devices[0])
			if err != nil {
				return "", err
			}
			txs, err := network.public.WalletTransactions(bg, d.Owner, iogsdk.Page{Limit: 1})
			if err != nil || len(txs.Transactions) == 0 {
				return "No transaction yet.", err
			}
			return strconv.FormatUint(txs.Transactions[0].Seq, 10), nil
		}},
		{"cluster status", "/clusters/" + string(network.cluster), `[data-field="status"]`, func() (string, error) {
			c, err := network.public.PublicCluster(bg, network.cluster)
			return string(c.Status), err
		}},
		{"block emission", "/blocks/1", `[data-field="emission"]`, func() (string, error) {
			b, err := network.public.Block(bg, 1, iogsdk.Page{})
			return amount(b.Block.Emission), err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, api := settled(t, ctx, tc.path, tc.sel, tc.api)
			require.Equal(t, api, page)
		})
	}
	t.Run("device's bookings", func(t *testing.T) {
		c, err := until(bg, func() (api.PublicCluster, bool, error) {
			c, err := network.public.PublicCluster(bg, network.cluster)
			return c, err == nil && len(c.Devices) > 0, err
		})
		require.NoError(t, err)
		host := c.Devices[0]
		page, latest := settled(t, ctx, "/devices/"+string(host), `section[aria-labelledby="book-h"] tbody tr td`, func() (string, error) {
			list, err := network.public.DeviceBookings(bg, host, "", "")
			if err != nil || len(list.Clusters) == 0 {
				return "", err
			}
			return string(list.Clusters[0].ID), nil
		})
		require.Greater(t, len(latest), 14, "the device has a booking, its cluster's ID")
		require.Equal(t, latest[:6]+"…"+latest[len(latest)-6:], page, "the latest cluster placed on it, shortened")
	})
}

type apiSupply struct{ total, circulating, burned iog.Amount }

// pages are every kind of page, by name, for the screenshots and the
// benchmark.
func pages() map[string]string {
	return map[string]string{
		"home":     "/",
		"devices":  "/devices",
		"device":   "/devices/" + string(network.devices[0]),
		"clusters": "/clusters",
		"cluster":  "/clusters/" + string(network.cluster),
		"block":    "/blocks/1",
		"signin":   "/signin",
		"rent":     "/rent",
	}
}

func TestScreenshots(t *testing.T) {
	ctx := browser(t)
	for name, path := range pages() {
		require.NoError(t, load(ctx, path), name)
		screenshot(t, ctx, name)
	}
	require.NoError(t, load(ctx, "/"))
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(".chart canvas"))), "the emission curve is drawn")
}

func TestPhoneWidth(t *testing.T) {
	ctx := browser(t)
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)))
	for name, path := range pages() {
		require.NoError(t, load(ctx, path), name)
		width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		require.NoError(t, err)
		require.LessOrEqual(t, width, 390, "%s scrolls sideways at a phone's width", name)
		if name == "home" {
			screenshot(t, ctx, "home-390px")
		}
	}
}

func TestLiveBlocks(t *testing.T) {
	ctx := browser(t)
	require.NoError(t, load(ctx, "/"))
	first, err := text(ctx, `[data-live="/fragments/blocks"] tbody tr td`)
	require.NoError(t, err)
	// Epochs last 2 s and the page polls every 5 s: a newer block shows
	// without a reload.
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(
		`document.querySelector('[data-live="/fragments/blocks"] tbody tr td').textContent.trim() !== %q`, first)))
	require.NoError(t, err)
}

var externalURL = regexp.MustCompile(`https?://[^\s"'<>)]+`)

// TestStrangerSeesNothingPrivate crawls every page a stranger reaches from
// home, with each response it fetched, and checks that none holds a
// secret of the demo or names another host.
func TestStrangerSeesNothingPrivate(t *testing.T) {
	ctx := browser(t)
	seen := map[string]bool{"/": true}
	queue := []string{"/"}
	fetched := map[string]bool{}
	for len(queue) > 0 && len(seen) < 80 {
		path := queue[0]
		queue = queue[1:]
		require.NoError(t, load(ctx, path), path)
		links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("a[href]")].map(a => a.href)`))
		require.NoError(t, err)
		resources, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[location.href, ...performance.getEntriesByType("resource").map(e => e.name)]`))
		require.NoError(t, err)
		for _, u := range resources {
			if !fetched[u] {
				fetched[u] = true
				checkResponse(t, u)
			}
		}
		for _, l := range links {
			u, err := url.Parse(l)
			require.NoError(t, err)
			if "http://"+u.Host != network.url || strings.HasPrefix(u.Path, "/v1/") || seen[u.Path] {
				continue
			}
			seen[u.Path] = true
			queue = append(queue, u.RequestURI())
		}
	}
	require.Greater(t, len(seen), 6, "the crawl reached every kind of page")
	for _, path := range []string{"/fragments/blocks", "/fragments/transactions", "/fragments/devices/" + string(network.devices[0])} {
		checkResponse(t, network.url+path)
	}
}

// checkResponse fetches u and checks its body holds no secret and no URL
// of another host.
func checkResponse(t *testing.T, u string) {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	for _, s := range network.secrets {
		require.NotContains(t, string(body), s, "%s shows a secret", u)
	}
	require.True(t, strings.HasPrefix(u, network.url+"/"), "a page loads %s, of another host", u)
	// The vendored libraries' comments cite their references; they load
	// nothing (the check above), and every file of ours names no host.
	if strings.Contains(u, "/static/vendor/") {
		return
	}
	for _, m := range externalURL.FindAllString(string(body), -1) {
		require.True(t, strings.HasPrefix(m, network.url), "%s names another host: %s", u, m)
	}
}
