package refserver

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOpenAPICoversRoutes: every route the server serves is in the
// OpenAPI document, with its summary, and every documented operation is
// served.
func TestOpenAPICoversRoutes(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			Summary  string `json:"summary"`
			Security []any  `json:"security"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(openAPIDocument, &doc))
	served := []string{"GET /v1/openapi.json", "GET /healthz", "GET /readyz", "GET /metrics"}
	s := &Server{}
	for _, rt := range s.routeTable() {
		op, ok := doc.Paths[rt.pattern][strings.ToLower(rt.method)]
		require.True(t, ok, "%s %s is not in the OpenAPI document", rt.method, rt.pattern)
		require.Equal(t, rt.summary, op.Summary, "%s %s", rt.method, rt.pattern)
		require.Equal(t, rt.access != public, len(op.Security) > 0, "%s %s: documented security", rt.method, rt.pattern)
		served = append(served, rt.method+" "+rt.pattern)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(served)
	slices.Sort(documented)
	require.Equal(t, served, documented)
}
