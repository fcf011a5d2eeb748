package refserver

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's Prometheus metrics, in a registry of its own
// (two servers in one process do not collide).
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.HistogramVec
	// epochSeconds times each epoch's settlement, and lastEpoch is the
	// number of the last one settled.
	epochSeconds prometheus.Histogram
	lastEpoch    prometheus.Gauge
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "iog_api_request_duration_seconds",
			Help:    "Time to answer an API request, by route and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "status"}),
		epochSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "iog_epoch_duration_seconds",
			Help:    "Time to settle an epoch: eligibility, rewards, buy-back and burn.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		lastEpoch: prometheus.NewGauge(prometheus.GaugeOpts{Name: "iog_epoch_last_settled", Help: "The number of the last epoch settled."}),
	}
	m.registry.MustRegister(m.requests, m.epochSeconds, m.lastEpoch, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Observe(d.Seconds())
}
