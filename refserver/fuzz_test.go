package refserver_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog/internal/sqltest"
	"github.com/internetofgpus/iog/refserver"
)

// bodyRoutes are the documented operations that take a request body, as
// "METHOD /path", sorted.
func bodyRoutes(t testing.TB) []string {
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody *json.RawMessage `json:"requestBody"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(refserver.OpenAPI(), &doc))
	var out []string
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if op.RequestBody != nil {
				out = append(out, strings.ToUpper(method)+" "+path)
			}
		}
	}
	sort.Strings(out)
	return out
}

// FuzzRequestBodies sends arbitrary bodies, signed by a wallet that owns a
// device, to every route that takes one: the server never fails (5xx) or
// panics on them, and a refused body changes nothing (no audit row, no
// ledger entry).
func FuzzRequestBodies(f *testing.F) {
	e := newEnv(f, sqltest.Dialects[0], func(c *refserver.Config) { c.Faucet = true })
	alice := newSupplier(f, e, 1, "H100-SXM", 1)
	device := alice.register(f)
	routes := bodyRoutes(f)
	for i := range routes {
		for _, seed := range []string{`{}`, `{"name":"x"}`, `[]`, `null`, `{"name":"rig","tunnel_key":"AAAA","location":"US","bandwidth":{}}`, `{"answers":["AAAA"]}`, `{"report":"AAAA"}`, `{"gpu_model":"H100","gpu_count":1,"hours":1}`,
			`{"wallet":"` + walletOf(alice.key).String() + `"}`, `{"wallet":"` + walletOf(alice.key).String() + `","nonce":"nonce-0123456789abcdef","signature":"` + strings.Repeat("A", 86) + `=="}`} {
			f.Add(uint8(i), []byte(seed))
		}
	}
	nonce := 0
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		route := routes[int(which)%len(routes)]
		method, path, _ := strings.Cut(route, " ")
		path = strings.ReplaceAll(path, "{id}", string(device.ID))
		path = strings.ReplaceAll(path, "{wallet}", walletOf(alice.key).String())
		e.t = t
		before := auditRows(t, e)
		nonce++
		status, _, data := e.raw(method, path, body, func(r *http.Request) {
			signWith(alice.key, body, e.clock.Now(), fmt.Sprintf("fuzz-nonce-%012d", nonce))(r)
		})
		require.Less(t, status, 500, "%s with %q: %s", route, body, data)
		if status >= 400 {
			require.Equal(t, before, auditRows(t, e), "%s refused %q but acted", route, body)
		}
	})
}

// auditRows counts the audit log and the ledger's entries.
func auditRows(t *testing.T, e *env) [2]int {
	var n [2]int
	db := e.server.Store().DB()
	require.NoError(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_log").Scan(&n[0]))
	require.NoError(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM ledger_entries").Scan(&n[1]))
	return n
}
