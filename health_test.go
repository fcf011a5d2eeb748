package iog_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog"
)

var h0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// at returns the time d after h0.
func at(d time.Duration) time.Time { return h0.Add(d) }

// beat folds heartbeats every 20 seconds from from to to, both included.
func beat(t *testing.T, h iog.Health, from, to time.Duration) iog.Health {
	t.Helper()
	for d := from; d <= to; d += 20 * time.Second {
		var err error
		h, err = h.Heartbeat(at(d))
		require.NoError(t, err)
	}
	return h
}

func ratio(t *testing.T, num, den uint64) iog.Rate {
	t.Helper()
	r, err := iog.NewRate(num, den)
	require.NoError(t, err)
	return r
}

func TestHealthUptime(t *testing.T) {
	const hr, mn, s = time.Hour, time.Minute, time.Second
	h := beat(t, iog.NewHealth(h0), 0, 6*hr)
	require.Equal(t, iog.Uptime{Continuous: 6 * hr, Fraction: ratio(t, 1, 1)}, h.Uptime(at(6*hr)))
	require.Equal(t, 6*hr, h.UpTotal)

	// An epoch ends between two heartbeats: the closing window is read to
	// its end, and the new one counts from its start.
	end := 6*hr + 10*s
	require.Equal(t, ratio(t, 1, 1), h.Uptime(at(end)).Fraction)
	h, err := h.StartWindow(at(end))
	require.NoError(t, err)
	h = beat(t, h, 6*hr+20*s, 7*hr)
	require.Equal(t, iog.Uptime{Continuous: 7*hr + 10*s, Fraction: ratio(t, 1, 1)}, h.Uptime(at(end+hr)))
	require.Equal(t, 7*hr, h.UpTotal, "the window's start splits no up time")

	// Heartbeats stop at 7h and the device is marked missed at 7h02m: the
	// two minutes are not up time. It is back from 7h30m.
	h, err = h.Miss(at(7*hr + 2*mn))
	require.NoError(t, err)
	require.False(t, h.Up)
	require.Equal(t, iog.Uptime{Fraction: ratio(t, uint64(59*mn+50*s), uint64(hr+mn+50*s))}, h.Uptime(at(7*hr+2*mn)))
	h = beat(t, h, 7*hr+30*mn, 8*hr)
	require.Equal(t, 7*hr+30*mn, h.UpTotal)
	require.Equal(t, iog.Uptime{Continuous: 30*mn + 10*s, Fraction: ratio(t, 3, 4)}, h.Uptime(at(end+2*hr)))
	require.Equal(t, ratio(t, 937_521, 1_000_000), h.Reliability(at(end+2*hr)), "7h30m10s up of 8h00m10s")

	var back iog.Health
	data, err := json.Marshal(h)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &back))
	require.Equal(t, h, back)
	require.NoError(t, back.Validate())
}

func TestHealthReliability(t *testing.T) {
	fresh := iog.NewHealth(h0)
	up := beat(t, fresh, 0, time.Hour)
	down, err := up.Miss(at(time.Hour))
	require.NoError(t, err)
	check := func(h iog.Health, passed ...bool) iog.Health {
		for _, p := range passed {
			var err error
			h, err = h.Check(at(time.Hour), p)
			require.NoError(t, err)
		}
		return h
	}
	tests := []struct {
		name string
		h    iog.Health
		want iog.Rate
	}{
		{"never seen in an hour", fresh, ratio(t, 0, 1)},
		{"up all along", up, ratio(t, 1, 1)},
		{"down now", down, ratio(t, 1, 2)},
		{"one failure", check(up, false), ratio(t, 4, 5)},
		{"two failures", check(up, false, false), ratio(t, 2, 3)},
		{"a pass pays one off", check(up, false, false, true), ratio(t, 4, 5)},
		{"passes bank nothing", check(up, true, true, false), ratio(t, 4, 5)},
		{"down and failing", check(down, false, false, false, false), ratio(t, 1, 4)},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.h.Reliability(at(time.Hour)), tt.name)
	}
	require.Equal(t, ratio(t, 1, 2), fresh.Reliability(h0), "new: no time yet, but not up")
	h := check(up, true, false, false, true)
	require.Equal(t, [3]uint64{2, 2, 1}, [3]uint64{h.ChecksPassed, h.ChecksFailed, h.CheckDebt})
}

