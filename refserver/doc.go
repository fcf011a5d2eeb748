// Package refserver is the reference server of the network: it wires the
// domain packages into one running network behind an HTTP API (v1, in the
// wire format of package iogsdk/api), on one SQL store (package
// refserver/store) that holds every piece of state and the ledger.
//
// Every acknowledged mutating request is one database transaction over
// its state rows, its ledger entries, its audit row and its idempotency
// record; but a heartbeat, a liveness signal whose record is the
// device's health, has neither, and one sent again is applied again. The leader forgets a request's nonce once its
// timestamp is too old to be accepted, and its idempotency record after
// Config.IdempotencyTTL. Requests are signed by a wallet's ed25519 key,
// or carry an API key the wallet minted; a wallet acts only on what is
// its own.
//
// # Block rewards
//
// Block rewards are claimed, as io.net's are. Each hourly epoch
// nominates the active devices by io.net's documented rules
// (tokenomics.Nominate: 5 hours of uptime, the full stake, a wallet, a
// multiplier and a connectivity tier above 0, the proof of work unless
// the device is hired), splits its emission between the Enterprise and
// the Community pool (tokenomics.Distribute), and the explorer's block
// gives every device not rewarded the rules it missed. It shares the
// emission among the stakers of the rewarded devices
// (tokenomics.Allot), records every staker's share of every device's
// reward in the store, and mints the epoch's emission in two ledger
// entries: the shares' sum into the network's rewards account and what no
// device earned into the unpaid account. A wallet's account shows its
// unclaimed rewards beside its balances (api.Account.Unclaimed); POST
// /v1/rewards/claim pays all of them in one transfer from the rewards
// account. An epoch over 100,000 devices thus writes a row a share rather
// than a ledger entry, an account row and a balance a staker. The rewards
// account always holds exactly what is allotted and unclaimed.
//
// # Metrics
//
// GET /metrics serves, besides the Go runtime's and the process's:
//
//   - iog_api_request_duration_seconds{route,status}: each API request;
//   - iog_epoch_duration_seconds, iog_epoch_last_settled: the epochs;
//   - iog_devices{state,up}, iog_clusters{status}: the network, counted in
//     the store at each scrape (every server on a database reports the
//     same), and iog_scheduler_queue_depth, the clusters waiting to be
//     placed;
//   - iog_commit_queue_depth: this server's requests waiting for a group
//     commit; iog_commit_batch_requests and
//     iog_commit_batch_duration_seconds: the requests each of its
//     transactions carried, and the time it took to write and commit;
//   - iog_leader: 1 on the server that runs the loops;
//   - iog_tunnel_bytes_total{direction}, iog_tunnel_streams_total,
//     iog_tunnel_refused_total: what the relay this process ran moved;
//   - iog_metrics_store_errors: 1 when a scrape could not count in the store.
package refserver
