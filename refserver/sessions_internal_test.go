package refserver

import (
	"crypto/tls"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The session cookie is Secure when the request came over TLS: a
// browser on plain HTTP would drop a Secure cookie.
func TestSessionCookieSecure(t *testing.T) {
	r := httptest.NewRequest("POST", "/v1/sessions", nil)
	require.False(t, sessionCookie(r, "token", time.Minute).Secure)
	r.TLS = &tls.ConnectionState{}
	c := sessionCookie(r, "token", time.Minute)
	require.True(t, c.Secure)
	require.Equal(t, 60, c.MaxAge)
	require.Equal(t, -1, sessionCookie(r, "", 0).MaxAge, "no life clears the cookie")
}
