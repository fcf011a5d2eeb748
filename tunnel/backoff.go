package tunnel

import (
	"math/rand/v2"
	"time"
)

// Backoff spaces a worker's reconnection attempts: the n-th wait (from 0)
// is drawn uniformly from [d/2, d] where d = Initial × 2ⁿ, capped at Max.
// The jitter keeps many workers that lost the same relay from all coming
// back at the same instant. Zero fields take the defaults, 100 ms and 30 s.
type Backoff struct {
	// Initial is the first wait before jitter; zero is 100 ms.
	Initial time.Duration
	// Max caps the wait before jitter; zero is 30 s.
	Max time.Duration
}

// Delay returns the wait before attempt n (0 for the first retry), drawing
// the jitter from rng.
func (b Backoff) Delay(n int, rng *rand.Rand) time.Duration {
	initial, ceiling := b.Initial, b.Max
	if initial <= 0 {
		initial = 100 * time.Millisecond
	}
	if ceiling <= 0 {
		ceiling = 30 * time.Second
	}
	ceiling = max(ceiling, initial)
	d := initial
	for i := 0; i < n && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	half := d / 2
	return half + time.Duration(rng.Int64N(int64(d-half)+1))
}
