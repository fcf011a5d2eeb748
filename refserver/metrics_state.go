package refserver

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/tunnel"
)

// scrapeTimeout bounds the store's queries of one scrape of /metrics.
const scrapeTimeout = 5 * time.Second

// stateCollector exports the network's state at each scrape: devices by
// state, clusters by status (the scheduler's queue is the pending ones),
// the requests waiting for a group commit, and the bytes the tunnel relay
// moved. Devices and clusters are counted in the store, so every server
// on a database reports the whole network's; the tunnel's figures are
// this process's relay's, which runs on the leader only.
type stateCollector struct {
	s                           *Server
	devices, clusters, queue    *prometheus.Desc
	commitQueue, leader         *prometheus.Desc
	tunnelBytes, tunnelStreams  *prometheus.Desc
	tunnelRefused, scrapeFailed *prometheus.Desc
}

func newStateCollector(s *Server) *stateCollector {
	return &stateCollector{
		s:             s,
		devices:       prometheus.NewDesc("iog_devices", "Registered devices by state (pending, active, removed) and health (up: 1 when its heartbeats are on time).", []string{"state", "up"}, nil),
		clusters:      prometheus.NewDesc("iog_clusters", "Clusters by status (pending, placed, running, ended).", []string{"status"}, nil),
		queue:         prometheus.NewDesc("iog_scheduler_queue_depth", "Clusters waiting to be placed: iog_clusters{status=\"pending\"}.", nil, nil),
		commitQueue:   prometheus.NewDesc("iog_commit_queue_depth", "Mutating requests waiting for this server's next group commit.", nil, nil),
		leader:        prometheus.NewDesc("iog_leader", "1 while this server leads the network's loops (epochs, placement, the relay).", nil, nil),
		tunnelBytes:   prometheus.NewDesc("iog_tunnel_bytes_total", "Payload bytes this process's tunnel relay moved, by direction (to_device, from_device).", []string{"direction"}, nil),
		tunnelStreams: prometheus.NewDesc("iog_tunnel_streams_total", "Streams this process's tunnel relay opened to devices.", nil, nil),
		tunnelRefused: prometheus.NewDesc("iog_tunnel_refused_total", "Streams this process's tunnel relay refused to devices.", nil, nil),
		scrapeFailed:  prometheus.NewDesc("iog_metrics_store_errors", "1 when this scrape could not count devices or clusters in the store (see the log).", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.devices, c.clusters, c.queue, c.commitQueue, c.leader, c.tunnelBytes, c.tunnelStreams, c.tunnelRefused, c.scrapeFailed} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. A store that does not answer
// costs the scrape its counts, not its other metrics.
func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	failed := 0.0
	if devices, err := c.s.store.StateCounts(ctx); err != nil {
		c.s.log.Warn("metrics: devices not counted", "err", err)
		failed = 1
	} else {
		for _, d := range devices {
			up := "0"
			if d.Up {
				up = "1"
			}
			gauge(c.devices, float64(d.Count), d.State, up)
		}
	}
	if clusters, err := c.s.store.ClusterCounts(ctx); err != nil {
		c.s.log.Warn("metrics: clusters not counted", "err", err)
		failed = 1
	} else {
		pending := 0
		for _, cl := range clusters {
			gauge(c.clusters, float64(cl.Count), cl.Status)
			if cl.Status == "pending" {
				pending = cl.Count
			}
		}
		gauge(c.queue, float64(pending))
	}
	gauge(c.scrapeFailed, failed)
	gauge(c.commitQueue, float64(len(c.s.committer.queue)))
	leading := 0.0
	if c.s.Leading() {
		leading = 1
	}
	gauge(c.leader, leading)
	t := c.s.tunnel.totals()
	counter(c.tunnelBytes, t.ToDevice, "to_device")
	counter(c.tunnelBytes, t.FromDevice, "from_device")
	counter(c.tunnelStreams, t.Streams)
	counter(c.tunnelRefused, t.Refused)
}

// tunnelMeter sums the counters of the relays this process has run, so
// that its totals only grow while the process lives, whichever relay (a
// leader's relay ends when it loses the lead, and starts again with the
// next) moved the bytes.
type tunnelMeter struct {
	mu       sync.Mutex
	finished tunnel.Stats
	current  *tunnel.Relay
}

// serving makes r the relay whose counters are added to the totals, until
// the func it returns is called once r has stopped.
func (m *tunnelMeter) serving(r *tunnel.Relay) (stopped func()) {
	m.mu.Lock()
	m.current = r
	m.mu.Unlock()
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.finished = addStats(m.finished, r.AllStats())
		if m.current == r {
			m.current = nil
		}
	}
}

// totals returns the counters of every relay this process has run.
func (m *tunnelMeter) totals() tunnel.Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.current == nil {
		return m.finished
	}
	return addStats(m.finished, m.current.AllStats())
}

func addStats(sum tunnel.Stats, devices map[iog.DeviceID]tunnel.Stats) tunnel.Stats {
	for _, d := range devices {
		sum.ToDevice += d.ToDevice
		sum.FromDevice += d.FromDevice
		sum.Streams += d.Streams
		sum.Refused += d.Refused
	}
	return sum
}
