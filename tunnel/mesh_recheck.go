package tunnel

import (
	"context"
	"slices"
)

// drop forgets a link that failed.
func (m *Mesh) drop(l *link) {
	l.close()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.links[l.peer] == l {
		delete(m.links, l.peer)
	}
}

// recheck tries the direct path again for relayed links, pings direct
// ones, and closes drained links.
func (m *Mesh) recheck(ctx context.Context) {
	m.mu.Lock()
	links := make([]*link, 0, len(m.links))
	for _, l := range m.links {
		links = append(links, l)
	}
	m.draining = slices.DeleteFunc(m.draining, func(l *link) bool {
		if l.sess.NumStreams() == 0 || l.sess.IsClosed() {
			l.close()
			return true
		}
		return false
	})
	runCtx := m.runCtx
	m.mu.Unlock()
	for _, l := range links {
		if l.sess.IsClosed() {
			m.logger.Info("mesh link closed", "peer", l.peer)
			m.drop(l)
			continue
		}
		info, err := m.lookup(ctx, l.peer)
		if revoked(err) {
			// The relay cuts relayed links itself when a rental ends.
			m.logger.Info("mesh link no longer allowed", "peer", l.peer, "err", err)
			m.drop(l)
			continue
		}
		if l.direct {
			rtt, err := l.sess.Ping()
			if err != nil {
				m.logger.Info("direct mesh link died", "peer", l.peer, "err", err)
				m.drop(l)
				continue
			}
			m.mu.Lock()
			l.rtt = rtt
			m.mu.Unlock()
			continue
		}
		if err != nil {
			continue
		}
		nl, err := m.direct(ctx, runCtx, l.peer, info)
		if err != nil {
			continue
		}
		m.logger.Info("mesh link moved to a direct path", "peer", l.peer, "addr", nl.addr, "rtt", nl.rtt)
		m.mu.Lock()
		if m.links[l.peer] == l {
			m.links[l.peer] = nl
			_ = l.sess.GoAway() // streams open on it finish there
			m.draining = append(m.draining, l)
		} else {
			nl.close()
		}
		m.mu.Unlock()
	}
}
