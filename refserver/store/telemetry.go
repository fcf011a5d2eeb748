package store

import (
	"fmt"
	"time"

	"github.com/internetofgpus/iog"
)

// TelemetrySample is one sample of a device's heartbeats' telemetry.
type TelemetrySample struct {
	Device iog.DeviceID
	At     time.Time
	// Utilization is its GPUs' mean utilization in percent, rounded down;
	// Temperature the hottest one's in °C; PowerMilliwatts their sum.
	Utilization, Temperature uint32
	PowerMilliwatts          uint64
}

// AddTelemetry records a sample of a device's telemetry and that it was
// taken (DeviceBeat.Sampled). A second sample of the same device at the
// same time is the first one again, and changes nothing.
func (t *Tx) AddTelemetry(s TelemetrySample) error {
	err := t.exec(`INSERT INTO device_telemetry (device, at, utilization, temperature, power_mw) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (device, at) DO NOTHING`, string(s.Device), unix(s.At), int64(s.Utilization), int64(s.Temperature), int64(s.PowerMilliwatts))
	if err == nil {
		err = t.exec("UPDATE device_health SET telemetry_at = $2 WHERE device = $1", string(s.Device), unix(s.At))
	}
	if err != nil {
		return fmt.Errorf("record the telemetry of device %s: %w", s.Device, err)
	}
	return nil
}

// Telemetry returns up to limit of a device's samples from since on, the
// oldest first.
func (t *Tx) Telemetry(device iog.DeviceID, since time.Time, limit int) ([]TelemetrySample, error) {
	return queryAll(t, "telemetry", "SELECT device, at, utilization, temperature, power_mw FROM device_telemetry WHERE device = $1 AND at >= $2 ORDER BY at LIMIT $3",
		[]any{string(device), unix(since), limit}, func(row scanner) (TelemetrySample, error) {
			var s TelemetrySample
			var device string
			var at, utilization, temperature, power int64
			if err := row.Scan(&device, &at, &utilization, &temperature, &power); err != nil {
				return s, fmt.Errorf("read telemetry: %w", err)
			}
			if utilization < 0 || utilization > 100 || temperature < 0 || temperature > 1<<32-1 || power < 0 {
				return s, fmt.Errorf("telemetry of device %s at %d: stored row is corrupt: %w", device, at, iog.ErrInvalid)
			}
			s.Device, s.At = iog.DeviceID(device), time.Unix(0, at).UTC()
			s.Utilization, s.Temperature, s.PowerMilliwatts = uint32(utilization), uint32(temperature), uint64(power)
			return s, nil
		})
}

// PruneTelemetry forgets at most limit of the samples taken before
// before, and returns how many.
func (t *Tx) PruneTelemetry(before time.Time, limit int) (int64, error) {
	res, err := t.tx.ExecContext(t.ctx, "DELETE FROM device_telemetry WHERE (device, at) IN (SELECT device, at FROM device_telemetry WHERE at < $1 LIMIT $2)", unix(before), limit)
	if err != nil {
		return 0, fmt.Errorf("prune telemetry: %w", err)
	}
	return res.RowsAffected()
}
