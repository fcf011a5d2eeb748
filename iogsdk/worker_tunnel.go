package iogsdk

import (
	"context"
	"maps"
	"slices"

	"github.com/internetofgpus/iog/tunnel"
)

// relayTarget is the relay the tunnel dials.
type relayTarget struct {
	addr string
	pin  tunnel.Pin
}

// relay returns the configured relay, or the one the server names.
func (w *Worker) relay(ctx context.Context) (relayTarget, error) {
	if w.cfg.RelayAddr != "" {
		return relayTarget{w.cfg.RelayAddr, w.cfg.RelayPin}, nil
	}
	r, err := w.cfg.Client.Relay(ctx)
	if err != nil {
		return relayTarget{}, err
	}
	pin, err := tunnel.ParsePin(r.Pin)
	if err != nil {
		return relayTarget{}, err
	}
	return relayTarget{r.Addr, pin}, nil
}

// keepTunnel keeps the device's reverse tunnel to the relay, exposing
// the configured ports and those of the running rentals. The tunnel
// agent reconnects by itself; it is restarted when the ports change, and,
// when the server names the relay, when it is offline and the server
// names another relay (a new leader's).
func (w *Worker) keepTunnel(ctx context.Context) error {
	var target relayTarget
	if err := w.retry(ctx, "find the relay", func() (err error) { target, err = w.relay(ctx); return err }); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	for {
		st := w.state.Load()
		agent, err := tunnel.NewAgent(tunnel.AgentConfig{
			RelayAddr: target.addr, RelayPin: target.pin, Device: st.Device, Key: st.tunnelKey(),
			Ports: w.exposedPorts(), Backoff: w.cfg.Backoff, Clock: w.cfg.Clock,
			ConnConfig: tunnel.ConnConfig{Logger: w.cfg.Logger},
		})
		if err != nil {
			return err
		}
		actx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- agent.Run(actx) }()
		w.agent.Store(agent)
		next, restart := w.superviseAgent(ctx, agent, target)
		stop()
		<-done
		if !restart {
			return nil
		}
		target = next
	}
}

// superviseAgent waits until the agent must restart, with the relay to
// dial, or until ctx ends (false).
func (w *Worker) superviseAgent(ctx context.Context, agent *tunnel.Agent, target relayTarget) (relayTarget, bool) {
	for {
		select {
		case <-ctx.Done():
			return target, false
		case <-w.portsChanged:
			return target, true
		case <-w.cfg.Clock.After(w.cfg.HeartbeatInterval):
			if agent.Online() || w.cfg.RelayAddr != "" {
				continue
			}
			if next, err := w.relay(ctx); err == nil && next != target {
				w.log.Info("the server names another relay", "addr", next.addr)
				return next, true
			}
		}
	}
}

// exposedPorts are the configured ports and the running rentals', once
// each, in order.
func (w *Worker) exposedPorts() []uint16 {
	ports := map[uint16]bool{}
	for _, p := range w.cfg.Ports {
		ports[p] = true
	}
	w.mu.Lock()
	for _, wl := range w.workloads {
		for _, p := range wl.Ports {
			ports[p] = true
		}
	}
	w.mu.Unlock()
	return slices.Sorted(maps.Keys(ports))
}

// exposeAnew has the tunnel expose the ports anew.
func (w *Worker) exposeAnew() {
	select {
	case w.portsChanged <- struct{}{}:
	default:
	}
}
