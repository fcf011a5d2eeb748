package refserver_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver"
)

// TestPublicRoutesHideSecrets crawls every public GET route of the
// OpenAPI document as a stranger, with each filter the explorer's pages
// use, on a network with a device that reports telemetry and hosts a
// cluster: no answer holds the device's tunnel key, the cluster's name or
// workload (its environment may hold secrets), and the owner-only health
// route answers a stranger nothing.
func TestPublicRoutesHideSecrets(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		sup, dev := upDevice(t, e, 1, 1)
		_, err := sup.c.Heartbeat(ctx, dev.ID, api.Heartbeat{GPUs: []api.GPUTelemetry{{UUID: "gpu", TemperatureC: 50, UtilizationPercent: 1, PowerMilliwatts: 70_000}}})
		require.NoError(t, err)
		renter := e.client(walletKey(7))
		_, err = renter.Faucet(ctx)
		require.NoError(t, err)
		body := deployBody(t, 1, 2)
		body.Name = "name-n0t-public"
		body.Workload.Env = []api.EnvVar{{Name: "TOKEN", Value: "s3cr3t-v4lue"}}
		body.Workload.Entrypoint = []string{"/opt/entrypoint-n0t-public"}
		cl, err := renter.Deploy(ctx, body)
		require.NoError(t, err)
		require.NoError(t, e.server.ClusterRounds()(ctx))
		e.clock.Advance(time.Hour + time.Minute)
		_, err = sup.c.Heartbeat(ctx, dev.ID, api.Heartbeat{})
		require.NoError(t, err)
		require.NoError(t, e.server.ClusterRounds()(ctx))
		require.NoError(t, e.server.SettleEpoch(ctx))

		key := []byte(sup.key.Public().(ed25519.PublicKey))
		secrets := []string{base64.StdEncoding.EncodeToString(key), base64.RawURLEncoding.EncodeToString(key), body.Name, "s3cr3t-v4lue", "entrypoint-n0t-public"}
		var doc struct {
			Paths map[string]map[string]struct {
				Security []any `json:"security"`
			} `json:"paths"`
		}
		require.NoError(t, json.Unmarshal(refserver.OpenAPI(), &doc))
		var crawled int
		for path, ops := range doc.Paths {
			op, ok := ops["get"]
			if !ok || len(op.Security) > 0 || path == "/v1/openapi.json" {
				continue
			}
			id := string(dev.ID)
			if strings.HasPrefix(path, "/v1/explorer/clusters/") {
				id = string(cl.ID)
			}
			for _, w := range []string{walletOf(sup.key).String(), renter.Wallet().String()} {
				p := strings.NewReplacer("{id}", id, "{wallet}", w, "{number}", "1").Replace(path)
				for _, q := range []string{"", "?device=" + string(dev.ID), "?wallet=" + w, "?owner=" + w} {
					status, _, data := e.raw("GET", p+q, nil, nil)
					require.NotEqual(t, http.StatusInternalServerError, status, "GET %s%s: %s", p, q, data)
					for _, s := range secrets {
						require.NotContains(t, string(data), s, "GET %s%s", p, q)
					}
					crawled++
				}
			}
		}
		require.Greater(t, crawled, 80)
		status, _, _ := e.raw("GET", "/v1/devices/"+string(dev.ID)+"/health", nil, nil)
		require.Equal(t, http.StatusUnauthorized, status)
	}, withFaucet, epochConfig, func(c *refserver.Config) { c.Limits.PerIP, c.Limits.Burst = 1e9, 1e9 })
}
