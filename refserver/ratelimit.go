package refserver

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// limiter keeps a token bucket per client address, per wallet and per API
// key. Buckets idle long enough to be full again are dropped, so the
// maps stay as small as the set of active clients.
type limiter struct {
	clock  iog.Clock
	limits Limits
	mu     sync.Mutex
	ip     map[string]*rate.Limiter
	wallet map[string]*rate.Limiter
	key    map[string]*rate.Limiter
	swept  time.Time
}

func newLimiter(clock iog.Clock, limits Limits) *limiter {
	return &limiter{clock: clock, limits: limits, ip: map[string]*rate.Limiter{}, wallet: map[string]*rate.Limiter{}, key: map[string]*rate.Limiter{}}
}

// allowIP takes a token from the bucket of r's client address.
func (l *limiter) allowIP(r *http.Request) error {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return l.take(l.ip, host, l.limits.PerIP, "address "+host)
}

// allowPrincipal takes a token from the bucket of the wallet or key that
// made a request.
func (l *limiter) allowPrincipal(p principal) error {
	if p.keyID != "" {
		return l.take(l.key, p.keyID, l.limits.PerKey, "API key "+p.keyID)
	}
	return l.take(l.wallet, p.wallet.String(), l.limits.PerWallet, "wallet "+p.wallet.String())
}

func (l *limiter) take(buckets map[string]*rate.Limiter, id string, perSecond float64, who string) error {
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b, ok := buckets[id]
	if !ok {
		b = rate.NewLimiter(rate.Limit(perSecond), l.limits.Burst)
		buckets[id] = b
	}
	res := b.ReserveN(now, 1)
	if delay := res.DelayFrom(now); delay > 0 {
		res.CancelAt(now)
		return &api.Error{Kind: api.KindRateLimited, RetryAfter: int(math.Ceil(delay.Seconds())),
			Message: fmt.Sprintf("%s is over its limit of %g requests a second; retry in %v", who, perSecond, delay.Round(time.Millisecond))}
	}
	return nil
}

// sweep drops, once a minute, the buckets that are full again.
func (l *limiter) sweep(now time.Time) {
	if now.Sub(l.swept) < time.Minute {
		return
	}
	l.swept = now
	for _, m := range []map[string]*rate.Limiter{l.ip, l.wallet, l.key} {
		for id, b := range m {
			if b.TokensAt(now) >= float64(l.limits.Burst) {
				delete(m, id)
			}
		}
	}
}
