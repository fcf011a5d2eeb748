package web

import (
	"net/http"

	"golang.org/x/sync/errgroup"

	"github.com/internetofgpus/iog/iogsdk/api"
)

// accountView is the signed-in wallet's account (IO ID's role).
type accountView struct {
	Account     api.Account
	Withdrawals api.WithdrawalList
	Clusters    api.ClusterList
	Earnings    string
}

// account is the signed-in wallet's balances, earnings, withdrawals and
// rented clusters, read with the browser's session as the worker
// dashboard is.
func (h *Handler) account(w http.ResponseWriter, r *http.Request) {
	ctx := fromBrowser(r)
	session, err := h.api.Session(ctx)
	if err != nil {
		h.render(w, r, "", nil, err)
		return
	}
	var v accountView
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { v.Account, err = h.api.Account(gctx, session.Wallet); return })
	g.Go(func() (err error) { v.Withdrawals, err = h.api.Withdrawals(gctx, ""); return })
	g.Go(func() (err error) { v.Clusters, err = h.api.Clusters(gctx, ""); return })
	g.Go(func() error {
		days, err := h.api.EarningsHistory(gctx, session.Wallet, 30)
		if err == nil {
			v.Earnings, err = earningsChart(days.Days)
		}
		return err
	})
	err = g.Wait()
	h.render(w, r, "account", view{"Account", v}, err)
}
