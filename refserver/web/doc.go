// Package web serves the reference server's web interface: the explorer
// (supply, emission, devices, suppliers, prices, blocks, transactions),
// the clusters and devices pages, a worker's dashboard, an account page, a
// renter's view and the sign-in page.
//
// Every number a page shows comes from the server's v1 API, called in
// process through an iogsdk.Client whose transport serves each request
// with the API's own handler. A signed-in page forwards the browser's
// session cookie with its calls, so the API alone decides what the wallet
// may see: a stranger's page shows what the public API shows and nothing
// more. Pages are rendered with html/template; the little JavaScript they
// run (charts with the vendored uPlot, live fragments, sign-in and forms)
// is served from embedded files under a Content-Security-Policy of
// default-src 'self'.
package web
