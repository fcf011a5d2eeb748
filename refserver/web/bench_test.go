package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// pageLoad is what a page's load cost: its first contentful paint and the
// bytes it transferred (the document and every resource: a resource
// the browser had cached counts its encoded size, as a first visit's).
type pageLoad struct {
	FCP   float64 `json:"fcp"`
	Bytes float64 `json:"bytes"`
}

const measure = `(() => {
  const fcp = performance.getEntriesByType("paint").find(e => e.name === "first-contentful-paint");
  const nav = performance.getEntriesByType("navigation")[0];
  const bytes = [nav, ...performance.getEntriesByType("resource")].reduce((n, e) => n + (e.transferSize || e.encodedBodySize), 0);
  return { fcp: fcp ? fcp.startTime : -1, bytes };
})()`

// BenchmarkPages loads each page in Chromium and reports the first
// contentful paint and the bytes transferred: the public pages as a
// stranger, and the worker dashboard and the account page signed in as a
// supplier.
func BenchmarkPages(b *testing.B) {
	all := pages()
	for _, name := range []string{"worker", "account"} {
		all[name] = "/" + name
	}
	for name, path := range all {
		b.Run(name, func(b *testing.B) {
			ctx := browser(b)
			if name == "worker" || name == "account" || name == "rent" {
				signIn(b, ctx)
			}
			require.NoError(b, chromedp.Do(ctx, chromedp.Navigate(network.url+"/signin")))
			var fcp, bytes float64
			for b.Loop() {
				require.NoError(b, chromedp.Do(ctx, chromedp.Navigate(network.url+path)))
				m, err := chromedp.Run(ctx, chromedp.Poll[pageLoad](`(() => { const m = `+measure+`; return m.fcp >= 0 ? m : false })()`))
				require.NoError(b, err)
				fcp += m.FCP
				bytes += m.Bytes
			}
			b.ReportMetric(fcp/float64(b.N), "ms-fcp")
			b.ReportMetric(bytes/float64(b.N), "bytes/page")
		})
	}
}
