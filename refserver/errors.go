package refserver

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/internal/errtext"
)

func isNotFound(err error) bool     { return errors.Is(err, iog.ErrNotFound) }
func isUnauthorized(err error) bool { return errors.Is(err, iog.ErrUnauthorized) }

func errNoRoute(r *http.Request) error {
	return fmt.Errorf("%s %s: no such route (the API is described at /v1/openapi.json): %w", r.Method, r.URL.Path, iog.ErrNotFound)
}

func unavailable(what string, err error) error {
	return fmt.Errorf("%s: %v: %w", what, err, iog.ErrUnavailable)
}

// clip shortens outside input for an error message.
func clip(s string) string { return errtext.Clip(s) }
