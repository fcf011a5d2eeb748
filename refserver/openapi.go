package refserver

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
)

// openAPIParts holds the OpenAPI document in parts: base.json (info,
// security schemes, the schemas every part uses) and one file an area of
// the API, each with its paths and its own schemas.
//
//go:embed openapi/*.json
var openAPIParts embed.FS

// openAPIDocument is the parts merged: every route of routeTable, with
// the schemas of its bodies. A test holds the two to each other and
// validates real responses against the schemas.
var openAPIDocument = mustMergeOpenAPI(openAPIParts)

// OpenAPI returns the API's OpenAPI 3.1 document.
func OpenAPI() []byte { return append([]byte(nil), openAPIDocument...) }

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(openAPIDocument)))
	w.Write(openAPIDocument)
}

// mustMergeOpenAPI merges the parts; a path or schema defined twice is a
// mistake in the embedded files, caught by every test.
func mustMergeOpenAPI(parts fs.FS) []byte {
	doc, err := mergeOpenAPI(parts)
	if err != nil {
		panic(err)
	}
	return doc
}

func mergeOpenAPI(parts fs.FS) ([]byte, error) {
	var base map[string]any
	files, err := fs.Glob(parts, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	type part struct {
		Paths      map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := readJSON(parts, "openapi/base.json", &base); err != nil {
		return nil, err
	}
	paths := base["paths"].(map[string]any)
	schemas := base["components"].(map[string]any)["schemas"].(map[string]any)
	for _, f := range files {
		if f == "openapi/base.json" {
			continue
		}
		var p part
		if err := readJSON(parts, f, &p); err != nil {
			return nil, err
		}
		for k, v := range p.Paths {
			if _, dup := paths[k]; dup {
				return nil, fmt.Errorf("openapi: path %s is in two parts (%s)", k, f)
			}
			paths[k] = v
		}
		for k, v := range p.Components.Schemas {
			if _, dup := schemas[k]; dup {
				return nil, fmt.Errorf("openapi: schema %s is in two parts (%s)", k, f)
			}
			schemas[k] = v
		}
	}
	return json.MarshalIndent(base, "", "  ")
}

func readJSON(parts fs.FS, name string, v any) error {
	data, err := fs.ReadFile(parts, name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("openapi: %s: %w", name, err)
	}
	return nil
}
