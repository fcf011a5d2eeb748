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
	// batchRequests counts the requests of each group commit's
	// transaction, and batchSeconds times it, from its first statement
	// to its durable commit: the queue a mutating request waits in.
	batchRequests prometheus.Histogram
	batchSeconds  prometheus.Histogram
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
		batchRequests: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "iog_commit_batch_requests",
			Help:    "Mutating requests committed in one transaction of the group commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 9), // 1 to maxBatch
		}),
		batchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "iog_commit_batch_duration_seconds",
			Help:    "Time to write and commit one transaction of the group commit.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}),
	}
	m.registry.MustRegister(m.requests, m.epochSeconds, m.lastEpoch, m.batchRequests, m.batchSeconds, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observeBatch records one transaction of the group commit.
func (m *metrics) observeBatch(requests int, took time.Duration) {
	m.batchRequests.Observe(float64(requests))
	m.batchSeconds.Observe(took.Seconds())
}

func (m *metrics) observe(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Observe(d.Seconds())
}
