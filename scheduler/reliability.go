package scheduler

import (
	"fmt"
	"math"
	"time"

	"github.com/internetofgpus/iog"
)

// reliability is what the scheduler has seen of a node: its time up and
// down, the health checks it passed and failed, and its users' ratings.
type reliability struct {
	since    time.Time // when the node joined
	changed  time.Time // when it last went up or down
	down     time.Duration
	isDown   bool
	failed   int
	ratings  int
	starsSum int
}

func (r *reliability) start(now time.Time) { r.since, r.changed = now, now }

func (r *reliability) setUp(now time.Time, up bool) {
	if r.isDown {
		r.down += now.Sub(r.changed)
	}
	r.changed, r.isDown = now, !up
}

// Reliability weights: each failed check (up to 50) multiplies the score
// by checkPenalty; ratings are averaged with priorRatings ratings of
// priorStars, so one bad review does not sink a node.
const (
	checkPenalty = 0.8
	priorRatings = 2
	priorStars   = 4
	maxStars     = 5
)

// score is uptime × checkPenalty^failed × (mean rating / 5). Uptime is
// the share of time since joining spent up, as of the last change.
func (r *reliability) score() float64 {
	up := 1.0
	if total := r.changed.Sub(r.since); total > 0 {
		up = 1 - float64(r.down)/float64(total)
	}
	if r.isDown {
		up /= 2 // down now: doubt it until it has been up a while
	}
	checks := math.Pow(checkPenalty, float64(min(r.failed, 50)))
	stars := float64(r.starsSum+priorRatings*priorStars) / float64(maxStars*(r.ratings+priorRatings))
	return max(0, up) * checks * stars
}

// RecordCheck records the outcome of a health or proof-of-compute check of
// a node. A failed check lowers the node's reliability (and so its
// Reliable score for future placements); a pass forgives one earlier
// failure. It moves no work: to take work off a node that failed, take
// the node down with SetNodeUp.
func (f *Framework) RecordCheck(id iog.DeviceID, passed bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.byID[id]
	if !ok {
		return fmt.Errorf("scheduler: check of node %s: %w", id, iog.ErrNotFound)
	}
	if passed {
		n.rel.failed = max(0, n.rel.failed-1)
	} else {
		n.rel.failed++
	}
	return nil
}

// RecordFeedback records a user's rating of a node, 1 to 5 stars.
func (f *Framework) RecordFeedback(id iog.DeviceID, stars int) error {
	if stars < 1 || stars > maxStars {
		return fmt.Errorf("scheduler: feedback of %d stars: want 1 to 5: %w", stars, iog.ErrInvalid)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.byID[id]
	if !ok {
		return fmt.Errorf("scheduler: feedback on node %s: %w", id, iog.ErrNotFound)
	}
	n.rel.ratings++
	n.rel.starsSum += stars
	return nil
}
