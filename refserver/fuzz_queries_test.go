package refserver_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog/internal/sqltest"
	"github.com/internetofgpus/iog/refserver"
)

// FuzzPublicQueries sends arbitrary query strings to every public GET
// route with parameters in the query (the explorer's filters, cursors,
// times and day counts): the server never fails (500) or panics on them.
func FuzzPublicQueries(f *testing.F) {
	e := newEnv(f, sqltest.Dialects[0], withFaucet, func(c *refserver.Config) { c.Limits.PerIP, c.Limits.Burst = 1e9, 1e9 })
	alice := newSupplier(f, e, 1, "H100-SXM", 1)
	device := alice.register(f)
	var doc struct {
		Paths map[string]map[string]struct {
			Security   []any `json:"security"`
			Parameters []struct {
				In string `json:"in"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	require.NoError(f, json.Unmarshal(refserver.OpenAPI(), &doc))
	var routes []string
	for path, ops := range doc.Paths {
		op, ok := ops["get"]
		if !ok || len(op.Security) > 0 {
			continue
		}
		for _, p := range op.Parameters {
			if p.In == "query" {
				routes = append(routes, path)
				break
			}
		}
	}
	sort.Strings(routes)
	for i := range routes {
		for _, seed := range []string{"", "wallet=x", "device=" + string(device.ID), "since=2026-06-01T00:00:00Z", "since=%", "days=90", "days=-1", "after=a&before=1&limit=0", "owner=1111"} {
			f.Add(uint8(i), seed)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, query string) {
		route := routes[int(which)%len(routes)]
		// As a client sends it: the query's values encoded.
		if v, err := url.ParseQuery(query); err == nil {
			query = v.Encode()
		} else {
			query = url.QueryEscape(query)
		}
		path := strings.NewReplacer("{id}", string(device.ID), "{wallet}", walletOf(alice.key).String(), "{number}", "1").Replace(route)
		e.t = t
		status, _, data := e.raw("GET", path+"?"+query, nil, nil)
		require.NotEqual(t, http.StatusInternalServerError, status, "%s?%s: %s", path, query, data)
	})
}
