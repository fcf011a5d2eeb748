package pricing

import (
	"fmt"
	"math"
	"time"

	"github.com/internetofgpus/iog"
)

// PeakHours is the time-of-day factor: GPUs are dearer in the working
// hours of the place they are in and cheaper at night. Each local hour of
// the day has a multiplier, and a rental pays the exact mean of the
// multipliers of the hours it covers, from the local hour of the quote
// onward (a 24-hour rental pays the mean of the whole day).
//
// The local time is the quote's time shifted by the place's offset from
// UTC: from its longitude when the location has coordinates (15° an hour,
// mean solar time), else from Offsets by country, else UTC. Offsets are
// standard time; daylight saving is not applied, so the peak moves an hour
// in summer.
type PeakHours struct {
	// ByHour is the multiplier of each local hour, 0 to 23, in ppm.
	ByHour [24]uint32
	// Offsets is each country's offset from UTC, in minutes east.
	Offsets map[string]int
}

// DefaultPeakHours returns the network's day: 92% from midnight to 6:00,
// 100% in the morning and evening, 108% from 9:00 to 18:00, 96% from 22:00,
// with one representative standard offset per country (Eastern time for
// the United States and Canada, where most of their data centres are).
func DefaultPeakHours() *PeakHours {
	p := &PeakHours{Offsets: map[string]int{
		"US": -300, "CA": -300, "MX": -360, "BR": -180, "AR": -180, "CL": -240, "CO": -300,
		"GB": 0, "IE": 0, "PT": 0, "IS": 0,
		"DE": 60, "FR": 60, "NL": 60, "BE": 60, "ES": 60, "IT": 60, "SE": 60, "NO": 60,
		"DK": 60, "PL": 60, "CH": 60, "AT": 60, "CZ": 60, "NG": 60,
		"FI": 120, "EE": 120, "LV": 120, "LT": 120, "UA": 120, "RO": 120, "BG": 120,
		"GR": 120, "ZA": 120, "EG": 120, "IL": 120,
		"TR": 180, "RU": 180, "SA": 180, "KE": 180, "AE": 240,
		"IN": 330, "TH": 420, "VN": 420, "ID": 420,
		"SG": 480, "MY": 480, "HK": 480, "CN": 480, "TW": 480, "PH": 480,
		"JP": 540, "KR": 540, "AU": 600, "NZ": 720,
	}}
	for h := range p.ByHour {
		switch {
		case h < 6:
			p.ByHour[h] = 920_000
		case h >= 9 && h < 18:
			p.ByHour[h] = 1_080_000
		case h >= 22:
			p.ByHour[h] = 960_000
		default:
			p.ByHour[h] = 1_000_000
		}
	}
	return p
}

// LocalHour returns the hour of the day, 0 to 23, at l at the moment t.
func (p *PeakHours) LocalHour(l iog.Location, t time.Time) int {
	var offset int
	if !l.Coordinates.IsZero() {
		offset = 60 * int(math.Round(l.Coordinates.Longitude/15))
	} else {
		offset = p.Offsets[l.Country]
	}
	return t.UTC().Add(time.Duration(offset) * time.Minute).Hour()
}

// Sum returns the sum of the multipliers (ppm) of hours local hours from
// the local hour start (taken modulo 24) on; it is 0 for hours ≤ 0.
func (p *PeakHours) Sum(start, hours int) uint64 {
	if hours <= 0 {
		return 0
	}
	start = (start%24 + 24) % 24
	var day, sum uint64
	for _, m := range p.ByHour {
		day += uint64(m)
	}
	sum = uint64(hours/24) * day
	for i := range hours % 24 {
		sum += uint64(p.ByHour[(start+i)%24])
	}
	return sum
}

// Apply scales hourly by the mean multiplier of the rental's hours.
func (p *PeakHours) Apply(in *Input, hourly iog.Amount) (Adjustment, error) {
	hours := in.Request.Hours
	if hours <= 0 {
		return Adjustment{}, fmt.Errorf("peak-hour factor: %d hours: %w", hours, iog.ErrInvalid)
	}
	start := p.LocalHour(in.Location, in.At)
	return scaleBy("peak hours", "local start hour", int64(start), UnitHour, hourly, p.Sum(start, hours), uint64(hours)*ppmScale)
}
