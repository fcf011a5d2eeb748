package api

import (
	"time"

	"github.com/internetofgpus/iog"
)

// TelemetrySeries is a device's telemetry over time, for its charts: a
// sample of its heartbeats at most each of the server's telemetry
// intervals, the oldest first. Next, when set, is the since parameter of
// the rest.
type TelemetrySeries struct {
	Device  iog.DeviceID      `json:"device"`
	Samples []TelemetrySample `json:"samples"`
	Next    *time.Time        `json:"next,omitempty"`
}

// TelemetrySample is one heartbeat's telemetry of a device's GPUs: their
// mean utilization (percent, rounded down), the hottest one's temperature
// and their power drawn together.
type TelemetrySample struct {
	Time               time.Time `json:"time"`
	UtilizationPercent uint32    `json:"utilization_percent"`
	TemperatureC       uint32    `json:"temperature_c"`
	PowerWatts         float64   `json:"power_watts"`
}
