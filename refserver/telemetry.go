package refserver

import (
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
	"github.com/internetofgpus/iog/refserver/store"
)

// maxTelemetryPage bounds the samples of one answer: a day of them at the
// default interval.
const maxTelemetryPage = 1440

// sampleTelemetry records a sample of a heartbeat's GPUs' telemetry when
// the device's last one is Config.TelemetryInterval old or older: most
// heartbeats find none due in what the heartbeat read already
// (DeviceBeat.Sampled), and write nothing more. A heartbeat without GPUs'
// readings has none to sample. The readings were checked (checkIdleUse).
func (s *Server) sampleTelemetry(c *call, b store.DeviceBeat, hb api.Heartbeat) error {
	if len(hb.GPUs) == 0 || (!b.Sampled.IsZero() && c.now.Sub(b.Sampled) < s.cfg.TelemetryInterval) {
		return nil
	}
	sample := store.TelemetrySample{Device: b.ID, At: c.now}
	var utilization uint64
	for _, g := range hb.GPUs {
		utilization += uint64(g.UtilizationPercent)
		sample.Temperature = max(sample.Temperature, g.TemperatureC)
		sample.PowerMilliwatts += uint64(g.PowerMilliwatts)
	}
	sample.Utilization = uint32(utilization / uint64(len(hb.GPUs)))
	return c.tx.AddTelemetry(sample)
}

// getTelemetry answers a device's telemetry samples from the since
// parameter (RFC 3339; by default as far back as they are kept), the
// oldest first.
func (s *Server) getTelemetry(c *call) (any, error) {
	id, err := iog.ParseDeviceID(c.param("id"))
	if err != nil {
		return nil, err
	}
	since := c.now.Add(-s.cfg.TelemetryKeep)
	if v := c.r.URL.Query().Get("since"); v != "" {
		if since, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return nil, fmt.Errorf("since %q: an RFC 3339 time: %w", clip(v), iog.ErrInvalid)
		}
	}
	var samples []store.TelemetrySample
	if err := c.read(func(tx *store.Tx) error {
		if _, err := tx.DeviceView(id, c.now); err != nil {
			return err
		}
		samples, err = tx.Telemetry(id, since, maxTelemetryPage)
		return err
	}); err != nil {
		return nil, err
	}
	out := api.TelemetrySeries{Device: id, Samples: make([]api.TelemetrySample, 0, len(samples))}
	for _, sm := range samples {
		out.Samples = append(out.Samples, api.TelemetrySample{Time: sm.At, UtilizationPercent: sm.Utilization, TemperatureC: sm.Temperature,
			PowerWatts: float64(sm.PowerMilliwatts) / 1000})
	}
	if len(samples) == maxTelemetryPage {
		next := samples[len(samples)-1].At.Add(time.Nanosecond)
		out.Next = &next
	}
	return out, nil
}
