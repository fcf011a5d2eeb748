package refserver_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// TestTelemetry: a device's heartbeats are sampled at most once a
// telemetry interval, as its GPUs' mean utilization, hottest temperature
// and summed power; anyone reads the samples from a time on; the prune
// loop forgets those older than the server keeps.
func TestTelemetry(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		alice := newSupplier(t, e, 1, "H100-SXM", 2)
		d := alice.register(t)
		anon := e.client(nil)
		beat := func(util [2]uint32, temp [2]uint32, mw [2]uint32) {
			t.Helper()
			hb := api.Heartbeat{}
			for i := range 2 {
				hb.GPUs = append(hb.GPUs, api.GPUTelemetry{UUID: "gpu", UtilizationPercent: util[i], TemperatureC: temp[i], PowerMilliwatts: mw[i]})
			}
			_, err := alice.c.Heartbeat(ctx, d.ID, hb)
			require.NoError(t, err)
		}
		first := e.clock.Now()
		beat([2]uint32{2, 5}, [2]uint32{60, 71}, [2]uint32{300_000, 350_500})
		for range 2 {
			e.clock.Advance(20 * time.Second)
			beat([2]uint32{1, 1}, [2]uint32{50, 50}, [2]uint32{1, 1})
		}
		_, err := alice.c.Heartbeat(ctx, d.ID, api.Heartbeat{})
		require.NoError(t, err, "a heartbeat without readings samples nothing")
		e.clock.Advance(20 * time.Second)
		second := e.clock.Now()
		beat([2]uint32{4, 1}, [2]uint32{40, 39}, [2]uint32{100_000, 0})

		got, err := anon.Telemetry(ctx, d.ID, time.Time{})
		require.NoError(t, err)
		require.Equal(t, api.TelemetrySeries{Device: d.ID, Samples: []api.TelemetrySample{
			{Time: first, UtilizationPercent: 3, TemperatureC: 71, PowerWatts: 650.5},
			{Time: second, UtilizationPercent: 2, TemperatureC: 40, PowerWatts: 100},
		}}, utcSeries(got))
		since, err := anon.Telemetry(ctx, d.ID, first.Add(time.Nanosecond))
		require.NoError(t, err)
		require.Len(t, since.Samples, 1)
		require.Equal(t, second, since.Samples[0].Time.UTC())

		_, err = anon.Telemetry(ctx, "no-such-device", time.Time{})
		require.ErrorIs(t, err, iog.ErrNotFound)
		status, _, _ := e.raw("GET", "/v1/devices/"+string(d.ID)+"/telemetry?since=yesterday", nil, nil)
		require.Equal(t, http.StatusBadRequest, status)

		e.clock.AdvanceTo(first.Add(24*time.Hour + time.Second))
		require.NoError(t, e.server.Prune(ctx))
		got, err = anon.Telemetry(ctx, d.ID, first)
		require.NoError(t, err)
		require.Len(t, got.Samples, 1, "the first sample is older than a day")
		require.Equal(t, second, got.Samples[0].Time.UTC())
	})
}

// utcSeries returns a series with its times in UTC, as the tests' clock
// gives them.
func utcSeries(s api.TelemetrySeries) api.TelemetrySeries {
	for i := range s.Samples {
		s.Samples[i].Time = s.Samples[i].Time.UTC()
	}
	return s
}
