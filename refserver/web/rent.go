package web

import "net/http"

// rent is the renter's view: a form quoted and deployed from the browser
// with its session, over the price board's models.
func (h *Handler) rent(w http.ResponseWriter, r *http.Request) {
	board, err := h.api.PriceBoard(fromBrowser(r))
	h.render(w, r, "rent", view{"Rent a cluster", board}, err)
}
