package main

import (
	"fmt"
	"io"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// windows splits an attack's results into slices of equal width by the
// time each request was sent, so that a report shows whether a rate held
// all along (sustained) and not only on average.
type windows struct {
	width    time.Duration
	duration time.Duration // the attack's
	start    time.Time     // when the attack began
	each     []*vegeta.Metrics
}

// add files res in the slice of the time its request was sent (a
// request sent at the attack's very end, in its last).
func (w *windows) add(res *vegeta.Result) {
	last := int((w.duration - 1) / w.width)
	i := min(last, max(0, int(res.Timestamp.Sub(w.start)/w.width)))
	for len(w.each) <= i {
		w.each = append(w.each, &vegeta.Metrics{})
	}
	w.each[i].Add(res)
}

// report prints each slice: the requests sent in it a second, those of
// them answered with success a second, and their latencies. The last
// slice may be narrower than the others.
func (w *windows) report(out io.Writer) {
	for i, m := range w.each {
		m.Close()
		from := time.Duration(i) * w.width
		width := min(w.width, w.duration-from)
		seconds := width.Seconds()
		l := m.Latencies
		fmt.Fprintf(out, "  sent %v to %v: %.0f/s sent, %.0f/s answered with success, p50 %v, p99 %v, max %v\n",
			from, from+width, float64(m.Requests)/seconds, m.Success*float64(m.Requests)/seconds,
			l.P50.Round(time.Millisecond), l.P99.Round(time.Millisecond), l.Max.Round(time.Millisecond))
	}
}
