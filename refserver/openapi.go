package refserver

import (
	_ "embed"
	"net/http"
	"strconv"
)

// openAPIDocument describes the API: every route of routeTable, with the
// schemas of its bodies. A test holds the two to each other and validates
// real responses against the schemas.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPI returns the API's OpenAPI 3.1 document.
func OpenAPI() []byte { return append([]byte(nil), openAPIDocument...) }

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(openAPIDocument)))
	w.Write(openAPIDocument)
}
