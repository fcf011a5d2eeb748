package refserver

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/internetofgpus/iog/refserver/web"
)

// routeTable lists the API, every route once, area by area: the mux and
// the OpenAPI test both read it.
func (s *Server) routeTable() []route {
	var all []route
	for _, area := range [][]route{s.accountRoutes(), s.apiKeyRoutes(), s.sessionRoutes(), s.deviceRoutes(), s.explorerRoutes(), s.clusterRoutes(), s.stakeRoutes(), s.slashRoutes(), s.withdrawalRoutes(), s.rewardRoutes(), s.relayRoutes()} {
		all = append(all, area...)
	}
	return all
}

// routes builds the server's handler: the API's routes, the OpenAPI
// document, health and metrics, and the web interface at / unless
// Config.NoWeb.
func (s *Server) routes() (http.Handler, error) {
	mux := http.NewServeMux()
	for _, rt := range s.routeTable() {
		mux.Handle(rt.method+" "+rt.pattern, s.serve(rt))
	}
	mux.HandleFunc("GET /v1/openapi.json", s.openAPI)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		s.writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", s.ready)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}))
	noRoute := func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errNoRoute(r))
	}
	mux.HandleFunc("/v1/", noRoute)
	if s.cfg.NoWeb {
		mux.HandleFunc("/", noRoute)
		return mux, nil
	}
	pages, err := web.New(web.Config{API: mux, Clock: s.cfg.Clock, Logger: s.log})
	if err != nil {
		return nil, err
	}
	mux.Handle("/", pages)
	return mux, nil
}

// ready answers whether the store answers, and how far the ledger is
// settled on the chain when the server settles: halted, with the entry
// the chain refused, when settling stopped. A halted settlement leaves
// the server ready: its API answers all the same.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	if err := s.store.DB().PingContext(r.Context()); err != nil {
		s.writeError(w, r, unavailable("the database does not answer", err))
		return
	}
	settlement, err := s.settlementHealth(r.Context())
	if err != nil {
		s.writeError(w, r, unavailable("the settlement's state does not read", err))
		return
	}
	out := map[string]any{"status": "ready"}
	if settlement != nil {
		out["settlement"] = settlement
	}
	s.writeJSON(w, http.StatusOK, out)
}
