package refserver_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tunnel"
)

// TestRelayRoute: no relay before a leader starts one; then the address
// it listens on, and its pin.
func TestRelayRoute(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		r := newWorkerRig(t, e)
		_, err := r.anon.Relay(ctx)
		require.ErrorIs(t, err, iog.ErrUnavailable, "no leader has started the relay")
		r.lead(t)
		got, err := r.anon.Relay(ctx)
		require.NoError(t, err)
		require.Regexp(t, `^127\.0\.0\.1:[1-9]\d*$`, got.Addr)
		_, err = tunnel.ParsePin(got.Pin)
		require.NoError(t, err)
	})
}
