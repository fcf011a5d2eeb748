package iog

import (
	"strconv"
	"strings"
	"time"
)

// FormatDuration writes d in the words a supplier reads in a readiness or
// nomination reason: whole days, hours and minutes, largest first, zero
// parts left out ("3 h 12 m", "21 d", "1 d 2 h"). Seconds are dropped
// (rounded down), since the rules it explains are counted in minutes and
// hours; a duration under a minute, or negative, is "0 m".
func FormatDuration(d time.Duration) string {
	if d < time.Minute {
		return "0 m"
	}
	parts := make([]string, 0, 3)
	for _, unit := range []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}} {
		if n := d / unit.size; n > 0 {
			parts = append(parts, strconv.FormatInt(int64(n), 10)+" "+unit.name)
			d -= n * unit.size
		}
	}
	return strings.Join(parts, " ")
}
