package web

import (
	"sync"
	"time"

	"github.com/internetofgpus/iog"
)

// fragmentCache keeps each public fragment's body for a short while, so
// that many browsers polling it cost the API one call per period.
type fragmentCache struct {
	clock iog.Clock
	ttl   time.Duration
	mu    sync.Mutex
	kept  map[string]kept
}

type kept struct {
	body []byte
	at   time.Time
}

func newFragmentCache(clock iog.Clock, ttl time.Duration) *fragmentCache {
	return &fragmentCache{clock: clock, ttl: ttl, kept: map[string]kept{}}
}

// get returns the body kept under key, rendering it with make when it is
// missing or older than the cache's period. Failures are not kept.
func (c *fragmentCache) get(key string, make func() ([]byte, error)) ([]byte, error) {
	now := c.clock.Now()
	c.mu.Lock()
	k, ok := c.kept[key]
	c.mu.Unlock()
	if ok && now.Sub(k.at) < c.ttl {
		return k.body, nil
	}
	body, err := make()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	for key, k := range c.kept {
		if now.Sub(k.at) >= c.ttl {
			delete(c.kept, key)
		}
	}
	c.kept[key] = kept{body: body, at: now}
	c.mu.Unlock()
	return body, nil
}
