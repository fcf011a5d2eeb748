package web

import (
	"context"
	"net/http"
	"net/http/httptest"
)

// sessionCookie is the name of the cookie the API's sessions set.
const sessionCookie = "iog_session"

// originKey carries the browser's request in a context to the in-process
// transport.
type originKey struct{}

// fromBrowser returns r's context carrying r, whose session cookie and
// address the API calls made for it forward.
func fromBrowser(r *http.Request) context.Context {
	return context.WithValue(r.Context(), originKey{}, r)
}

// handlerTransport is an http.RoundTripper that answers each request with
// the API's handler in process, with the session cookie and the address
// of the browser's request its context carries: the API sees the page's
// call as the browser's own, and limits its rate as the browser's.
type handlerTransport struct {
	api http.Handler
}

// RoundTrip serves req with the API handler.
func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Del("Cookie")
	req.RemoteAddr = "127.0.0.1:0"
	if origin, ok := req.Context().Value(originKey{}).(*http.Request); ok {
		if c, err := origin.Cookie(sessionCookie); err == nil {
			req.AddCookie(c)
		}
		req.RemoteAddr = origin.RemoteAddr
	}
	rec := httptest.NewRecorder()
	t.api.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}