// An event dated before the last one is refused and changes nothing.
func TestHealthRefusesEventsOutOfOrder(t *testing.T) {
	h := beat(t, iog.NewHealth(h0), 0, time.Minute)
	early := at(30 * time.Second)
	for name, fold := range map[string]func() (iog.Health, error){
		"heartbeat":    func() (iog.Health, error) { return h.Heartbeat(early) },
		"miss":         func() (iog.Health, error) { return h.Miss(early) },
		"check":        func() (iog.Health, error) { return h.Check(early, false) },
		"start window": func() (iog.Health, error) { return h.StartWindow(early) },
	} {
		got, err := fold()
		require.ErrorIs(t, err, iog.ErrInvalid, name)
		require.Equal(t, h, got, name)
	}
	require.Equal(t, h.Uptime(at(time.Minute)), h.Uptime(early), "a read before the last event is read at it")
}

func TestHealthOverdue(t *testing.T) {
	h := beat(t, iog.NewHealth(h0), 0, time.Minute)
	require.False(t, h.Overdue(at(2*time.Minute), time.Minute))
	require.True(t, h.Overdue(at(2*time.Minute+time.Nanosecond), time.Minute))
	h, err := h.Miss(at(3 * time.Minute))
	require.NoError(t, err)
	require.False(t, h.Overdue(at(time.Hour), time.Minute), "a device down is not overdue")
}

func TestHealthValidate(t *testing.T) {
	good := beat(t, iog.NewHealth(h0), 0, time.Hour)
	require.NoError(t, good.Validate())
	tests := map[string]func(h *iog.Health){
		"zero":                  func(h *iog.Health) { *h = iog.Health{} },
		"updated before":        func(h *iog.Health) { h.Updated = h0.Add(-time.Second) },
		"window before tracked": func(h *iog.Health) { h.WindowStart = h0.Add(-time.Second) },
		"up since later":        func(h *iog.Health) { h.UpSince = h.LastSeen.Add(time.Second) },
		"seen after updated":    func(h *iog.Health) { h.LastSeen = h.Updated.Add(time.Second) },
		"down, up since":        func(h *iog.Health) { h.Up = false },
		"more up than time":     func(h *iog.Health) { h.UpTotal = 2 * time.Hour },
		"negative up":           func(h *iog.Health) { h.UpTotal, h.UpInWindow = -1, -1 },
		"window over total":     func(h *iog.Health) { h.UpInWindow = h.UpTotal + 1 },
		"debt over failures":    func(h *iog.Health) { h.CheckDebt = 1 },
	}
	for name, mutate := range tests {
		h := good
		mutate(&h)
		require.ErrorIs(t, h.Validate(), iog.ErrInvalid, name)
	}
}

// Property: whatever the events, a Health validates, its up time is no
// more than the time it covers, and its readings stay within 0 and 1.
func TestHealthFoldsStayValid(t *testing.T) {
	one := ratio(t, 1, 1)
	for seed := range uint64(50) {
		rng := rand.New(rand.NewPCG(seed, 5))
		h := iog.NewHealth(h0)
		now := h0
		for range 500 {
			now = now.Add(time.Duration(rng.IntN(120)) * time.Second)
			var err error
			switch rng.IntN(6) {
			case 0, 1, 2:
				h, err = h.Heartbeat(now)
			case 3:
				h, err = h.Miss(now)
			case 4:
				h, err = h.Check(now, rng.IntN(3) > 0)
			default:
				h, err = h.StartWindow(now)
			}
			require.NoError(t, err)
			require.NoError(t, h.Validate(), "seed %d", seed)
			read := now.Add(time.Duration(rng.IntN(60)) * time.Second)
			u := h.Uptime(read)
			require.LessOrEqual(t, u.Fraction.Cmp(one), 0)
			require.LessOrEqual(t, u.Continuous, read.Sub(h0))
			require.LessOrEqual(t, h.Reliability(read).Cmp(one), 0)
		}
	}
}
