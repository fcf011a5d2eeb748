package web

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/internetofgpus/iog"
	"github.com/internetofgpus/iog/iogsdk"
	"github.com/internetofgpus/iog/iogsdk/api"
)

// listLimit is how many rows a page's latest-first table shows.
const listLimit = 10

// telemetryWindow is how far back the dashboard looks for a device's latest
// telemetry.
const telemetryWindow = 10 * time.Minute

// routes are the pages and fragments, by pattern.
func (h *Handler) routes() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"GET /{$}":                    h.home,
		"GET /devices":                h.devices,
		"GET /devices/{id}":           h.device,
		"GET /clusters":               h.clusters,
		"GET /clusters/{id}":          h.cluster,
		"GET /blocks/{n}":             h.block,
		"GET /signin":                 h.signin,
		"GET /worker":                 h.worker,
		"GET /account":                h.account,
		"GET /rent":                   h.rent,
		"GET /fragments/blocks":       fragment(h, "blocks", h.latestBlocks),
		"GET /fragments/transactions": fragment(h, "transactions", h.latestTransactions),
		"GET /fragments/devices/{id}": fragment(h, "device-status", h.deviceStatus),
		"GET /":                       h.notFound,
	}
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, "", nil, iog.ErrNotFound)
}

// homeView is the explorer's home.
type homeView struct {
	Supply       api.Supply
	Curve        string
	Stats        api.DeviceStats
	Suppliers    api.SupplierList
	Prices       api.PriceBoard
	Blocks       api.BlockList
	Transactions api.TransactionList
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	ctx := fromBrowser(r)
	var v homeView
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { v.Supply, err = h.api.Supply(gctx); return })
	g.Go(func() (err error) { v.Stats, err = h.api.DeviceStats(gctx); return })
	g.Go(func() (err error) { v.Suppliers, err = h.api.Suppliers(gctx, iogsdk.Page{Limit: listLimit}); return })
	g.Go(func() (err error) { v.Prices, err = h.api.PriceBoard(gctx); return })
	g.Go(func() (err error) { v.Blocks, err = h.latestBlocks(gctx, r); return })
	g.Go(func() (err error) { v.Transactions, err = h.latestTransactions(gctx, r); return })
	err := g.Wait()
	if err == nil {
		v.Curve, err = curveChart(v.Supply.Curve)
	}
	h.render(w, r, "home", view{"Explorer", v}, err)
}

func (h *Handler) latestBlocks(ctx context.Context, _ *http.Request) (api.BlockList, error) {
	return h.api.Blocks(ctx, iogsdk.Page{Limit: listLimit})
}

func (h *Handler) latestTransactions(ctx context.Context, _ *http.Request) (api.TransactionList, error) {
	return h.api.Transactions(ctx, iogsdk.Page{Limit: listLimit})
}

func (h *Handler) deviceStatus(ctx context.Context, r *http.Request) (api.Device, error) {
	return h.api.Device(ctx, iog.DeviceID(r.PathValue("id")))
}

func (h *Handler) devices(w http.ResponseWriter, r *http.Request) {
	list, err := h.api.Devices(fromBrowser(r), iogsdk.DeviceQuery{After: r.URL.Query().Get("after")})
	h.render(w, r, "devices", view{"Devices", list}, err)
}

// deviceView is a device's page.
type deviceView struct {
	Device   api.Device
	Stake    api.DeviceStake
	Bookings []api.PublicCluster
	// Transactions are the latest entries that moved its owner's
	// balances: its rewards and payouts among them.
	Transactions api.TransactionList
	// Telemetry is the chart of the device's utilization and temperature.
	Telemetry string
}

func (h *Handler) device(w http.ResponseWriter, r *http.Request) {
	ctx, id := fromBrowser(r), iog.DeviceID(r.PathValue("id"))
	var v deviceView
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		if v.Device, err = h.api.Device(gctx, id); err != nil {
			return err
		}
		v.Transactions, err = h.api.WalletTransactions(gctx, v.Device.Owner, iogsdk.Page{Limit: listLimit})
		return err
	})
	g.Go(func() (err error) { v.Stake, err = h.api.DeviceStake(gctx, id); return })
	g.Go(func() error {
		list, err := h.api.DeviceBookings(gctx, id, "", "")
		v.Bookings = list.Clusters
		return err
	})
	g.Go(func() error {
		series, err := h.api.Telemetry(gctx, id, time.Time{})
		if err == nil {
			v.Telemetry, err = telemetryChart(series.Samples)
		}
		return err
	})
	err := g.Wait()
	h.render(w, r, "device", view{"Device " + v.Device.Name, v}, err)
}

func (h *Handler) clusters(w http.ResponseWriter, r *http.Request) {
	list, err := h.api.PublicClusters(fromBrowser(r), "", r.URL.Query().Get("after"))
	h.render(w, r, "clusters", view{"Clusters", list}, err)
}

func (h *Handler) cluster(w http.ResponseWriter, r *http.Request) {
	c, err := h.api.PublicCluster(fromBrowser(r), iog.ClusterID(r.PathValue("id")))
	h.render(w, r, "cluster", view{"Cluster " + short(string(c.ID)), c}, err)
}

func (h *Handler) block(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.ParseUint(r.PathValue("n"), 10, 64)
	if err != nil {
		h.render(w, r, "", nil, iog.ErrNotFound)
		return
	}
	b, err := h.api.Block(fromBrowser(r), n, iogsdk.Page{})
	h.render(w, r, "block", view{"Block #" + strconv.FormatUint(n, 10), b}, err)
}

// fragment serves the partial name of what get returns, for a page to
// poll: public, so kept for a second for every browser watching.
func fragment[T any](h *Handler, name string, get func(context.Context, *http.Request) (T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := h.cache.get(r.URL.Path, func() ([]byte, error) {
			v, err := get(fromBrowser(r), r)
			if err != nil {
				return nil, err
			}
			var buf bytes.Buffer
			err = h.pages[""].ExecuteTemplate(&buf, name, v)
			return buf.Bytes(), err
		})
		if err != nil {
			http.Error(w, errorMessage(err), errorStatus(err))
			return
		}
		writeHTML(w, r, http.StatusOK, body)
	}
}
