package web

import (
	"net/http"

	"golang.org/x/sync/errgroup"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
)

func (h *Handler) signin(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, "signin", view{"Sign in", nil}, nil)
}

// workerView is a supplier's dashboard.
type workerView struct {
	Wallet   iog.WalletAddress
	Devices  []workerDevice
	Stakes   api.WalletStakes
	Earnings string
}

// workerDevice is one of the supplier's devices with its health and its
// latest telemetry.
type workerDevice struct {
	Device    api.Device
	Health    api.DeviceHealth
	Telemetry *api.TelemetrySample
}

// worker is the signed-in supplier's dashboard. The session the API finds
// in the browser's cookie names the wallet; every call after it carries
// the same cookie, so the API shows this wallet its own devices only.
func (h *Handler) worker(w http.ResponseWriter, r *http.Request) {
	ctx := fromBrowser(r)
	session, err := h.api.Session(ctx)
	if err != nil {
		h.render(w, r, "", nil, err)
		return
	}
	v := workerView{Wallet: session.Wallet}
	list, err := h.api.Devices(ctx, iogsdk.DeviceQuery{Owner: session.Wallet})
	if err != nil {
		h.render(w, r, "", nil, err)
		return
	}
	v.Devices = make([]workerDevice, len(list.Devices))
	g, gctx := errgroup.WithContext(ctx)
	for i, d := range list.Devices {
		v.Devices[i].Device = d
		g.Go(func() (err error) { v.Devices[i].Health, err = h.api.DeviceHealth(gctx, d.ID); return })
		g.Go(func() error {
			series, err := h.api.Telemetry(gctx, d.ID, h.cfg.Clock.Now().Add(-telemetryWindow))
			if n := len(series.Samples); n > 0 {
				v.Devices[i].Telemetry = &series.Samples[n-1]
			}
			return err
		})
	}
	g.Go(func() (err error) { v.Stakes, err = h.api.Stakes(gctx, session.Wallet); return })
	g.Go(func() error {
		days, err := h.api.EarningsHistory(gctx, session.Wallet, 30)
		if err == nil {
			v.Earnings, err = earningsChart(days.Days)
		}
		return err
	})
	err = g.Wait()
	h.render(w, r, "worker", view{"Worker dashboard", v}, err)
}
